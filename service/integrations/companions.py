"""What the app reads from the rules directory beside the rules: the FHIR tables, the clinicians' card words
and the handout words. They load with every rule book (at start-up and on each reload), are checked with it,
and a request reads them from the rule book it leased, so they always match the rules that answered."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from service.core.rulebook import RuleBook
from service.handout.labels import Labels, load_labels
from service.integrations.fhir.reader import FhirReader
from service.integrations.patient_view import ClinicianVoice


@dataclass(frozen=True)
class Companions:
    fhir: FhirReader
    voice: ClinicianVoice
    handout_labels: dict[str, Labels]

    @classmethod
    def loader(cls, rules_dir: Path, max_fhir_entries: int) -> Callable[[RuleBook], Companions]:
        """What LiveRules calls on each load; raises RuleFileError naming the file and entry."""

        def load(book: RuleBook) -> Companions:
            catalog = book.catalog
            return cls(
                fhir=FhirReader.load(rules_dir, catalog, max_fhir_entries),
                voice=ClinicianVoice.load(rules_dir, catalog),
                handout_labels=load_labels(rules_dir, set(catalog.texts)),
            )

        return load

    @staticmethod
    def of(book: RuleBook) -> Companions:
        """The companions loaded with `book` (an app always loads them)."""
        if not isinstance(book.companions, Companions):
            raise TypeError("this rule book was loaded without the app's companions")
        return book.companions
