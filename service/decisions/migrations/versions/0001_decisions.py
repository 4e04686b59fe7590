"""Decisions and their ranked next steps.

Revision ID: 0001_decisions
Revises:
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001_decisions"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "decisions",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("client_id", sa.String(200), nullable=False),
        sa.Column("ruleset_version", sa.String(100), nullable=False),
        sa.Column("ruleset_sha256", sa.String(64), nullable=False),
        sa.Column("request_storage", sa.String(10), nullable=False),
        sa.Column("request_json", sa.Text(), nullable=True),
        sa.Column("request_hash", sa.String(64), nullable=True),
        sa.Column("response_json", sa.Text(), nullable=False),
        sa.Column("idempotency_key", sa.String(200), nullable=True),
        sa.Column("request_fingerprint", sa.String(64), nullable=True),
        sa.UniqueConstraint("client_id", "idempotency_key", name="uq_decisions_client_idempotency_key"),
    )
    op.create_index("ix_decisions_created_at_id", "decisions", ["created_at", "id"])
    op.create_index("ix_decisions_ruleset_version", "decisions", ["ruleset_version"])
    op.create_table(
        "decision_steps",
        sa.Column(
            "decision_id",
            sa.Uuid(),
            sa.ForeignKey("decisions.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("rank", sa.Integer(), primary_key=True),
        sa.Column("code", sa.String(100), nullable=False),
        sa.Column("rule_ids", sa.Text(), nullable=False),
    )
    op.create_index("ix_decision_steps_code", "decision_steps", ["code"])


def downgrade() -> None:
    op.drop_index("ix_decision_steps_code", table_name="decision_steps")
    op.drop_table("decision_steps")
    op.drop_index("ix_decisions_ruleset_version", table_name="decisions")
    op.drop_index("ix_decisions_created_at_id", table_name="decisions")
    op.drop_table("decisions")
