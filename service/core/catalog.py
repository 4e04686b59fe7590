"""The next-step catalog, reference data and patient-facing text, read from rules/."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from service.core.exceptions import RuleFileError
from service.core.phrasing import Phrases, load_phrases


def _entry_error(file: str, entry: str | None, reason: str) -> RuleFileError:
    """A RuleFileError about a catalog or text entry rather than a rule."""
    return RuleFileError(file, entry, reason, kind="entry")


CODE = re.compile(r"^[a-z][a-z0-9_]*$")
STEP_TEXT_FIELDS = ("title", "summary", "details")
DEFAULT_LANG = "en"
# The ways a text may name the cancer type(s); see the head of text/en.yaml.
CANCER_PLACEHOLDERS = ("cancer", "the_cancer", "of_the_cancer", "to_the_cancer")
# The plain name, the way every language file may give it without a grammar entry.
BARE = "cancer"
PLAIN_NAME_ARTICLE = "none"
# Why an unconfirmed link is believed right; see the head of catalog.yaml.
EVIDENCE = ("page_copy", "cited", "domain_notes", "pattern")


@dataclass(frozen=True)
class Link:
    """One page for one language of the answer."""

    url: str
    page_lang: str  # the language the page is written in
    confirmed: bool  # found in the stored copies of public pages when it was checked
    evidence: str | None  # for an unconfirmed link: why it is believed right (EVIDENCE)


@dataclass(frozen=True)
class CancerTypeInfo:
    code: str
    parent: str | None
    pages: dict[str, dict[str, Link]]  # page kind -> answer language -> link

    @property
    def family(self) -> str:
        """The broad type: the parent of a subtype, or the type itself."""
        return self.parent or self.code


@dataclass(frozen=True)
class StepEntry:
    code: str
    resources: tuple[str, ...]
    per_cancer_type: bool


@dataclass(frozen=True, slots=True)
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
    cancer_types: dict[str, str]  # code -> plain name
    cancer_forms: dict[str, dict[str, str]]  # code -> placeholder -> phrase
    other_language: dict[str, str]  # page language -> note added to a link's title
    resources: dict[str, str]
    steps: dict[str, StepText]
    reasons: dict[str, str]
    phrases: Phrases


@dataclass(frozen=True)
class Catalog:
    version: str
    steps: tuple[StepEntry, ...]
    resources: dict[str, dict[str, Link]]  # key -> answer language -> link
    cancer_types: dict[str, CancerTypeInfo]
    texts: dict[str, LanguageText]
    files: dict[str, bytes]  # relative path -> content, for the ruleset hash

    @property
    def step_codes(self) -> tuple[str, ...]:
        return tuple(s.code for s in self.steps)

    def step(self, code: str) -> StepEntry:
        return next(s for s in self.steps if s.code == code)

    def family(self, code: str) -> str:
        """The broad type of a cancer-type code: `cll` -> `leukemia`, `leukemia` -> `leukemia`."""
        return self.cancer_types[code].family

    def subtypes(self, code: str) -> tuple[str, ...]:
        return tuple(c for c, info in self.cancer_types.items() if info.parent == code)

    def most_specific(self, codes: list[str] | tuple[str, ...]) -> tuple[str, ...]:
        """The codes without any whose own subtype is also named: (leukemia, cll) -> (cll,)."""
        named = set(codes)
        return tuple(c for c in codes if not named & set(self.subtypes(c)))

    def links(self) -> list[tuple[str, str, Link]]:
        """Every link with where it is used ("resource nci_cis", "cancer_type aml pdq") and its language."""
        found = [
            (f"resource {key}", lang, link) for key, by in self.resources.items() for lang, link in by.items()
        ]
        for code, info in self.cancer_types.items():
            for kind, by in info.pages.items():
                found.extend((f"cancer_type {code} {kind}", lang, link) for lang, link in by.items())
        return found


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


class _LinkReader:
    """Reads `{lang: {url, confirmed, in}}` tables: one page per answer language, on an allowed host."""

    def __init__(self, file: str, langs: tuple[str, ...], hosts: frozenset[str]) -> None:
        self.file, self.langs, self.hosts = file, langs, hosts

    def read(self, raw: Any, entry: str) -> dict[str, Link]:
        table = _mapping(raw, self.file, entry, "a link table")
        unknown = sorted(set(table) - set(self.langs))
        if unknown:
            raise _entry_error(self.file, entry, f"no text file for language {unknown[0]!r}")
        specs = {
            lang: _mapping(table.get(lang), self.file, entry, f"the {lang!r} link") for lang in self.langs
        }
        links: dict[str, Link] = {}
        for lang, spec in specs.items():
            page_lang = spec.get("in", lang)
            if page_lang not in self.langs:
                raise _entry_error(
                    self.file, entry, f"the {lang!r} link: 'in' must be one of {list(self.langs)}"
                )
            if "url" not in spec:
                # `{in: en}` alone: the page written for that language, used here as well.
                source = specs[page_lang]
                if page_lang == lang or "url" not in source:
                    raise _entry_error(self.file, entry, f"the {lang!r} link needs a 'url'")
                spec = {**source, "in": page_lang}
            confirmed, evidence = self._checked(spec, entry, lang)
            links[lang] = Link(self._url(spec.get("url"), entry, lang), page_lang, confirmed, evidence)
        return links

    def _url(self, url: Any, entry: str, lang: str) -> str:
        if not isinstance(url, str) or not url.startswith("https://"):
            raise _entry_error(self.file, entry, f"the {lang!r} link must be an https:// URL")
        host = urlsplit(url).hostname or ""
        if host not in self.hosts:
            raise _entry_error(self.file, entry, f"the {lang!r} link is not on a host listed in 'hosts'")
        return url

    def _checked(self, spec: dict[str, Any], entry: str, lang: str) -> tuple[bool, str | None]:
        """Whether a stored copy confirmed the URL and, if not, the evidence for it: no link is a guess."""
        confirmed = spec.get("confirmed")
        if not isinstance(confirmed, bool):
            raise _entry_error(self.file, entry, f"the {lang!r} link must say 'confirmed: true' or 'false'")
        evidence = spec.get("evidence")
        if confirmed:
            if evidence is not None:
                raise _entry_error(
                    self.file, entry, f"the {lang!r} link is confirmed; 'evidence' is for others"
                )
        elif evidence not in EVIDENCE:
            raise _entry_error(
                self.file, entry, f"the unconfirmed {lang!r} link needs 'evidence', one of {list(EVIDENCE)}"
            )
        return confirmed, evidence


def _load_cancer_types(raw: Any, file: str, reader: _LinkReader) -> dict[str, CancerTypeInfo]:
    entries: dict[str, dict[str, Any]] = {}
    for item in raw or []:
        entry = _mapping(item, file, None, "a cancer type")
        code = entry.get("code")
        if not isinstance(code, str) or not CODE.match(code):
            raise _entry_error(file, str(code), "a cancer-type code must be a lower-case code")
        if code in entries:
            raise _entry_error(file, code, "duplicate cancer-type code")
        entries[code] = entry
    types: dict[str, CancerTypeInfo] = {}
    for code, entry in entries.items():
        parent = entry.get("parent")
        if parent is not None:
            if parent not in entries:
                raise _entry_error(file, code, f"parent {parent!r} is not a cancer type in this file")
            if entries[parent].get("parent") is not None:
                raise _entry_error(file, code, f"parent {parent!r} is itself a subtype; one level only")
            if parent == "other" or code == "other":
                raise _entry_error(file, code, "'other' has no parent and no subtypes")
        pages = _mapping(entry.get("pages") or {}, file, code, "'pages'")
        for kind in pages:
            if not isinstance(kind, str) or not CODE.match(kind):
                raise _entry_error(file, code, f"page kind {kind!r} must be a lower-case code")
        types[code] = CancerTypeInfo(
            code=code,
            parent=parent,
            pages={kind: reader.read(links, f"{code} {kind}") for kind, links in pages.items()},
        )
    if "other" not in types:
        raise _entry_error(file, None, "cancer type 'other' is required")
    return types


def _load_catalog_file(
    root: Path, files: dict[str, bytes], langs: tuple[str, ...]
) -> tuple[str, list[StepEntry], dict[str, dict[str, Link]], dict[str, CancerTypeInfo]]:
    file = "catalog.yaml"
    doc = _mapping(read_yaml(root / file, root, files), file, None, "the file")
    version = doc.get("version")
    if not isinstance(version, str) or not version:
        raise _entry_error(file, None, "'version' must be a non-empty string")
    hosts = doc.get("hosts")
    if not isinstance(hosts, list) or not hosts or not all(isinstance(h, str) for h in hosts):
        raise _entry_error(file, None, "'hosts' must list the hosts links may point at")
    reader = _LinkReader(file, langs, frozenset(hosts))
    resources = {
        str(key): reader.read(links, str(key))
        for key, links in _mapping(doc.get("resources"), file, None, "'resources'").items()
    }
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
    return version, steps, resources, _load_cancer_types(doc.get("cancer_types"), file, reader)


def _cancer_forms(
    doc: dict[str, Any], file: str, codes: list[str]
) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """Each type's plain name, and its phrase for every placeholder, from `cancer_types` and `articles`."""
    names = _mapping(doc.get("cancer_types"), file, None, "'cancer_types'")
    articles = _mapping(doc.get("articles"), file, None, "'articles'")
    plain: dict[str, str] = {}
    forms: dict[str, dict[str, str]] = {}
    for code in codes:
        raw = names.get(code)
        spec = {"name": raw, "article": PLAIN_NAME_ARTICLE} if isinstance(raw, str) else raw
        spec = _mapping(spec, file, code, "the cancer-type name")
        name = _text(spec.get("name"), file, code, "the cancer-type name")
        article = spec.get("article")
        if article not in articles:
            raise _entry_error(file, code, f"article {article!r} is not listed under 'articles'")
        templates = _mapping(articles[article], file, str(article), "an article's forms")
        phrases = {BARE: name}
        for placeholder in CANCER_PLACEHOLDERS[1:]:
            template = _text(templates.get(placeholder), file, str(article), f"the {placeholder!r} form")
            if "{name}" not in template:
                raise _entry_error(file, str(article), f"the {placeholder!r} form must contain {{name}}")
            phrases[placeholder] = template.replace("{name}", name)
        plain[code], forms[code] = name, phrases
    return plain, forms


