"""Accept-header negotiation among a route's media types."""

from __future__ import annotations

import pytest

from service.web.media import choose_media

OFFERS = ("text/html", "application/pdf")


@pytest.mark.parametrize(
    ("accept", "chosen"),
    [
        (None, "text/html"),
        ("", "text/html"),
        ("application/pdf", "application/pdf"),
        ("text/html", "text/html"),
        ("*/*", "text/html"),
        ("application/*", "application/pdf"),
        ("text/html;q=0.5, application/pdf", "application/pdf"),
        ("text/html, application/pdf;q=0.9", "text/html"),
        ("application/pdf;q=0, */*", "text/html"),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "text/html"),
        ("APPLICATION/PDF", "application/pdf"),
        ("application/json", None),
        ("text/html;q=0, application/pdf;q=0", None),
        ("text/html;q=abc", None),
    ],
)
def test_the_preferred_offer_is_chosen(accept: str | None, chosen: str | None) -> None:
    assert choose_media(accept, OFFERS) == chosen
