"""`python -m service.openapi write PATH` regenerates the committed document;
`python -m service.openapi check PATH` fails when the app and that copy differ (`make openapi-check`)."""

from __future__ import annotations

import difflib
import json
import sys
from pathlib import Path
from typing import Any

from service.main import create_app


def render(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("write", "check"):
        print("usage: python -m service.openapi write|check PATH", file=sys.stderr)
        return 2
    command, target = argv[0], Path(argv[1])
    text = render(create_app().openapi())
    if command == "write":
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        return 0
    committed = target.read_text(encoding="utf-8") if target.exists() else ""
    if committed == text:
        return 0
    diff = difflib.unified_diff(
        committed.splitlines(), text.splitlines(), str(target), "the app", lineterm="", n=1
    )
    print("\n".join(list(diff)[:60]), file=sys.stderr)
    print(f"{target} is out of date with the app: run `make openapi` and commit it.", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
