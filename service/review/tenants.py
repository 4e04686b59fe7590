"""Check a directory of tenant overrides against the rules, as start-up and a reload would, before putting it
in use: `make tenants-check` (also part of `make test`, on deploy/tenants-example/).

    python -m service.review.tenants [--rules-dir rules] TENANTS_DIR

Prints each tenant with its overrides revision and what it changes; exit code 2 naming the file and entry
when one is refused (never its value).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from service.core.exceptions import RuleFileError
from service.core.rulebook import RuleBook
from service.core.tenants import Tenant

ROOT = Path(__file__).resolve().parents[2]


def describe(tenant: Tenant) -> list[str]:
    """One line per tenant, then one per step it changes."""
    lines = [f"{tenant.id}: {tenant.sha256}"]
    for code, override in tenant.steps.items():
        if override.hidden:
            lines.append(f"  {code}: hidden")
            continue
        changes = [f"replaces {key}" for key in override.replaced]
        if override.added:
            changes.append(f"adds {len(override.added)} resource(s)")
        if override.details:
            changes.append("adds a paragraph")
        lines.append(f"  {code}: {', '.join(changes) or 'no change'}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m service.review.tenants", description=__doc__)
    parser.add_argument("--rules-dir", type=Path, default=ROOT / "rules")
    parser.add_argument("tenants_dir", type=Path)
    args = parser.parse_args(argv)
    try:
        book = RuleBook.load(args.rules_dir, tenants_dir=args.tenants_dir)
    except RuleFileError as exc:
        print(f"tenants-check: {exc}", file=sys.stderr)
        return 2
    try:
        if not book.tenants:
            print(f"tenants-check: no <tenant>.yaml file in {args.tenants_dir}", file=sys.stderr)
            return 1
        for tenant in book.tenants.values():
            print("\n".join(describe(tenant)))
        print(f"revision with these tenants: {book.revision}")
        return 0
    finally:
        book.close()


if __name__ == "__main__":
    sys.exit(main())
