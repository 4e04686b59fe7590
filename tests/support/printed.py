"""The handout as a person reads it: the text of its PDF (pdftotext) or of its HTML page."""

from __future__ import annotations

import shutil
import subprocess
from html.parser import HTMLParser


def pdf_text(pdf: bytes) -> str:
    pdftotext = shutil.which("pdftotext")
    assert pdftotext, "run `make test` (it installs poppler-utils for pdftotext)"
    result = subprocess.run([pdftotext, "-", "-"], input=pdf, capture_output=True, check=True, timeout=60)
    return " ".join(result.stdout.decode("utf-8").split())


class _Headings(HTMLParser):
    def __init__(self, tag: str) -> None:
        super().__init__()
        self.tag, self.inside, self.found = tag, False, list[str]()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == self.tag:
            self.inside = True
            self.found.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == self.tag:
            self.inside = False

    def handle_data(self, data: str) -> None:
        if self.inside:
            self.found[-1] += data


def texts_of(html: str, tag: str) -> list[str]:
    """The text of every `tag` element, in document order."""
    parser = _Headings(tag)
    parser.feed(html)
    return [" ".join(text.split()) for text in parser.found]


def in_order(text: str, parts: list[str]) -> bool:
    """Every part appears in text, each after the one before."""
    position = 0
    for part in parts:
        found = text.find(part, position)
        if found < 0:
            return False
        position = found + len(part)
    return True
