"""Which language to answer in: a `lang` field wins, then Accept-Language (RFC 9110), then English."""

from __future__ import annotations

import re
from collections.abc import Collection

from service.core.catalog import DEFAULT_LANG

# One language-range with an optional weight: "es-MX;q=0.8", "*", "en".
_RANGE = re.compile(
    r"^\s*([A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*|\*)\s*(?:;\s*q\s*=\s*([0-9](?:\.[0-9]{0,3})?))?\s*$"
)


def parse_accept_language(header: str) -> list[tuple[str, float]]:
    """Language ranges, best first; ranges with q=0 or that do not parse are dropped.

    Equal weights keep the order the client sent them in.
    """
    ranges: list[tuple[str, float]] = []
    for part in header.split(","):
        match = _RANGE.match(part)
        if not match:
            continue
        q = float(match.group(2)) if match.group(2) is not None else 1.0
        if 0 < q <= 1:
            ranges.append((match.group(1).lower(), q))
    return sorted(ranges, key=lambda r: -r[1])  # sorted() is stable


def negotiate(header: str | None, available: Collection[str]) -> str:
    """The best available language for an Accept-Language header, else English.

    A range matches a language by its primary subtag ("es-MX" and "es" both pick "es");
    "*" picks English when nothing better is offered.
    """
    for tag, _q in parse_accept_language(header or ""):
        if tag == "*":
            return DEFAULT_LANG
        primary = tag.split("-", 1)[0]
        if primary in available:
            return primary
    return DEFAULT_LANG


def choose(field: str | None, header: str | None, available: Collection[str]) -> str:
    """The request body's `lang` field wins over the header."""
    if field is not None and field in available:
        return field
    return negotiate(header, available)
