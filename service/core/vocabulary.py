"""The codes a request may use (cancer types, next steps, languages), as the catalog in use defines them.

The request models name these fields with the `CancerType`, `StepCode` and `Language` types below. Which
codes they accept is not fixed at import: it is the `Vocabulary` bound while a request is validated (the app
binds its own for every request; `RuleBook.parse` binds it for a body read any other way). So an app built
from other rules accepts that directory's codes, and a reload or a catalog per health system binds another.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler, TypeAdapter
from pydantic_core import PydanticCustomError, core_schema

from service.core.catalog import Catalog

Kind = Literal["CancerType", "StepCode", "Language"]


class CatalogCode(StrEnum):
    """A code from the catalog in use; each vocabulary makes its own enum of them."""


class _Unbound(StrEnum):
    """Stands for a vocabulary's enum in the request models' core schema; never validates a value."""

    unbound = "unbound"


@dataclass(frozen=True)
class Vocabulary:
    """The enums of one catalog, named as in the OpenAPI document."""

    enums: dict[Kind, type[CatalogCode]]

    @classmethod
    def of(cls, catalog: Catalog) -> Vocabulary:
        codes: dict[Kind, tuple[str, ...]] = {
            "CancerType": tuple(catalog.cancer_types),
            "StepCode": catalog.step_codes,
            "Language": tuple(sorted(catalog.texts)),
        }
        return cls({kind: _enum(kind, values) for kind, values in codes.items()})

    @contextmanager
    def bound(self) -> Iterator[Vocabulary]:
        """Validate request models against this vocabulary within the block (this thread or task only)."""
        token = _in_use.set(self)
        try:
            yield self
        finally:
            _in_use.reset(token)


def _enum(kind: Kind, values: tuple[str, ...]) -> type[CatalogCode]:
    enum: type[CatalogCode] = CatalogCode(kind, {v: v for v in values})  # type: ignore[call-arg, assignment]
    return enum


_in_use: ContextVar[Vocabulary] = ContextVar("vocabulary")


def _expected(values: list[str]) -> str:
    """The list in pydantic's own words for an enum ("'a', 'b' or 'c'")."""
    quoted = [repr(v) for v in values]
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"


@dataclass(frozen=True)
class Coded:
    """Annotation marker: a code of `kind` from the vocabulary bound at validation."""

    kind: Kind

    def enum(self) -> type[CatalogCode]:
        try:
            return _in_use.get().enums[self.kind]
        except LookupError:
            raise RuntimeError("no vocabulary is bound: validate with RuleBook.parse or in an app") from None

    def validate(self, value: Any) -> CatalogCode:
        enum = self.enum()
        if isinstance(value, str) and value in enum._value2member_map_:
            return enum(value)
        expected = _expected([member.value for member in enum])
        raise PydanticCustomError("enum", "Input should be {expected}", {"expected": expected})

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        # Validated by `validate` alone. The inner enum schema (never called) marks the field as an enum
        # for the JSON schema, which then names the bound vocabulary's enum (a component) and no title.
        placeholder = core_schema.enum_schema(
            _Unbound, list(_Unbound), sub_type="str", ref=f"{self.kind}:unbound"
        )
        return core_schema.no_info_wrap_validator_function(
            lambda value, _inner: self.validate(value),
            placeholder,
            serialization=core_schema.to_string_ser_schema(),
        )

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> dict[str, Any]:
        """The bound vocabulary's enum, as a schema of its own (an OpenAPI component, by name)."""
        generator = handler.generate_json_schema  # type: ignore[attr-defined]
        named: dict[str, Any] = generator.generate_inner(TypeAdapter(self.enum()).core_schema)
        return named


CancerType = Annotated[CatalogCode, Coded("CancerType")]
StepCode = Annotated[CatalogCode, Coded("StepCode")]
Language = Annotated[CatalogCode, Coded("Language")]
