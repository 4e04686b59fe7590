"""`python -m service`: check the rules, then serve. A bad rule file stops start-up with its name."""

import sys

import uvicorn


def main() -> int:
    from service.config import get_settings
    from service.exceptions import RuleFileError

    settings = get_settings()
    try:
        from service.recommender import Recommender

        Recommender.load(settings.rules_dir)
    except RuleFileError as exc:
        print(f"nextsteps: cannot start: {exc}", file=sys.stderr)
        return 2
    if settings.decision_store == "on":
        # Once, before uvicorn starts (and forks) any worker: workers never race to migrate.
        from service.decisions.migrate import upgrade_when_reachable
        from service.decisions.store import database_url

        try:
            upgrade_when_reachable(database_url(settings), settings.decision_store_wait_s)
        except Exception as exc:  # the store is down or refuses: say which kind of error, not its text
            print(f"nextsteps: cannot migrate the decision store: {type(exc).__name__}", file=sys.stderr)
            return 3
    uvicorn.run(
        "service.main:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
