"""`python -m service.purge`: delete decisions older than DECISION_RETENTION_DAYS, with their feedback.

Run it daily (cron, a Kubernetes CronJob). `--days N` overrides the setting for one run. Prints what it
deleted; exits 2 when no retention is configured, so a forgotten setting never deletes anything.
"""

from __future__ import annotations

import argparse
import sys
from datetime import timedelta

from service.config import get_settings
from service.decisions.service import DecisionLog, utcnow


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m service.purge", description=__doc__)
    parser.add_argument("--days", type=int, help="keep this many days (default: DECISION_RETENTION_DAYS)")
    args = parser.parse_args(argv)
    settings = get_settings()
    days = args.days if args.days is not None else settings.decision_retention_days
    if days is None or days < 1:
        print("nextsteps purge: set DECISION_RETENTION_DAYS (or --days) to a number >= 1", file=sys.stderr)
        return 2
    log = DecisionLog.from_settings(settings)
    try:
        before = utcnow() - timedelta(days=days)
        decisions, feedback = log.purge(before)
    finally:
        log.store.close()
    print(f"purged {decisions} decision(s) and {feedback} feedback record(s) older than {days} day(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
