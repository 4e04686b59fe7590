"""Cheaper commits: a decision's next steps go in its own row (`decisions.steps`), not in a row each.

A decision has about ten steps, and each was a row of `decision_steps`: its own heap tuple, an entry in the
primary key and, on PostgreSQL, a foreign-key check against `decisions`, all inside the commit. Measured
against the code before, alternating (docs/benchmarks.md): the PostgreSQL server's CPU per decision fell
from 170-230 us to 100-130 in process (2,000 decisions in groups of six, three pairs), and from 192-247 us
to 130-161 per request under load (`python -m bench.store_bench`, two pairs); a decision's row costs the
request's thread 48-50 us to prepare instead of 54-55.

`decisions.steps` is a JSON list of {"rank", "code", "rules"} in rank order (`steps_json` in
service/decisions/service.py). The list of decisions filters on a step code by searching that text, and
the report counts ranks and rules from it.

`decision_steps` keeps only the steps whose CDS Hooks card uuid was stored (decisions made before revision
0007): feedback still looks those cards up there. The other rows are moved into `decisions.steps` and
deleted. Downgrading puts a row back for each step of the decisions that have none. With 50,000 decisions
made by the code before (2 cores): upgrading took 8.6 s on SQLite and 5.8 s on PostgreSQL, downgrading 11.4
and 10.0 s, and the report and the filtered list read the same before and after.

Revision ID: 0008_steps_in_decision_row
Revises: 0007_derived_cards_not_stored
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_steps_in_decision_row"
down_revision: str | None = "0007_derived_cards_not_stored"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DECISIONS_PER_PASS = 1_000  # well under SQLite's 32,766 bound parameters per statement

decisions = sa.table("decisions", sa.column("id", sa.Uuid()), sa.column("steps", sa.Text()))
steps = sa.table(
    "decision_steps",
    sa.column("decision_id", sa.Uuid()),
    sa.column("rank", sa.Integer()),
    sa.column("code", sa.String(100)),
    sa.column("rule_ids", sa.Text()),
    sa.column("card_uuid", sa.Uuid()),
)


def upgrade() -> None:
    import json

    from service.decisions.service import steps_json  # the form the code reads

    op.add_column("decisions", sa.Column("steps", sa.Text(), nullable=True))
    bind = op.get_bind()
    after = None
    while True:  # in passes over the primary key
        query = sa.select(decisions.c.id).order_by(decisions.c.id).limit(DECISIONS_PER_PASS)
        ids = bind.scalars(query if after is None else query.where(decisions.c.id > after)).all()
        if not ids:
            break
        after = ids[-1]
        kept: dict[object, list[tuple[int, str, tuple[str, ...]]]] = {decision_id: [] for decision_id in ids}
        rows = bind.execute(
            sa.select(steps.c.decision_id, steps.c.rank, steps.c.code, steps.c.rule_ids)
            .where(steps.c.decision_id.in_(ids))
            .order_by(steps.c.decision_id, steps.c.rank)
        ).all()
        for decision_id, rank, code, rule_ids in rows:
            kept[decision_id].append((rank, code, tuple(json.loads(rule_ids))))
        bind.execute(
            decisions.update()
            .where(decisions.c.id == sa.bindparam("decision"))
            .values(steps=sa.bindparam("s")),
            [{"decision": decision_id, "s": steps_json(listed)} for decision_id, listed in kept.items()],
        )
    bind.execute(steps.delete().where(steps.c.card_uuid.is_(None)))


def downgrade() -> None:
    import json

    bind = op.get_bind()
    after = None
    while True:  # in passes over the primary key
        query = sa.select(decisions.c.id, decisions.c.steps).where(
            decisions.c.steps.is_not(None),
            ~sa.exists().where(steps.c.decision_id == decisions.c.id),
        )
        if after is not None:
            query = query.where(decisions.c.id > after)
        found = bind.execute(query.order_by(decisions.c.id).limit(DECISIONS_PER_PASS)).all()
        if not found:
            break
        rows = [
            {
                "decision_id": decision_id,
                "rank": step["rank"],
                "code": step["code"],
                "rule_ids": json.dumps(step["rules"]),
                "card_uuid": None,
            }
            for decision_id, listed in found
            for step in json.loads(listed)
        ]
        if rows:
            bind.execute(steps.insert(), rows)
        after = found[-1][0]
    op.drop_column("decisions", "steps")
