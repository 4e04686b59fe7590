"""The decision log keeps each decision's tenant, overrides revision and every rule that fired (SQLite and
PostgreSQL); the report filters by tenant and counts per rule how often it fired."""

from __future__ import annotations

import json

from sqlalchemy import select

from service.core.rulebook import RuleBook
from service.decisions.models import Decision
from service.decisions.service import DecisionLog, Filters
from tests.support.bodies import AGREE, STAGES_DIFFER
from tests.support.paths import ROOT, RULES

BOOK = RuleBook.load(RULES, tenants_dir=ROOT / "deploy" / "tenants-example")


def test_each_decision_keeps_its_tenant_overrides_revision_and_every_rule_fired(
    decision_log: DecisionLog,
) -> None:
    local = BOOK.recommend(BOOK.parse(STAGES_DIFFER), "en", "riverside")
    national = BOOK.recommend(BOOK.parse(AGREE), "en")
    decision_log.record(local, b"{}", "river-client")
    decision_log.record(national, b"{}", "plain-client")
    with decision_log.store.session() as session:
        rows = {row.client_id: row for row in session.scalars(select(Decision))}
    river, plain = rows["river-client"], rows["plain-client"]
    assert (river.tenant, river.overrides_revision) == ("riverside", BOOK.overrides["riverside"])
    assert (plain.tenant, plain.overrides_revision) == (None, None)
    assert json.loads(river.rules_fired or "") == local.rules_fired
    # derive rules are kept too, not only the rules that placed a step
    placing = {r.rule for step in local.next_steps for r in step.reasons}
    assert set(local.rules_fired) - placing


def test_the_report_filters_by_tenant_and_counts_how_often_each_rule_fired(decision_log: DecisionLog) -> None:
    differ = BOOK.recommend(BOOK.parse(STAGES_DIFFER), "en", "riverside")
    agree = BOOK.recommend(BOOK.parse(AGREE), "en", "lakeview")
    for _ in range(2):
        decision_log.record(differ, b"{}", "river-client")
    decision_log.record(agree, b"{}", "lake-client")
    codes = list(BOOK.catalog.step_codes)

    river = decision_log.report(Filters(tenant="riverside"), codes)
    assert river.decisions == 2 and river.tenant == "riverside"
    fired = {entry.rule: entry.fired for entry in river.rules}
    assert fired == dict.fromkeys(differ.rules_fired, 2)
    assert {s.code for s in river.steps} == {s.code for s in differ.next_steps}

    everyone = decision_log.report(Filters(), codes)
    assert everyone.decisions == 3
    fired_all = {entry.rule: entry.fired for entry in everyone.rules}
    for rule in set(differ.rules_fired) | set(agree.rules_fired):
        assert fired_all[rule] == 2 * (rule in differ.rules_fired) + (rule in agree.rules_fired)
    # a rule that placed no step still has its line, with how often it fired
    quiet = next(e for e in everyone.rules if e.steps == 0)
    assert quiet.fired > 0 and quiet.decisions == 0

    assert decision_log.report(Filters(tenant="nobody"), codes).decisions == 0
