"""The handout as HTML (Jinja2, autoescaped) and as PDF (WeasyPrint), both with nothing fetched.

The CSS is inlined, so a browser needs no second request and WeasyPrint no base URL; the PDF's fonts are
the system's (DejaVu in the image). WeasyPrint's fetcher refuses every URL. WeasyPrint is imported on the
first PDF, not at start-up: it costs each worker memory that most never use (tests/test_memory.py).
"""

from __future__ import annotations

import base64
import hashlib
from functools import cache, lru_cache
from pathlib import Path

import jinja2

from service.handout.document import Handout

TEMPLATES = Path(__file__).resolve().parent / "templates"


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


@cache
def css() -> str:
    return (TEMPLATES / "handout.css").read_text(encoding="utf-8")


def content_security_policy() -> str:
    """The HTML runs no script and loads nothing; only its one inline style block is allowed."""
    digest = base64.b64encode(hashlib.sha256(css().encode("utf-8")).digest()).decode()
    return (
        f"default-src 'none'; style-src 'sha256-{digest}'; frame-ancestors 'none'; "
        "base-uri 'none'; form-action 'none'"
    )


def to_html(handout: Handout) -> str:
    return _environment().get_template("handout.html.j2").render(h=handout, css=css())


@lru_cache(maxsize=64)
def to_pdf(html: str) -> bytes:
    """Render the HTML to PDF. It takes about half a second of CPU (measured here), so callers run it off
    the event loop, and the last 64 are kept: a recorded decision's handout never changes, and a patient
    or portal often fetches it again. The HTML names the decision, so one decision never gets another's."""
    import weasyprint
    from weasyprint.urls import URLFetcher

    # No protocol is allowed, and a refused fetch stops the rendering rather than leaving a gap.
    nothing = URLFetcher(allowed_protocols=(), fail_on_errors=True)
    document = weasyprint.HTML(string=html, url_fetcher=nothing)
    pdf: bytes = document.write_pdf()
    return pdf
