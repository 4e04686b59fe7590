"""A secret of this deployment, made once: it keys the Idempotency-Key fingerprints when no
DECISION_REQUEST_SALT is set, so a stored fingerprint never is a plain SHA-256 of a request.

Revision ID: 0004_deployment_secret
Revises: 0003_lang_and_cards
Create Date: 2026-11-27
"""

import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_deployment_secret"
down_revision: str | None = "0003_lang_and_cards"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    table = op.create_table(
        "deployment_secrets",
        sa.Column("name", sa.String(50), primary_key=True),
        sa.Column("value", sa.String(128), nullable=False),
    )
    op.bulk_insert(table, [{"name": "fingerprint_key", "value": secrets.token_hex(32)}])


def downgrade() -> None:
    op.drop_table("deployment_secrets")
