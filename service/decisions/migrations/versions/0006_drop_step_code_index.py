"""Cheaper commits: drop the index on `decision_steps.code`, and on PostgreSQL compress answers with lz4.

The step-code index: every decision paid for it, and no query needs it.

Each new step's entry went to the end of its code's range, so a commit wrote one page of this index per
distinct step code in it (a dozen or more): a third of the pages a commit of six decisions wrote on SQLite
(measured in process: 57.6 to 39.6 pages). The queries that filter or group by code start from the
decisions they are asked about and reach their steps through the primary key (`decision_id`, `rank`):
the `code` filter of GET /v1/decisions is a correlated EXISTS on that key, and the report groups the steps
of the matching decisions.

PostgreSQL compresses a stored answer (about 11 KB of JSON) with its default, pglz, inside the commit: that
was half of the server's CPU per decision (about 220 of 430 us, measured in process, groups of six). lz4
compresses about as well for a fraction of the CPU (115 us in all). New answers are compressed with it;
those already stored stay as they are and read the same. A server built without lz4 keeps answers
uncompressed instead (more disk, the same saving in CPU).

Revision ID: 0006_drop_step_code_index
Revises: 0005_tenants_and_rules_fired
Create Date: 2026-11-27
"""

from collections.abc import Sequence

from alembic import op
from sqlalchemy import text

revision: str = "0006_drop_step_code_index"
down_revision: str | None = "0005_tenants_and_rules_fired"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_decision_steps_code", table_name="decision_steps")
    if op.get_bind().dialect.name == "postgresql":
        methods = op.get_bind().scalar(
            text("SELECT enumvals FROM pg_settings WHERE name = 'default_toast_compression'")
        )
        if "lz4" in (methods or []):
            op.execute("ALTER TABLE decisions ALTER COLUMN response_json SET COMPRESSION lz4")
        else:
            op.execute("ALTER TABLE decisions ALTER COLUMN response_json SET STORAGE EXTERNAL")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE decisions ALTER COLUMN response_json SET COMPRESSION DEFAULT")
        op.execute("ALTER TABLE decisions ALTER COLUMN response_json SET STORAGE EXTENDED")
    op.create_index("ix_decision_steps_code", "decision_steps", ["code"])
