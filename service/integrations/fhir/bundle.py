"""Read a FHIR R4 Bundle (or prefetched resources) into fhir.resources R4B models, or say what is wrong.

Errors name the entry, the resource type and the element path, never a value from the body.

fhir.resources is imported on the first FHIR body, not at start-up: its models cost each worker memory
that a deployment without FHIR input never uses (tests/test_memory.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from service.web.problems import UNNAMED, named

if TYPE_CHECKING:
    from fhir.resources.R4B.resource import Resource

MAX_ENTRIES = 2000


@dataclass(frozen=True)
class FhirError:
    field: str
    reason: str


class FhirInvalid(Exception):
    """The body is not FHIR we can read; each error names where (422)."""

    def __init__(self, errors: list[FhirError]) -> None:
        self.errors = errors
        super().__init__(f"{len(errors)} FHIR error(s)")


@dataclass(frozen=True)
class Parsed:
    """One resource of the input, with where it came from and the URL the Bundle gave it."""

    resource: Resource
    pointer: str  # e.g. "entry[3].resource"
    full_url: str | None

    @property
    def ref(self) -> str:
        """Type/id when the resource has an id, else its pointer."""
        rid = self.resource.id
        return f"{self.resource.get_resource_type()}/{rid}" if rid else self.pointer


def _path(loc: tuple[Any, ...]) -> str:
    """The element path; a name that does not look like an element name is never repeated."""
    path = ""
    for part in loc:
        shown = str(part) if named(part) else f"({UNNAMED})"
        path += f"[{part}]" if isinstance(part, int) else ("." if path else "") + shown
    return path


def _reason(error: Any) -> str:
    """pydantic's words, unless they quote the input (fhir-core's own validators may)."""
    message = str(error.get("msg", "is not valid"))
    value = error.get("input")
    if isinstance(value, str | int | float) and str(value) and str(value) in message:
        return "is not valid here"
    return "unknown element" if error.get("type") == "extra_forbidden" else message


def _resource_type(raw: Any) -> type[Resource] | None:
    from fhir.resources.R4B import get_fhir_model_class
    from fhir.resources.R4B.resource import Resource

    name = raw.get("resourceType") if isinstance(raw, dict) else None
    if not isinstance(name, str) or not name.isalpha():
        return None
    try:
        model = get_fhir_model_class(name)
    except (KeyError, ValueError, ImportError, AttributeError):
        return None
    return model if issubclass(model, Resource) else None


def parse_resource(raw: Any, pointer: str, full_url: str | None = None) -> Parsed:
    """One resource; raises FhirInvalid naming pointer (and resource type) and element path."""
    model = _resource_type(raw)
    if model is None:
        raise FhirInvalid([FhirError(f"{pointer}.resourceType", "is not a FHIR R4 resource type")])
    try:
        resource = model.model_validate(raw)
    except ValidationError as exc:
        name = model.get_resource_type()
        raise FhirInvalid(
            [FhirError(f"{pointer}({name}).{_path(tuple(e['loc']))}", _reason(e)) for e in exc.errors()]
        ) from None
    except Exception:  # fhir-core raises plain errors on some malformed shapes
        raise FhirInvalid([FhirError(pointer, "cannot be read as this resource type")]) from None
    return Parsed(resource, pointer, full_url)


def parse_bundle(body: bytes, max_entries: int = MAX_ENTRIES) -> list[Parsed]:
    """Every resource of a Bundle, each parsed by its R4B model; raises FhirInvalid."""
    from fhir.resources.R4B.bundle import Bundle

    try:
        raw = json.loads(body)
    except (ValueError, RecursionError):
        raise FhirInvalid([FhirError("body", "is not valid JSON")]) from None
    if not isinstance(raw, dict) or raw.get("resourceType") != "Bundle":
        raise FhirInvalid([FhirError("resourceType", "must be Bundle")])
    entries = raw.get("entry") or []
    if not isinstance(entries, list):
        raise FhirInvalid([FhirError("entry", "must be a list")])
    if len(entries) > max_entries:
        raise FhirInvalid([FhirError("entry", f"at most {max_entries} entries")])
    envelope = {**raw, "entry": [_without_resource(e) for e in entries]}
    try:
        Bundle.model_validate(envelope)
    except ValidationError as exc:
        errors = [FhirError(f"Bundle.{_path(tuple(e['loc']))}", _reason(e)) for e in exc.errors()]
        raise FhirInvalid(errors) from None
    parsed, errors = [], []
    for index, entry in enumerate(entries):
        if "resource" not in entry:
            continue
        try:
            parsed.append(parse_resource(entry["resource"], f"entry[{index}].resource", entry.get("fullUrl")))
        except FhirInvalid as exc:
            errors += exc.errors
    if errors:
        raise FhirInvalid(errors[:50])
    return parsed


def _without_resource(entry: Any) -> Any:
    return {k: v for k, v in entry.items() if k != "resource"} if isinstance(entry, dict) else entry
