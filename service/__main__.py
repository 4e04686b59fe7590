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