def _load_language(
    path: Path,
    root: Path,
    files: dict[str, bytes],
    steps: list[StepEntry],
    resources: dict[str, dict[str, Link]],
    cancer_types: dict[str, CancerTypeInfo],
    langs: tuple[str, ...],
) -> LanguageText:
    file = str(path.relative_to(root))
    doc = _mapping(read_yaml(path, root, files), file, None, "the file")
    lang = doc.get("lang")
    if lang != path.stem:
        raise _entry_error(file, None, f"'lang' must be {path.stem!r}, as the file name says")
    plain, forms = _cancer_forms(doc, file, list(cancer_types))
    notes = _mapping(doc.get("other_language"), file, None, "'other_language'")
    other_language = {
        other: _text(notes.get(other), file, other, "the note") for other in langs if other != lang
    }
    titles = _mapping(doc.get("resources"), file, None, "'resources'")
    kinds = {kind for info in cancer_types.values() for kind in info.pages}
    for key in [*resources, *(f"page_{kind}" for kind in sorted(kinds))]:
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
        cancer_types=plain,
        cancer_forms=forms,
        other_language=other_language,
        resources={key: " ".join(str(v).split()) for key, v in titles.items()},
        steps=step_texts,
        reasons=reasons,
        phrases=load_phrases(doc.get("phrases"), file),
    )


@lru_cache
def load_catalog(root: Path) -> Catalog:
    """read_catalog, once per directory (for tests and tools: a rules reload reads with read_catalog)."""
    return read_catalog(root)


def read_catalog(root: Path) -> Catalog:
    """Read and check catalog.yaml and every text/<lang>.yaml under root, as they are now."""
    files: dict[str, bytes] = {}
    text_paths = sorted((root / "text").glob("*.yaml"))
    langs = tuple(p.stem for p in text_paths)
    if DEFAULT_LANG not in langs:
        raise _entry_error("text/", None, f"text/{DEFAULT_LANG}.yaml is required")
    version, steps, resources, cancer_types = _load_catalog_file(root, files, langs)
    texts = {
        p.stem: _load_language(p, root, files, steps, resources, cancer_types, langs) for p in text_paths
    }
    return Catalog(version, tuple(steps), resources, cancer_types, texts, files)


def ruleset_sha256(files: dict[str, bytes]) -> str:
    """One hash over every loaded file, path and content, in path order."""
    digest = hashlib.sha256()
    for rel in sorted(files):
        digest.update(rel.encode() + b"\0" + files[rel] + b"\0")
    return digest.hexdigest()
