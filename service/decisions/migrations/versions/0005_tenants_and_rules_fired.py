"""Each decision's tenant, the revision of that tenant's overrides, and every rule that fired.

`rules_fired` (a JSON list of rule ids, derive rules included) lets the report count how often each
rule fired, not only the rules that placed a step. Rows made before this revision keep NULL in all three.

Revision ID: 0005_tenants_and_rules_fired
Revises: 0004_deployment_secret
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_tenants_and_rules_fired"
down_revision: str | None = "0004_deployment_secret"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("decisions", sa.Column("tenant", sa.String(100), nullable=True))
    op.add_column("decisions", sa.Column("overrides_revision", sa.String(64), nullable=True))
    op.add_column("decisions", sa.Column("rules_fired", sa.Text(), nullable=True))
    op.create_index("ix_decisions_tenant", "decisions", ["tenant"])


def downgrade() -> None:
    op.drop_index("ix_decisions_tenant", table_name="decisions")
    with op.batch_alter_table("decisions") as batch:  # SQLite drops columns by copying the table
        batch.drop_column("rules_fired")
        batch.drop_column("overrides_revision")
        batch.drop_column("tenant")
