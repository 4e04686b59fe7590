"""Tenant overrides (service/core/tenants.py): checked at load naming file and entry, applied after the rules
and the ranking without changing either."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from service.core.exceptions import RuleFileError
from service.core.rulebook import RuleBook
from service.core.tenants import read_tenants
from tests.support.bodies import STAGES_DIFFER, opinion
from tests.support.paths import ROOT, RULES

EXAMPLES = ROOT / "deploy" / "tenants-example"
BOOK = RuleBook.load(RULES, tenants_dir=EXAMPLES)
# Three opinions that differ in stage: the rules put a tumor board on the list (riverside hides it).
THREE_DIFFER = {"opinions": [opinion(), opinion(stage="III"), opinion()]}


def codes(answer: Any) -> list[str]:
    return [step.code for step in answer.next_steps]


def test_the_example_tenants_load_each_with_the_sha256_of_its_file() -> None:
    import hashlib

    assert BOOK.overrides == {
        name: hashlib.sha256((EXAMPLES / f"{name}.yaml").read_bytes()).hexdigest()
        for name in ("lakeview", "riverside")
    }
    assert BOOK.revision != BOOK.recommender.ref.sha256  # the overrides are part of the revision
    assert RuleBook.load(RULES).revision == BOOK.recommender.ref.sha256  # without tenants: the rules' own


def test_a_hidden_step_never_appears_and_the_others_keep_their_order_numbered_from_one() -> None:
    request = BOOK.parse(THREE_DIFFER)
    national = BOOK.recommend(request, "en")
    local = BOOK.recommend(request, "en", "riverside")
    assert "tumor_board" in codes(national)
    assert codes(local) == [code for code in codes(national) if code != "tumor_board"]
    assert [step.rank for step in local.next_steps] == list(range(1, len(local.next_steps) + 1))
    # the rules are untouched: the same rules fired, on the same ruleset
    assert local.rules_fired == national.rules_fired and local.ruleset == national.ruleset
    assert local.tenant is not None and local.tenant.id == "riverside"
    assert national.tenant is None and "tenant" not in national.model_dump_json()


def test_local_resources_and_paragraphs_are_the_tenants_only() -> None:
    request = BOOK.parse(STAGES_DIFFER)
    for lang, words in (("en", "nurse navigator"), ("es", "enfermera navegadora")):
        river = {s.code: s for s in BOOK.recommend(request, lang, "riverside").next_steps}
        lake = {s.code: s for s in BOOK.recommend(request, lang, "lakeview").next_steps}
        navigator = river["contact_navigator"]
        assert words in navigator.details.split("\n\n")[-1]  # a paragraph of its own, after the details
        assert navigator.resources[-1].url.startswith("https://riverside.example.org/")
        assert navigator.resources[-1].phones == ["+1 555 010 0100"]
        assert words not in lake["contact_navigator"].details
        assert not any("riverside" in r.url for step in lake.values() for r in step.resources)
        # a national page replaced in place: first, where the national one was
        third = river["third_specialist"].resources
        assert third[0].url.startswith("https://riverside.example.org/")
        national = {s.code: s for s in BOOK.recommend(request, lang).next_steps}["third_specialist"]
        assert len(third) == len(national.resources) and third[1:] == national.resources[1:]
        assert lake["support_groups"].resources[-1].url.startswith("https://lakeview.example.org/")


GOOD_RESOURCE = {
    "title": {"en": "Our page", "es": "Nuestra página"},
    "url": {"en": "https://health.example.org/a", "es": "https://health.example.org/es/a"},
}


def tenant_file(directory: Path, steps: dict[str, Any], name: str = "acme") -> Path:
    directory.mkdir(exist_ok=True)
    (directory / f"{name}.yaml").write_text(yaml.safe_dump({"steps": steps}, allow_unicode=True))
    return directory


BAD = [
    ({"no_such_step": {"hide": True}}, "steps.no_such_step", "not a step code"),
    (
        {"third_specialist": {"replace_resources": {"no_such_page": GOOD_RESOURCE}}},
        "steps.third_specialist.replace_resources.no_such_page",
        "not a resource of the catalog",
    ),
    (
        {"third_specialist": {"replace_resources": {"nci_costs": GOOD_RESOURCE}}},
        "steps.third_specialist.replace_resources.nci_costs",
        "never shows that resource",
    ),
    (
        {"support_groups": {"add_resources": [{**GOOD_RESOURCE, "title": {"en": "Only English"}}]}},
        "steps.support_groups.add_resources.0.title",
        "missing language 'es'",
    ),
    (
        {"support_groups": {"details": {"en": "A", "es": "B", "fr": "C"}}},
        "steps.support_groups.details.fr",
        "not an answer language",
    ),
    (
        {
            "support_groups": {
                "add_resources": [
                    {**GOOD_RESOURCE, "url": {"en": "http://secret.example.org/x", "es": "https://a.b"}}
                ]
            }
        },
        "steps.support_groups.add_resources.0.url.en",
        "https://",
    ),
    (
        {"support_groups": {"add_resources": [{**GOOD_RESOURCE, "phones": ["call 555-SECRET"]}]}},
        "steps.support_groups.add_resources.0.phones.0",
        "phone number",
    ),
    ({"tumor_board": {"hide": True, "details": {"en": "A", "es": "B"}}}, "steps.tumor_board", "hidden step"),
    ({"tumor_board": {"hidden": "secret-value"}}, "steps.tumor_board.hidden", "Extra inputs"),
]


@pytest.mark.parametrize(("steps", "entry", "reason"), BAD, ids=[entry for _, entry, _ in BAD])
def test_a_bad_entry_is_refused_naming_file_and_entry_never_its_value(
    tmp_path: Path, steps: dict[str, Any], entry: str, reason: str
) -> None:
    with pytest.raises(RuleFileError) as refused:
        read_tenants(tenant_file(tmp_path / "tenants", steps), BOOK.catalog)
    assert refused.value.file == "tenants/acme.yaml" and refused.value.entry == entry
    assert reason in refused.value.reason
    assert "secret" not in str(refused.value).replace(entry, "")


def test_a_file_name_that_is_not_a_tenant_id_and_a_file_that_is_not_yaml_are_refused(tmp_path: Path) -> None:
    with pytest.raises(RuleFileError, match=r"tenants/Bad Name\.yaml: the file name must be a tenant id"):
        read_tenants(tenant_file(tmp_path / "tenants", {}, name="Bad Name"), BOOK.catalog)
    broken = tmp_path / "other"
    broken.mkdir()
    (broken / "acme.yaml").write_text("steps: [unclosed: secret\n")
    with pytest.raises(RuleFileError, match=r"other/acme\.yaml: is not valid YAML") as refused:
        read_tenants(broken, BOOK.catalog)
    assert "secret" not in str(refused.value)
    (broken / "acme.yaml").unlink()
    (broken / "acme.yml").write_text("steps: {}\n")
    with pytest.raises(RuleFileError, match=r"other/acme\.yml: a tenant file's name ends in \.yaml"):
        read_tenants(broken, BOOK.catalog)
    with pytest.raises(RuleFileError, match="TENANTS_DIR is not a directory"):
        read_tenants(tmp_path / "missing", BOOK.catalog)


def test_a_rule_added_link_may_be_replaced(tmp_path: Path) -> None:
    """check_coverage's Medicare page is added by a rule, not the catalog: a tenant may still replace it."""
    replace = {"replace_resources": {"medicare_second_opinion": GOOD_RESOURCE}}
    directory = tenant_file(tmp_path / "tenants", {"check_coverage": replace})
    book = RuleBook.load(RULES, tenants_dir=directory)
    try:
        request = book.parse({**STAGES_DIFFER, "coverage": "medicare"})
        national = {s.code: s for s in book.recommend(request, "en").next_steps}["check_coverage"]
        local = {s.code: s for s in book.recommend(request, "en", "acme").next_steps}["check_coverage"]
        assert "https://health.example.org/a" in [r.url for r in local.resources]
        assert len(local.resources) == len(national.resources)
    finally:
        book.close()
