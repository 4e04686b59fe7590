"""Content negotiation on the Accept header (RFC 9110, section 12.5.1) among a route's media types."""

from __future__ import annotations


def _weight(params: list[str]) -> float:
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "q":
            try:
                return max(0.0, min(1.0, float(value.strip())))
            except ValueError:
                return 0.0
    return 1.0


def choose_media(accept: str | None, offers: tuple[str, ...]) -> str | None:
    """The offer the client prefers most (the first offer on ties, and when Accept is absent);
    None when the client accepts none of them."""
    if accept is None or not accept.strip():
        return offers[0]
    best: tuple[float, int, str] | None = None  # (q, specificity, offer)
    for index, offer in enumerate(offers):
        kind = offer.split("/")[0]
        quality, specificity = 0.0, -1
        for item in accept.split(","):
            media, *params = item.split(";")
            media = media.strip().lower()
            match = 2 if media == offer else 1 if media == f"{kind}/*" else 0 if media == "*/*" else -1
            if match > specificity:  # the most specific range that matches decides this offer's q
                quality, specificity = _weight(params), match
        if specificity >= 0 and quality > 0 and (best is None or quality > best[0]):
            best = (quality, -index, offer)
    return best[2] if best else None
