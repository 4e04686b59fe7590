"""The next-step catalog, reference data and patient-facing text, read from rules/."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from service.core.exceptions import RuleFileError


def _entry_error(file: str, entry: str | None, reason: str) -> RuleFileError:
    """A RuleFileError about a catalog or text entry rather than a rule."""
    return RuleFileError(file, entry, reason, kind="entry")


CODE = re.compile(r"^[a-z][a-z0-9_]*$")
STEP_TEXT_FIELDS = ("title", "summary", "details")
DEFAULT_LANG = "en"


@dataclass(frozen=True)
class StepEntry:
    code: str
    resources: tuple[str, ...]
    per_cancer_type: bool


@dataclass(frozen=True)
class StepText:
    title: str
    summary: str
    details: str
    questions: tuple[str, ...]


@dataclass(frozen=True)
class LanguageText:
    lang: str
    disclaimer: str
    joiner_or: str
    cancer_types: dict[str, str]
    resources: dict[str, str]
    steps: dict[str, StepText]
    reasons: dict[str, str]


@dataclass(frozen=True)
class Catalog:
    version: str
    steps: tuple[StepEntry, ...]
    resources: dict[str, str]
    cancer_types: dict[str, dict[str, str]]  # code -> {page kind: url}
    texts: dict[str, LanguageText]
    files: dict[str, bytes]  # relative path -> content, for the ruleset hash

    @property
    def step_codes(self) -> tuple[str, ...]:
        return tuple(s.code for s in self.steps)

    def step(self, code: str) -> StepEntry:
        return next(s for s in self.steps if s.code == code)


def read_yaml(path: Path, root: Path, files: dict[str, bytes]) -> Any:
    """Parse one YAML file, remembering its bytes; errors name the file."""
    rel = str(path.relative_to(root))
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise _entry_error(rel, None, f"cannot be read ({exc.strerror})") from exc
    files[rel] = raw
    try:
        return yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        raise _entry_error(rel, None, f"is not valid YAML: {exc}") from exc


def _mapping(value: Any, file: str, entry: str | None, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _entry_error(file, entry, f"{what} must be a mapping")
    return value


def _text(value: Any, file: str, entry: str, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _entry_error(file, entry, f"{what} must be non-empty text")
    return " ".join(value.split())


def _load_catalog_file(
    root: Path, files: dict[str, bytes]
) -> tuple[str, list[StepEntry], dict[str, str], dict[str, dict[str, str]]]:
    file = "catalog.yaml"
    doc = _mapping(read_yaml(root / file, root, files), file, None, "the file")
    version = doc.get("version")
    if not isinstance(version, str) or not version:
        raise _entry_error(file, None, "'version' must be a non-empty string")
    resources = _mapping(doc.get("resources"), file, None, "'resources'")
    for key, url in resources.items():
        if not isinstance(url, str) or not url.startswith("https://"):
            raise _entry_error(file, key, "a resource must be an https:// URL")
    steps: list[StepEntry] = []
    for raw in doc.get("steps") or []:
        entry = _mapping(raw, file, None, "a step")
        code = entry.get("code")
        if not isinstance(code, str) or not CODE.match(code):
            raise _entry_error(file, str(code), "a step code must be a lower-case code")
        if code in {s.code for s in steps}:
            raise _entry_error(file, code, "duplicate step code")
        refs = entry.get("resources") or []
        for ref in refs:
            if ref not in resources:
                raise _entry_error(file, code, f"unknown resource {ref!r}")
        steps.append(StepEntry(code, tuple(refs), bool(entry.get("per_cancer_type", False))))
    if not steps:
        raise _entry_error(file, None, "'steps' must list at least one step")
    cancer_types: dict[str, dict[str, str]] = {}
    for raw in doc.get("cancer_types") or []:
        entry = _mapping(raw, file, None, "a cancer type")
        code = entry.get("code")
        if not isinstance(code, str) or not CODE.match(code):
            raise _entry_error(file, str(code), "a cancer-type code must be a lower-case code")
        if code in cancer_types:
            raise _entry_error(file, code, "duplicate cancer-type code")
        pages = _mapping(entry.get("pages") or {}, file, code, "'pages'")
        for kind, url in pages.items():
            if kind not in ("pdq", "acs") or not isinstance(url, str) or not url.startswith("https://"):
                raise _entry_error(file, code, f"page {kind!r} must be pdq or acs with an https:// URL")
        cancer_types[code] = dict(pages)
    if "other" not in cancer_types:
        raise _entry_error(file, None, "cancer type 'other' is required")
    return version, steps, resources, cancer_types


def _load_language(
    path: Path,
    root: Path,
    files: dict[str, bytes],
    steps: list[StepEntry],
    resources: dict[str, str],
    cancer_types: dict[str, dict[str, str]],
) -> LanguageText:
    file = str(path.relative_to(root))
    doc = _mapping(read_yaml(path, root, files), file, None, "the file")
    lang = doc.get("lang")
    if lang != path.stem:
        raise _entry_error(file, None, f"'lang' must be {path.stem!r}, as the file name says")
    names = _mapping(doc.get("cancer_types"), file, None, "'cancer_types'")
    for code in cancer_types:
        _text(names.get(code), file, code, "the cancer-type name")
    titles = _mapping(doc.get("resources"), file, None, "'resources'")
    for key in [*resources, "page_pdq", "page_acs"]:
        _text(titles.get(key), file, key, "the resource title")
    step_texts: dict[str, StepText] = {}
    raw_steps = _mapping(doc.get("steps"), file, None, "'steps'")
    for step in steps:
        entry = _mapping(raw_steps.get(step.code), file, step.code, "the step text")
        title, summary, details = (_text(entry.get(f), file, step.code, f"'{f}'") for f in STEP_TEXT_FIELDS)
        questions = entry.get("questions")
        if not isinstance(questions, list) or not questions:
            raise _entry_error(file, step.code, "'questions' must list at least one question")
        asked = tuple(_text(q, file, step.code, "a question") for q in questions)
        step_texts[step.code] = StepText(title, summary, details, asked)
    reasons = {
        key: _text(value, file, key, "the reason")
        for key, value in _mapping(doc.get("reasons"), file, None, "'reasons'").items()
    }
    return LanguageText(
        lang=lang,
        disclaimer=_text(doc.get("disclaimer"), file, "disclaimer", "the disclaimer"),
        joiner_or=str(doc.get("joiner_or", " or ")),
        cancer_types={code: " ".join(str(names[code]).split()) for code in cancer_types},
        resources={key: " ".join(str(v).split()) for key, v in titles.items()},
        steps=step_texts,
        reasons=reasons,
    )


@lru_cache
def load_catalog(root: Path) -> Catalog:
    """read_catalog, once per directory (for tests and tools: a rules reload reads with read_catalog)."""
    return read_catalog(root)


def read_catalog(root: Path) -> Catalog:
    """Read and check catalog.yaml and every text/<lang>.yaml under root, as they are now."""
    files: dict[str, bytes] = {}
    version, steps, resources, cancer_types = _load_catalog_file(root, files)
    text_paths = sorted((root / "text").glob("*.yaml"))
    texts = {p.stem: _load_language(p, root, files, steps, resources, cancer_types) for p in text_paths}
    if DEFAULT_LANG not in texts:
        raise _entry_error("text/", None, f"text/{DEFAULT_LANG}.yaml is required")
    return Catalog(version, tuple(steps), resources, cancer_types, texts, files)


def ruleset_sha256(files: dict[str, bytes]) -> str:
    """One hash over every loaded file, path and content, in path order."""
    digest = hashlib.sha256()
    for rel in sorted(files):
        digest.update(rel.encode() + b"\0" + files[rel] + b"\0")
    return digest.hexdigest()
