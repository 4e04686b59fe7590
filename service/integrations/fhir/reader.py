"""FHIR in, a comparison out: parse, collect each clinician's evidence, derive opinions, fit the contract."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from service.core.catalog import Catalog
from service.core.fhir_report import DerivedOpinionEntry, FhirReport, IgnoredResource, UsedResource
from service.core.models import RecommendationRequest
from service.core.rulebook import RuleBook
from service.integrations.fhir import bundle, contract, evidence, opinions
from service.integrations.fhir.bundle import FhirError, FhirInvalid, Parsed
from service.integrations.fhir.mapping import FhirMapping, load_mapping
from service.integrations.fhir.references import Index


class TooFewOpinions(FhirInvalid):
    """The FHIR is valid but does not hold two complete opinions (422, with the report)."""

    def __init__(self, errors: list[FhirError], report: FhirReport) -> None:
        super().__init__(errors)
        self.report = report


@dataclass(frozen=True)
class Comparison:
    request: RecommendationRequest
    report: FhirReport


@dataclass(frozen=True)
class FhirReader:
    mapping: FhirMapping
    max_entries: int = bundle.MAX_ENTRIES

    @classmethod
    def load(cls, rules_dir: Path, catalog: Catalog, max_entries: int = bundle.MAX_ENTRIES) -> FhirReader:
        return cls(load_mapping(rules_dir, catalog), max_entries)

    def read_bundle(self, body: bytes, rules: RuleBook) -> Comparison:
        return self.compare(bundle.parse_bundle(body, self.max_entries), rules)

    def compare(self, resources: list[Parsed], rules: RuleBook, patient_id: str | None = None) -> Comparison:
        """Raises FhirInvalid (bad FHIR) or TooFewOpinions. The contract is checked against the codes of
        `rules` (its vocabulary), so what the rule book does not name stays unknown."""
        with rules.vocabulary.bound():
            return self._compare(resources, patient_id)

    def _compare(self, resources: list[Parsed], patient_id: str | None) -> Comparison:
        found = evidence.collect(self.mapping, resources, patient_id)
        derived = opinions.derive(found, evidence.specialties(Index(resources), self.mapping))
        entries, complete = [], []
        for item in derived:
            fitted = contract.opinion(item)
            if isinstance(fitted, contract.Incomplete):
                entries.append(
                    DerivedOpinionEntry(
                        clinician=item.clinician,
                        status="incomplete",
                        missing=list(fitted.missing),
                        resources=list(item.resources),
                    )
                )
            else:
                complete.append(fitted)
                entries.append(
                    DerivedOpinionEntry(
                        clinician=item.clinician,
                        status="compared",
                        opinion=fitted,
                        resources=list(item.resources),
                    )
                )
        report = FhirReport(
            opinions=entries,
            used=[UsedResource(resource=r, used_as=role) for r, role in found.used],
            ignored=[IgnoredResource(resource=r, reason=reason) for r, reason in found.ignored],
        )
        try:
            return Comparison(contract.request(complete), report)
        except ValidationError:
            reason = f"{len(complete)} complete opinion(s) found; 2 to 10 are needed"
            errors = [FhirError("Bundle", reason)] + [
                FhirError(f"opinions[{n}]", "lacks " + ", ".join(entry.missing))
                for n, entry in enumerate(entries)
                if entry.status == "incomplete"
            ]
            raise TooFewOpinions(errors, report) from None
