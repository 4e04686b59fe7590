"""The tables of the decision log, made by the migrations in service/decisions/migrations/versions."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint, Uuid, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Decision(Base):
    """One evaluation of POST /v1/recommendations, committed before its answer is sent."""

    __tablename__ = "decisions"
    __table_args__ = (
        UniqueConstraint("client_id", "idempotency_key", name="uq_decisions_client_idempotency_key"),
        Index("ix_decisions_created_at_id", "created_at", "id"),
        Index("ix_decisions_ruleset_version", "ruleset_version"),
        Index("ix_decisions_tenant", "tenant"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Who asked: the authenticated client's id; DECISION_DEFAULT_CLIENT ("anonymous") with auth off.
    client_id: Mapped[str] = mapped_column(String(200))
    ruleset_version: Mapped[str] = mapped_column(String(100))
    ruleset_sha256: Mapped[str] = mapped_column(String(64))
    # What was kept of the request: "full" (request_json), "hashed" (request_hash) or "none".
    request_storage: Mapped[str] = mapped_column(String(10))
    request_json: Mapped[str | None] = mapped_column(Text)
    request_hash: Mapped[str | None] = mapped_column(String(64))
    # The exact bytes of the first answer and its Content-Language, so GET returns what was first returned.
    response_json: Mapped[str] = mapped_column(Text)
    lang: Mapped[str] = mapped_column(String(10), server_default="en")  # revision 0003
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    # Keyed hash of the body sent with an Idempotency-Key, to tell a retry from a different request.
    request_fingerprint: Mapped[str | None] = mapped_column(String(64))
    # Revision 0005: the caller's tenant and its overrides revision (sha256 of its file), and every rule
    # that fired (JSON list of rule ids); NULL for decisions made before it.
    tenant: Mapped[str | None] = mapped_column(String(100))
    overrides_revision: Mapped[str | None] = mapped_column(String(64))
    rules_fired: Mapped[str | None] = mapped_column(Text)
    # Revision 0008: the next steps, in rank order (service/decisions/service.py `steps_json`): a JSON list
    # of {"rank", "code", "rules"}. Written with every decision; the migration filled in the older ones.
    steps: Mapped[str | None] = mapped_column(Text)


# The card index's rows (revision 0007): the stored card uuids only.
STORED_CARDS = text("card_uuid IS NOT NULL")


class DecisionStep(Base):
    """A next step of a decision whose CDS Hooks card uuid was stored (decisions made before revision 0007):
    feedback finds such a card here. Since revision 0008 a decision's steps are kept in `decisions.steps`,
    and this table holds only these older rows."""

    __tablename__ = "decision_steps"
    # No index on `code` (revision 0006): queries reach a decision's steps through the primary key. The
    # card index holds only stored card uuids (revision 0007).
    __table_args__ = (
        Index(
            "ix_decision_steps_card_uuid",
            "card_uuid",
            unique=True,
            sqlite_where=STORED_CARDS,
            postgresql_where=STORED_CARDS,
        ),
    )

    decision_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("decisions.id", ondelete="CASCADE"), primary_key=True
    )
    rank: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(100))
    rule_ids: Mapped[str] = mapped_column(Text)  # JSON list of rule ids
    # The uuid of the CDS Hooks card that showed this step, kept for the steps of decisions recorded before
    # revision 0007 (from 0003 on); NULL since, as the card is derived from the decision id and the code.
    card_uuid: Mapped[uuid.UUID | None] = mapped_column(Uuid)


class StepFeedback(Base):
    """A patient or clinician says what they did with a next step of a decision."""

    __tablename__ = "feedback"
    __table_args__ = (Index("ix_feedback_decision_id", "decision_id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    decision_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("decisions.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    client_id: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(20))  # "api" or "cds_hooks"
    reporter: Mapped[str] = mapped_column(String(20))  # "patient" or "clinician"
    step_code: Mapped[str] = mapped_column(String(100))
    outcome: Mapped[str] = mapped_column(String(20))  # "done", "helpful", "not_helpful"
    reason_code: Mapped[str | None] = mapped_column(String(50))


class DeploymentSecret(Base):
    """Secrets made once per deployment by a migration (0004: `fingerprint_key`), shared by every process."""

    __tablename__ = "deployment_secrets"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    value: Mapped[str] = mapped_column(String(128))
