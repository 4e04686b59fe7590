"""API keys: make one, and the line to paste into the clients file.

    python -m service.auth.keys new --client portal-a

prints the key once (give it to the client's operators over a safe channel) and its hash (paste it
under the client's `api_keys`). Only the hash is ever stored.

    python -m service.auth.keys hash < key-file

prints the hash line of an existing key read from standard input (never from the command line, where
shell history and `ps` would keep it).
"""

from __future__ import annotations

import argparse
import secrets
import sys
from datetime import UTC, datetime

from service.auth.clients import key_hash

PREFIX = "nsk_"


def new_key() -> str:
    """256 random bits, URL-safe, with a prefix that secret scanners can look for."""
    return PREFIX + secrets.token_urlsafe(32)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m service.auth.keys")
    commands = parser.add_subparsers(dest="command", required=True)
    new = commands.add_parser("new", help="make a key for a client")
    new.add_argument("--client", required=True, help="the client id in the clients file")
    commands.add_parser("hash", help="the hash line of a key read from standard input")
    args = parser.parse_args(argv)
    if args.command == "hash":
        existing = sys.stdin.readline().strip()
        if not existing:
            print("no key on standard input", file=sys.stderr)
            return 2
        print(f"- {key_hash(existing)}")
        return 0
    key = new_key()
    today = datetime.now(UTC).date().isoformat()
    print(f"key for {args.client} (shown once; store it in the client's secret store):")
    print(f"  {key}")
    print(f"paste under clients[id={args.client}].api_keys in the clients file:")
    print(f"  - {key_hash(key)}  # added {today}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
