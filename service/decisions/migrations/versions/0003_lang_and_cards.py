"""The language of each answer (GET sends the same Content-Language) and the CDS Hooks card of each step.

Revision ID: 0003_lang_and_cards
Revises: 0002_feedback
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_lang_and_cards"
down_revision: str | None = "0002_feedback"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Every decision recorded before this revision was answered in English, and shown as no card.
    with op.batch_alter_table("decisions") as batch:
        batch.add_column(sa.Column("lang", sa.String(10), nullable=False, server_default="en"))
    with op.batch_alter_table("decision_steps") as batch:
        batch.add_column(sa.Column("card_uuid", sa.Uuid(), nullable=True))
        batch.create_index("ix_decision_steps_card_uuid", ["card_uuid"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("decision_steps") as batch:
        batch.drop_index("ix_decision_steps_card_uuid")
        batch.drop_column("card_uuid")
    with op.batch_alter_table("decisions") as batch:
        batch.drop_column("lang")
