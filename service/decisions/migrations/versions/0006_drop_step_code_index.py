"""Drop the index on `decision_steps.code`: every decision paid for it, and no query needs it.

Each new step's entry went to the end of its code's range, so a commit wrote one page of this index per
distinct step code in it (a dozen or more): a third of the pages a commit of six decisions wrote on SQLite
(measured in process: 57.6 to 39.6 pages). The queries that filter or group by code start from the
decisions they are asked about and reach their steps through the primary key (`decision_id`, `rank`):
the `code` filter of GET /v1/decisions is a correlated EXISTS on that key, and the report groups the steps
of the matching decisions.

Revision ID: 0006_drop_step_code_index
Revises: 0005_tenants_and_rules_fired
Create Date: 2026-11-27
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006_drop_step_code_index"
down_revision: str | None = "0005_tenants_and_rules_fired"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_decision_steps_code", table_name="decision_steps")


def downgrade() -> None:
    op.create_index("ix_decision_steps_code", "decision_steps", ["code"])
