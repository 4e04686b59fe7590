"""Cheaper commits: a new decision's card uuids are derived when needed, not stored with its steps.

Since decision ids are time-ordered (version 7), a step's card uuid is derived from the decision id and the
step code (`card_uuid` in service/decisions/service.py), and it starts with the decision's own 48 bits of
time. CDS Hooks feedback can so find the decision of a card without a stored copy: it reads the steps of
the decisions made in that millisecond (a range of the primary key) and derives their cards again.

Storing each card cost every decision a uuid per step, made on the event loop, and an entry per step in a
unique index, written by the commit: measured in process on SQLite (groups of ten, three pairs), 29-65 us
less on the request's thread and 4-31 us less in the writer per decision without them.

New steps keep `card_uuid` NULL. Cards already issued keep their stored uuid, which feedback still looks
up first (decisions with a random id have cards that cannot be found by time). The unique index becomes a
partial one, over the stored uuids only, so a NULL adds no index entry.

Downgrading stores the derived uuid of every step that has none first, since the code before this
revision finds cards only by their stored uuid.

Revision ID: 0007_derived_cards_not_stored
Revises: 0006_drop_step_code_index
Create Date: 2026-11-28
"""

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_derived_cards_not_stored"
down_revision: str | None = "0006_drop_step_code_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_decision_steps_card_uuid"
STORED = sa.text("card_uuid IS NOT NULL")
ROWS_PER_PASS = 5_000

steps = sa.table(
    "decision_steps",
    sa.column("decision_id", sa.Uuid()),
    sa.column("rank", sa.Integer()),
    sa.column("code", sa.String(100)),
    sa.column("card_uuid", sa.Uuid()),
)


def upgrade() -> None:
    op.drop_index(INDEX, table_name="decision_steps")
    op.create_index(
        INDEX, "decision_steps", ["card_uuid"], unique=True, sqlite_where=STORED, postgresql_where=STORED
    )


def downgrade() -> None:
    from service.decisions.service import card_uuid  # the derivation the cards were issued with

    bind = op.get_bind()
    while True:
        missing = bind.execute(
            sa.select(steps.c.decision_id, steps.c.rank, steps.c.code)
            .where(steps.c.card_uuid.is_(None))
            .limit(ROWS_PER_PASS)
        ).all()
        if not missing:
            break
        bind.execute(
            steps.update()
            .where(steps.c.decision_id == sa.bindparam("id"), steps.c.rank == sa.bindparam("at"))
            .values(card_uuid=sa.bindparam("card")),
            [
                {"id": decision_id, "at": rank, "card": card_uuid(uuid.UUID(str(decision_id)), code)}
                for decision_id, rank, code in missing
            ],
        )
    op.drop_index(INDEX, table_name="decision_steps")
    op.create_index(INDEX, "decision_steps", ["card_uuid"], unique=True)
