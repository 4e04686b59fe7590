"""`python -m service`: check the rules and clients, then serve. A bad rule or clients file stops start-up
with its name. `python -m service --dev` (what `make run` does) also enables a local development key."""

import os
import secrets
import sys

import uvicorn

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


def main(argv: list[str]) -> int:
    if "--dev" in argv:
        dev_key()
    from service.auth.clients import ClientsFileError
    from service.auth.setup import registry
    from service.config import get_settings
    from service.exceptions import RuleFileError

    settings = get_settings()
    try:
        registry(settings)
    except ClientsFileError as exc:
        print(f"nextsteps: cannot start: {exc}", file=sys.stderr)
        return 2
    try:
        from service.recommender import Recommender

        Recommender.load(settings.rules_dir)
    except RuleFileError as exc:
        print(f"nextsteps: cannot start: {exc}", file=sys.stderr)
        return 2
    uvicorn.run(
        "service.main:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
