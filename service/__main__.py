"""`python -m service`: check the settings, the rules and the clients, then serve.

Bad settings or a bad rule or clients file stop start-up with a one-line message on stderr and exit
code 2. `python -m service --dev` (what `make run` does) also enables a local development key. A
decision store still unreachable after DECISION_STORE_WAIT_S stops it with exit code 3.

The checks run in a child process, so the supervisor never holds the rules: each worker loads its own.
"""

from __future__ import annotations

import os
import re
import secrets
import sys
import traceback
from collections.abc import Callable
from typing import TYPE_CHECKING

from pydantic import ValidationError
from pydantic_settings import SettingsError

if TYPE_CHECKING:
    from service.config import Settings


def settings_problem(exc: ValidationError | SettingsError) -> str:
    """One line per bad setting, named as its environment variable; the value is not repeated."""
    if isinstance(exc, SettingsError):  # a list or other JSON setting that does not parse
        field = re.search(r'field "(\w+)"', str(exc))
        name = field.group(1).upper() if field else "settings"
        return f'{name}: not valid JSON (a list is written as JSON, e.g. ["https://portal.example"])'
    lines = []
    for error in exc.errors():
        name = "_".join(str(part) for part in error["loc"][:1]).upper() or "settings"
        lines.append(f"{name}: {error['msg']}")
    return "; ".join(lines)


DEV_BANNER = """
  ---------------------------------------------------------------------------------------------
  nextsteps local development key ({origin}); every scope, this machine only:

      {key}

  curl -H 'Authorization: Bearer {key}' http://{host}:{port}/v1/rules
  Set DEV_API_KEY to choose the key; never use a development key where patient details are sent.
  ---------------------------------------------------------------------------------------------
"""


def dev_key() -> None:
    """Make sure DEV_API_KEY is set (a fresh random one unless given) and print it for the developer."""
    origin = "from DEV_API_KEY"
    if not os.environ.get("DEV_API_KEY"):
        os.environ["DEV_API_KEY"] = "nsk_dev_" + secrets.token_urlsafe(24)
        origin = "made for this run"
    host, port = os.environ.get("HOST", "127.0.0.1"), os.environ.get("PORT", "8000")
    print(
        DEV_BANNER.format(origin=origin, key=os.environ["DEV_API_KEY"], host=host, port=port), file=sys.stderr
    )


def checked(settings: Settings) -> int:
    """The clients, the rules and the decision store's schema: 0 when the service may start, else the exit
    code after a one-line message on stderr."""
    from service.auth.clients import ClientsFileError
    from service.auth.setup import UnsafeDeployment, registry, shared_state_check, tenants_in_use
    from service.core.exceptions import RuleFileError
    from service.core.rulebook import RuleBook

    try:
        clients = registry(settings)
        shared_state_check(settings, clients)  # its warnings are logged by each worker
    except (ClientsFileError, UnsafeDeployment) as exc:
        print(f"nextsteps: cannot start: {exc}", file=sys.stderr)
        return 2
    try:
        book = RuleBook.load(settings.rules_dir, tenants_dir=settings.tenants_dir)
        book.close()
        tenants_in_use(settings, clients, book.tenants)
    except (RuleFileError, ClientsFileError) as exc:  # a client's tenant without a file
        print(f"nextsteps: cannot start: {exc}", file=sys.stderr)
        return 2
    if settings.decision_store == "on":
        # Once, before uvicorn starts any worker: workers never race to migrate.
        from service.decisions.migrate import upgrade_when_reachable
        from service.decisions.store import database_url

        try:
            upgrade_when_reachable(database_url(settings), settings.decision_store_wait_s)
        except Exception as exc:  # the store is down or refuses: say which kind of error, not its text
            print(f"nextsteps: cannot migrate the decision store: {type(exc).__name__}", file=sys.stderr)
            return 3
    return 0


def in_child(check: Callable[[Settings], int], settings: Settings) -> int:
    """`check(settings)` in a forked child process; its exit code. What the check loads (the rules in the
    engine, the clients, the store's driver: about 50 MiB) leaves with the child, so the supervisor, which
    lives as long as the pod and never answers a request, stays small (tests/test_memory.py)."""
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # pragma: no cover (the child; its exit code is the parent's answer)
        code = 1
        try:
            code = check(settings)
        except BaseException:
            traceback.print_exc()
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])


def main(argv: list[str]) -> int:
    if "--dev" in argv:
        dev_key()
    from service.config import get_settings

    try:
        settings = get_settings()
    except (ValidationError, SettingsError) as exc:
        print(f"nextsteps: invalid settings: {settings_problem(exc)}", file=sys.stderr)
        return 2
    # The supervisor itself keeps no metrics; server.serve() prepares the directory for the workers.
    os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)
    code = in_child(checked, settings)
    if code != 0:
        return code
    from service.server import serve

    return serve(settings)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
