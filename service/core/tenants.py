"""Per-tenant overrides: a health system's own resources and words, as data (one YAML file per tenant).

TENANTS_DIR names a directory of `<tenant id>.yaml` files (the file stem is the tenant id, a lower-case
slug). A file may, per step code:
- `hide: true` a step the health system cannot offer (it never appears in that tenant's answers);
- `add_resources`: local pages (a title and an https URL per language, optional phone numbers), after
  the national ones;
- `replace_resources`: a national resource (a key of the catalog's resources table that the step shows)
  swapped, in place, for a local one;
- `details`: a local paragraph added after the step's details, per language.

Every file is checked at load like the rules (service/core/catalog.py): an error names the file and the
entry path, never a value. Overrides never touch the rules or the ranking: they are applied to the
answer after both (`view`), so a hidden step is removed, the others keep their order and are numbered
again from 1 (`rank` is the position in the list the caller sees).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from service.core.catalog import Catalog
from service.core.exceptions import RuleFileError
from service.core.models import NextStep, Resource

TENANT_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
TENANT_ID_PATTERN = TENANT_ID.pattern
PHONE = r"^\+?[0-9][0-9 ().-]{2,30}$"


def _error(file: str, entry: str | None, reason: str) -> RuleFileError:
    return RuleFileError(file, entry, reason, kind="entry")


class _Closed(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


Words = dict[str, str]  # language -> text


class LocalResourceSpec(_Closed):
    title: Words = Field(description="The page's title per language.")
    url: Words = Field(description="The page per language: https only.")
    phones: list[str] = Field(default_factory=list, max_length=5)


class StepOverrideSpec(_Closed):
    hide: bool = False
    add_resources: list[LocalResourceSpec] = Field(default_factory=list, max_length=10)
    replace_resources: dict[str, LocalResourceSpec] = Field(default_factory=dict)
    details: Words | None = None


class TenantFile(_Closed):
    steps: dict[str, StepOverrideSpec] = Field(default_factory=dict)


@dataclass(frozen=True)
class LocalResource:
    title: Mapping[str, str]
    url: Mapping[str, str]
    phones: tuple[str, ...]

    def shown(self, lang: str) -> Resource:
        return Resource(title=self.title[lang], url=self.url[lang], phones=list(self.phones))


@dataclass(frozen=True)
class StepOverride:
    hidden: bool
    added: tuple[LocalResource, ...]
    replaced: Mapping[str, LocalResource]  # national resource key -> local resource
    details: Mapping[str, str]  # language -> local paragraph


@dataclass(frozen=True)
class Tenant:
    """One tenant's checked overrides; `sha256` is the sha256 of its file (its overrides revision)."""

    id: str
    sha256: str
    steps: Mapping[str, StepOverride]

    def hides(self, code: str) -> bool:
        found = self.steps.get(code)
        return found is not None and found.hidden

    def view(self, steps: Sequence[NextStep], catalog: Catalog, lang: str) -> list[NextStep]:
        """The ranked steps as this tenant shows them: hidden ones out, the rest in the same order,
        numbered again from 1, with local resources and paragraphs."""
        shown = [step for step in steps if not self.hides(step.code)]
        views = []
        for rank, step in enumerate(shown, start=1):
            details, resources = self.words(step.code, step.details, step.resources, catalog, lang)
            views.append(step.model_copy(update={"rank": rank, "details": details, "resources": resources}))
        return views

    def words(
        self, code: str, details: str, resources: Sequence[Resource], catalog: Catalog, lang: str
    ) -> tuple[str, list[Resource]]:
        """A step's details and resources with this tenant's paragraph, replacements and additions."""
        found = self.steps.get(code)
        if found is None:
            return details, list(resources)
        local = {catalog.resources[key][lang].url: res.shown(lang) for key, res in found.replaced.items()}
        shown = [local.get(resource.url, resource) for resource in resources]
        shown.extend(res.shown(lang) for res in found.added)
        paragraph = found.details.get(lang)
        return (f"{details}\n\n{paragraph}" if paragraph else details), shown


