"""Feedback on the next steps of a decision (from the API and from CDS Hooks).

Revision ID: 0002_feedback
Revises: 0001_decisions
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_feedback"
down_revision: str | None = "0001_decisions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "feedback",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column(
            "decision_id",
            sa.Uuid(),
            sa.ForeignKey("decisions.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("client_id", sa.String(200), nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("reporter", sa.String(20), nullable=False),
        sa.Column("step_code", sa.String(100), nullable=False),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("reason_code", sa.String(50), nullable=True),
    )
    op.create_index("ix_feedback_decision_id", "feedback", ["decision_id"])


def downgrade() -> None:
    op.drop_index("ix_feedback_decision_id", table_name="feedback")
    op.drop_table("feedback")