def read_tenants(
    tenants_dir: Path | None, catalog: Catalog, rule_links: Iterable[str] = ()
) -> dict[str, Tenant]:
    """Every `<id>.yaml` under tenants_dir, checked against the catalog (step codes, resources shown,
    languages); raises RuleFileError naming the file and entry. None: no tenants."""
    if tenants_dir is None:
        return {}
    if not tenants_dir.is_dir():
        raise _error(tenants_dir.name or str(tenants_dir), None, "TENANTS_DIR is not a directory")
    for stray in sorted(tenants_dir.glob("*.yml")):  # never silently skipped: it would look loaded
        raise _error(f"{tenants_dir.name}/{stray.name}", None, "a tenant file's name ends in .yaml")
    linked = frozenset(rule_links)
    return {path.stem: _read(path, catalog, linked) for path in sorted(tenants_dir.glob("*.yaml"))}


def _read(path: Path, catalog: Catalog, rule_links: frozenset[str]) -> Tenant:
    file = f"{path.parent.name}/{path.name}"
    if not TENANT_ID.match(path.stem):
        raise _error(file, None, "the file name must be a tenant id: lower-case letters, digits, - and _")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise _error(file, None, f"cannot be read ({exc.strerror})") from None
    try:
        data = yaml.safe_load(raw) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise _error(file, None, f"is not valid YAML{where}") from None
    try:
        spec = TenantFile.model_validate(data)
    except ValidationError as exc:
        first = exc.errors(include_input=False, include_url=False)[0]
        entry = ".".join(str(part) for part in first["loc"]) or None
        raise _error(file, entry, first["msg"]) from None
    steps = {code: _step(file, code, override, catalog, rule_links) for code, override in spec.steps.items()}
    return Tenant(id=path.stem, sha256=hashlib.sha256(raw).hexdigest(), steps=steps)


def _step(
    file: str, code: str, spec: StepOverrideSpec, catalog: Catalog, rule_links: frozenset[str]
) -> StepOverride:
    entry = f"steps.{code}"
    if code not in catalog.step_codes:
        raise _error(file, entry, "not a step code of the catalog (GET /v1/next-steps)")
    if spec.hide and (spec.add_resources or spec.replace_resources or spec.details):
        raise _error(file, entry, "a hidden step takes no other override")
    langs = tuple(catalog.texts)
    shown = set(catalog.step(code).resources) | rule_links
    replaced = {}
    for key, local in spec.replace_resources.items():
        where = f"{entry}.replace_resources.{key}"
        if key not in catalog.resources:
            raise _error(file, where, "not a resource of the catalog")
        if key not in shown:
            raise _error(file, where, "this step never shows that resource")
        replaced[key] = _resource(file, where, local, langs)
    added = tuple(
        _resource(file, f"{entry}.add_resources.{i}", local, langs)
        for i, local in enumerate(spec.add_resources)
    )
    details = _words(file, f"{entry}.details", spec.details, langs, 2000) if spec.details is not None else {}
    return StepOverride(hidden=spec.hide, added=added, replaced=replaced, details=details)


def _resource(file: str, entry: str, spec: LocalResourceSpec, langs: tuple[str, ...]) -> LocalResource:
    title = _words(file, f"{entry}.title", spec.title, langs, 200)
    urls = _words(file, f"{entry}.url", spec.url, langs, 2000)
    for lang, url in urls.items():
        parts = urlsplit(url)
        if parts.scheme != "https" or not parts.hostname or "@" in parts.netloc or " " in url:
            raise _error(file, f"{entry}.url.{lang}", "must be an https:// URL with a host and no user name")
    for i, phone in enumerate(spec.phones):
        if not re.match(PHONE, phone):
            raise _error(file, f"{entry}.phones.{i}", "must be a phone number: digits, spaces, + ( ) . -")
    return LocalResource(title=title, url=urls, phones=tuple(spec.phones))


def _words(file: str, entry: str, words: Words, langs: tuple[str, ...], longest: int) -> dict[str, str]:
    """Text in every language the service answers in, and no other."""
    for lang in langs:
        if not (words.get(lang) or "").strip():
            raise _error(file, entry, f"missing language {lang!r} (every answer language needs its own text)")
    for lang in words:
        if lang not in langs:
            raise _error(file, f"{entry}.{lang}", f"not an answer language; these are {list(langs)}")
    for lang in langs:
        if len(words[lang]) > longest:
            raise _error(file, f"{entry}.{lang}", f"longer than {longest} characters")
    return {lang: " ".join(words[lang].split()) for lang in langs}
