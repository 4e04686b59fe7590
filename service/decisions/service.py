"""The decision log: record, fetch, list, report, feedback and purge.

A decision is committed before its answer is returned, and the answer is returned from the stored bytes, so
what a client was shown and what an auditor reads are the same document. Decisions are written by the
process's group committer (service/decisions/group_commit.py): `record_async` awaits it on the event loop,
`record` and `record_many` block a thread on it. The reading and feedback methods are synchronous; routes
call them in a thread.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import NamedTuple, TypeVarTuple, cast

from sqlalchemy import ColumnElement, Connection, Select, and_, delete, or_, select
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session, defer
from starlette.concurrency import run_in_threadpool

from service.config import Settings
from service.core.catalog import DEFAULT_LANG
from service.core.models import RecommendationResponse, RulesetRef
from service.decisions.bulk_insert import BulkInsert, PreparedRow
from service.decisions.exceptions import (
    BadCursor,
    DecisionNotFound,
    IdempotencyConflict,
    StepNotInDecision,
)
from service.decisions.group_commit import CommitGate, GroupCommitter
from service.decisions.ids import new_decision_id
from service.decisions.models import Decision, DecisionStep, DeploymentSecret, StepFeedback
from service.decisions.schemas import (
    OUTCOMES,
    DecisionEntry,
    DecisionPage,
    DecisionReport,
    DecisionStepEntry,
    FeedbackCounts,
    FeedbackOutcome,
    FeedbackRecorded,
    FeedbackRequest,
    RankCount,
    ReasonCode,
    RequestStorage,
    RuleReport,
    StepReport,
)
from service.decisions.store import Store, StoreUnavailable, database_url, unavailable


@functools.lru_cache(maxsize=4096)
def rule_ids_json(rules: tuple[str, ...]) -> str:
    """Rule ids as stored (a JSON list: a step's rules, a decision's rules fired); the same few lists
    recur, so each is encoded once."""
    return json.dumps(list(rules))


def decision_row(
    decision_id: uuid.UUID,
    response: RecommendationResponse,
    answer_json: str,
    columns: dict[str, object],
) -> dict[str, object]:
    """What is stored of one answer: its `decisions` row, by column name, its next steps in `steps`.
    `columns` are the decision's columns that come from the request (who, how it was kept). A new column
    is a new key here (and in the migration and models.py)."""
    tenant = response.tenant
    return {
        "id": decision_id,
        "ruleset_version": response.ruleset.version,
        "ruleset_sha256": response.ruleset.sha256,
        "response_json": answer_json,
        # revision 0005: the tenant's view shown, and every rule that fired (derive rules too)
        "tenant": tenant.id if tenant is not None else None,
        "overrides_revision": tenant.overrides_sha256 if tenant is not None else None,
        "rules_fired": rule_ids_json(tuple(response.rules_fired)),
        # revision 0008: the steps in the decision's own row, not a row each
        "steps": steps_json(
            (step.rank, step.code, tuple(reason.rule for reason in step.reasons))
            for step in response.next_steps
        ),
        **columns,
    }


class StoredStep(NamedTuple):
    """A next step of a decision as kept in `decisions.steps`: its rank, code and the rules that placed or
    moved it."""

    rank: int
    code: str
    rules: list[str]


@functools.lru_cache(maxsize=256)
def _code_json(code: str) -> str:
    return json.dumps(code)


def steps_json(steps: Iterable[tuple[int, str, tuple[str, ...]]]) -> str:
    """A decision's steps (rank, code, rule ids), in rank order, as `decisions.steps` keeps them: a JSON list
    of {"rank", "code", "rules"} objects with no spaces, so `"code":"<code>","rules":` is found in the text
    only where a step has that code (`step_code_pattern`). Built from cached pieces: each decision pays for
    its steps here, on the request's thread."""
    return (
        "["
        + ",".join(
            f'{{"rank":{rank},"code":{_code_json(code)},"rules":{rule_ids_json(rules)}}}'
            for rank, code, rules in steps
        )
        + "]"
    )


def read_steps(stored: str | None) -> list[StoredStep]:
    """`decisions.steps` read back (NULL only on a row written by hand: no steps)."""
    return [StoredStep(s["rank"], s["code"], s["rules"]) for s in json.loads(stored or "[]")]


def step_code_pattern(code: str) -> str:
    """The text that `decisions.steps` holds exactly when one of the decision's steps has this code: a
    code is followed by its rules there, and a rule id never by a colon."""
    return f'"code":{_code_json(code)},"rules":'


def recorded_json(response: RecommendationResponse, decision_id: uuid.UUID) -> str:
    """The answer as RecordedRecommendation serialises it (decision_id last), without building that model
    again: the response's JSON with the id appended (tests/decisions check that the two agree)."""
    return f'{response.model_dump_json()[:-1]},"decision_id":"{decision_id}"}}'


class Answer(NamedTuple):
    """A recorded answer: its exact bytes and the language of its text (Content-Language); no decision_id
    when nothing is recorded (service/decisions/null_log.py)."""

    body: bytes
    lang: str
    decision_id: uuid.UUID | None


class ReplayedAnswer(Answer):
    """An answer first given to an earlier request with the same Idempotency-Key (equal to it as a tuple)."""

    __slots__ = ()


def with_fired(rules: list[RuleReport], fired: dict[str, int]) -> list[RuleReport]:
    """The per-rule report with how often each rule fired, and the rules that fired without placing or
    moving a step (derive rules, for one), most often fired first among those."""
    reported = {entry.rule for entry in rules}
    quiet = sorted((rule for rule in fired if rule not in reported), key=lambda r: (-fired[r], r))
    return [
        *(entry.model_copy(update={"fired": fired.get(entry.rule, 0)}) for entry in rules),
        *(
            RuleReport(rule=rule, fired=fired[rule], decisions=0, steps=0, feedback=FeedbackCounts())
            for rule in quiet
        ),
    ]


def card_uuid(decision_id: uuid.UUID, code: str) -> uuid.UUID:
    """The uuid of the CDS Hooks card showing step `code` of a decision: derived, so no lookup is needed.

    A version-8 uuid (RFC 9562). For a decision with a time-ordered id (version 7, service/decisions/ids.py):
    the decision's 48 bits of time, 12 bits of a hash of the decision id, then 62 bits of a hash of the id
    and the code. New cards so land at the end of the unique card index, side by side with their decision's
    other cards: one index page to write per commit, not one per decision. The card tells when the decision
    was made (as the decision id does), not the decision id. Decisions with a random id (version 4, made
    before) keep the derivation their cards were issued with: 60 bits of a hash of the id, then the 62.

    Since revision 0007 a card is not stored: feedback finds it by its time (`_cards_by_time`). The steps of
    decisions recorded before keep their card's uuid (`decision_steps.card_uuid`), and feedback looks that
    up first: it is the only way to the cards of random ids, and of cards issued before any derivation."""
    return card_uuids(decision_id, (code,))[0]


def card_uuids(decision_id: uuid.UUID, codes: Sequence[str]) -> list[uuid.UUID]:
    """`card_uuid` for each of a decision's step codes, the shared part hashed once."""
    shared_hash = hashlib.sha1(decision_id.bytes, usedforsecurity=False).digest()
    if decision_id.version == 7:
        shared = (decision_id.int >> 80 << 16) | int.from_bytes(shared_hash[:2])
    else:
        shared = int.from_bytes(shared_hash[:8])
    cards = []
    for code in codes:
        own = hashlib.sha1(decision_id.bytes + code.encode(), usedforsecurity=False).digest()[:8]
        value = shared << 64 | int.from_bytes(own)
        value = (value & ~(0xF000 << 64)) | (0x8000 << 64)  # version 8
        value = (value & ~(0xC000 << 48)) | (0x8000 << 48)  # the RFC 9562 variant
        cards.append(uuid.UUID(int=value))
    return cards


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def canonical_json(body: bytes) -> str:
    """The same JSON document always gives the same text, whatever its spacing or key order."""
    return json.dumps(json.loads(body), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


@dataclass(frozen=True)
class Filters:
    since: datetime | None = None
    until: datetime | None = None
    code: str | None = None
    ruleset_version: str | None = None
    client_id: str | None = None  # only this client's decisions (None: every client's)
    tenant: str | None = None  # only decisions made for this tenant's clients

    def where(self) -> list[ColumnElement[bool]]:
        clauses: list[ColumnElement[bool]] = []
        if self.tenant is not None:
            clauses.append(Decision.tenant == self.tenant)
        if self.client_id is not None:
            clauses.append(Decision.client_id == self.client_id)
        if self.since is not None:
            clauses.append(Decision.created_at >= as_utc(self.since))
        if self.until is not None:
            clauses.append(Decision.created_at < as_utc(self.until))
        if self.ruleset_version is not None:
            clauses.append(Decision.ruleset_version == self.ruleset_version)
        if self.code is not None:
            clauses.append(Decision.steps.contains(step_code_pattern(self.code), autoescape=True))
        return clauses


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
LAST = datetime(9999, 12, 31, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)
CURSOR_PATTERN = "^[0-9a-f]{48}$"


def encode_cursor(created_at: datetime, decision_id: uuid.UUID) -> str:
    """The last row of a page as 48 hex digits: microseconds since 1970 (16), then the id (32)."""
    micros = max(0, (as_utc(created_at) - EPOCH) // MICROSECOND)
    return f"{micros:016x}{decision_id.hex}"


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    """Any 48 hex digits are a position in the keyset order (times past year 9999 mean "the end")."""
    try:
        micros = int(cursor[:16], 16)
        decision_id = uuid.UUID(hex=cursor[16:])
    except ValueError as exc:
        raise BadCursor from exc
    if len(cursor) != 48:
        raise BadCursor
    at = EPOCH + MICROSECOND * micros if micros < (LAST - EPOCH) // MICROSECOND else LAST
    return at, decision_id


# The same feedback again from the same client within this time is the first one, answered again.
SAME_FEEDBACK_WINDOW = timedelta(minutes=10)


class ExistingFeedback(FeedbackRecorded):
    """Feedback that was already recorded (within SAME_FEEDBACK_WINDOW): answered 200, not kept twice."""


def _recorded(row: StepFeedback, feedback: FeedbackRequest) -> FeedbackRecorded:
    return FeedbackRecorded(
        id=row.id,
        decision_id=row.decision_id,
        created_at=as_utc(row.created_at),
        source=row.source,  # type: ignore[arg-type]
        reporter=feedback.reporter,
        step_code=row.step_code,
        outcome=feedback.outcome,
        reason_code=feedback.reason_code,
    )


class DecisionLog:
    """The decision log of one process, over one Store."""

    def __init__(
        self,
        store: Store,
        request_storage: RequestStorage = "none",
        salt: bytes | None = None,
        default_client: str = "anonymous",
    ) -> None:
        if request_storage == "hashed" and not salt:
            raise ValueError("a salt is required when the request is stored hashed")
        self.store = store
        self.request_storage = request_storage
        self.salt = salt
        self.default_client = default_client
        self._fingerprint_key: bytes | None = None
        dialect = store.engine.dialect
        self._decisions = BulkInsert(Decision.metadata.tables[Decision.__tablename__], dialect)
        self._writer: GroupCommitter[list[PreparedRow]] = GroupCommitter(store, self._write, "decisions")

    @classmethod
    def from_settings(cls, settings: Settings) -> DecisionLog:
        salt = settings.decision_request_salt
        return cls(
            Store(database_url(settings)),
            settings.decision_request_storage,
            salt.get_secret_value().encode() if salt else None,
            settings.decision_default_client,
        )

    # -- hashing -------------------------------------------------------------------------------------------

    def _keyed_sha256(self, text: str) -> str:
        """HMAC-SHA-256 with the configured salt, else with this deployment's own secret (made once by
        migration 0004 and kept in the store): never a plain SHA-256 that a guess could be checked against."""
        key = self.salt or self._deployment_key()
        return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()

    def _deployment_key(self) -> bytes:
        """Read once per process, on a connection of its own: a read needs no writer's turn."""
        if self._fingerprint_key is None:
            query = select(DeploymentSecret.value).where(DeploymentSecret.name == "fingerprint_key")
            try:
                with self.store.engine.connect() as connection:
                    value = connection.execute(query).scalar_one_or_none()
            except DBAPIError as exc:
                raise unavailable(exc) from exc
            if value is None:  # a store not migrated by this service: refuse rather than fall back
                raise StoreUnavailable("no deployment secret")
            self._fingerprint_key = value.encode()
        return self._fingerprint_key

    # -- recording -----------------------------------------------------------------------------------------

    def replay(self, client_id: str, idempotency_key: str, body: bytes) -> Answer | None:
        """The stored answer for a retry with this key, None for a new key; IdempotencyConflict otherwise."""
        fingerprint = self._keyed_sha256(canonical_json(body))
        with self.store.session() as session:
            found = session.execute(
                select(
                    Decision.id, Decision.response_json, Decision.lang, Decision.request_fingerprint
                ).where(Decision.client_id == client_id, Decision.idempotency_key == idempotency_key)
            ).one_or_none()
        if found is None:
            return None
        if found.request_fingerprint != fingerprint:
            raise IdempotencyConflict
        return ReplayedAnswer(str(found.response_json).encode(), str(found.lang), found.id)

    def record(
        self,
        response: RecommendationResponse,
        body: bytes,
        client_id: str | None = None,
        idempotency_key: str | None = None,
        lang: str = DEFAULT_LANG,
        now: datetime | None = None,
        gate: CommitGate | None = None,
    ) -> Answer:
        """Commit a decision and return the exact bytes to answer with (a retry's first answer on a race).

        Blocks until the group it joined has committed; `record_async` is the same for the event loop."""
        client = client_id or self.default_client
        row, answer = self._decision(response, body, client, idempotency_key, lang, now)
        try:
            self._writer.submit([row], gate).result()
        except IntegrityError:
            return self._first_answer(client, idempotency_key, body)
        return answer

    async def record_async(
        self,
        response: RecommendationResponse,
        body: bytes,
        client_id: str | None = None,
        idempotency_key: str | None = None,
        lang: str = DEFAULT_LANG,
        gate: CommitGate | None = None,
    ) -> Answer:
        """`record` without a thread: awaits the group commit. Answer only once this returns."""
        client = client_id or self.default_client
        row, answer = self._decision(response, body, client, idempotency_key, lang, None)
        try:
            await self._writer.commit([row], gate)
        except IntegrityError:
            return await run_in_threadpool(self._first_answer, client, idempotency_key, body)
        return answer

    def _first_answer(self, client: str, idempotency_key: str | None, body: bytes) -> Answer:
        """After a unique-key error: the answer of a concurrent retry that was recorded first."""
        replayed = self.replay(client, idempotency_key, body) if idempotency_key is not None else None
        if replayed is None:
            raise StoreUnavailable("IntegrityError")
        return replayed

    def record_many(
        self,
        answers: Sequence[tuple[RecommendationResponse, bytes, str]],
        client_id: str | None = None,
        gate: CommitGate | None = None,
    ) -> list[Answer]:
        """Commit several decisions (a batch's answered items: response, body, lang) in one transaction;
        blocks until committed (from a worker thread: the batch runs in one)."""
        client = client_id or self.default_client
        built = [self._decision(response, body, client, None, lang, None) for response, body, lang in answers]
        self._writer.submit([row for row, _ in built], gate).result()
        return [answer for _, answer in built]

    def close(self) -> None:
        """Commit what is waiting, stop the writer, close the store's connections."""
        self._writer.close()
        self.store.close()

    def _write(self, connection: Connection, parts: Sequence[list[PreparedRow]]) -> None:
        """The writer's work for one group: every decision's row, in one statement."""
        self._decisions.execute(connection, [row for part in parts for row in part])

    def _decision(
        self,
        response: RecommendationResponse,
        body: bytes,
        client: str,
        idempotency_key: str | None,
        lang: str,
        now: datetime | None,
    ) -> tuple[PreparedRow, Answer]:
        """The row that records one answer, and the answer with its decision_id."""
        decision_id = new_decision_id()
        answer_json = recorded_json(response, decision_id)
        # The canonical request is needed only to keep it, hash it, or tell a retry from another request.
        keep = self.request_storage != "none" or idempotency_key is not None
        canonical = canonical_json(body) if keep else ""
        decision = decision_row(
            decision_id,
            response,
            answer_json,
            {
                "created_at": as_utc(now or utcnow()),
                "client_id": client,
                "request_storage": self.request_storage,
                "request_json": canonical if self.request_storage == "full" else None,
                "request_hash": self._keyed_sha256(canonical) if self.request_storage == "hashed" else None,
                "lang": lang,
                "idempotency_key": idempotency_key,
                "request_fingerprint": self._keyed_sha256(canonical) if idempotency_key else None,
            },
        )
        return self._decisions.prepare(decision), Answer(answer_json.encode(), lang, decision_id)

    # -- reading -------------------------------------------------------------------------------------------

    def get(self, decision_id: uuid.UUID, owner: str | None = None) -> Answer:
        """The answer as first returned; with owner, only that client's decision (others: not found)."""
        return self.get_dated(decision_id, owner)[0]

    def get_dated(self, decision_id: uuid.UUID, owner: str | None = None) -> tuple[Answer, datetime]:
        """The answer as first returned, and when it was given (the handout prints that date)."""
        query = select(Decision.response_json, Decision.lang, Decision.created_at).where(
            Decision.id == decision_id
        )
        if owner is not None:
            query = query.where(Decision.client_id == owner)
        with self.store.session() as session:
            found = session.execute(query).one_or_none()
        if found is None:
            raise DecisionNotFound
        answer = Answer(str(found.response_json).encode(), str(found.lang), decision_id)
        return answer, as_utc(found.created_at)

    def page(self, filters: Filters, limit: int = 50, cursor: str | None = None) -> DecisionPage:
        """Newest first, keyset-paginated on (created_at, id): stable while decisions are added."""
        # Not the answers (12 KB each): the list shows none of them.
        query: Select[Decision] = (
            select(Decision)
            .options(defer(Decision.response_json), defer(Decision.rules_fired))
            .where(*filters.where())
        )
        if cursor is not None:
            at, last_id = decode_cursor(cursor)
            query = query.where(
                or_(Decision.created_at < at, and_(Decision.created_at == at, Decision.id < last_id))
            )
        query = query.order_by(Decision.created_at.desc(), Decision.id.desc()).limit(limit + 1)
        with self.store.session() as session:
            decisions = list(session.scalars(query))
        page = decisions[:limit]
        next_cursor = encode_cursor(page[-1].created_at, page[-1].id) if len(decisions) > limit else None
        return DecisionPage(
            decisions=[
                DecisionEntry(
                    id=d.id,
                    created_at=as_utc(d.created_at),
                    client_id=d.client_id,
                    ruleset=RulesetRef(version=d.ruleset_version, sha256=d.ruleset_sha256),
                    next_steps=[
                        DecisionStepEntry(rank=step.rank, code=step.code, rules=step.rules)
                        for step in read_steps(d.steps)
                    ],
                    request_storage=cast(RequestStorage, d.request_storage),
                    request_sha256=d.request_hash,
                    request=json.loads(d.request_json) if d.request_json else None,
                    tenant=d.tenant,
                    overrides_revision=d.overrides_revision,
                )
                for d in page
            ],
            next_cursor=next_cursor,
        )

    def report(self, filters: Filters, step_codes: list[str]) -> DecisionReport:
        """How often each step was recommended, at which rank, and what people said about it."""
        where = filters.where()
        with self.store.session() as session:
            decisions = session.execute(
                select(Decision.id, Decision.steps, Decision.rules_fired).where(*where)
            ).all()
            rated = session.execute(
                select(StepFeedback.decision_id, StepFeedback.step_code, StepFeedback.outcome)
                .join(Decision, Decision.id == StepFeedback.decision_id)
                .where(*where)
            ).all()
        placed = [(decision_id, step) for decision_id, steps, _ in decisions for step in read_steps(steps)]
        ranks = Counter((step.code, step.rank) for _, step in placed)
        by_rank: dict[str, list[RankCount]] = {}
        for (code, rank), count in sorted(ranks.items()):
            by_rank.setdefault(code, []).append(RankCount(rank=rank, count=count))
        feedback: dict[str, FeedbackCounts] = {}
        for (code, outcome), count in Counter((code, outcome) for _, code, outcome in rated).items():
            if outcome in OUTCOMES:
                setattr(feedback.setdefault(code, FeedbackCounts()), outcome, count)
        rules = with_fired(_rule_report(placed, rated), _fired_counts(fired for _, _, fired in decisions))
        known = [c for c in step_codes if c in by_rank or c in feedback]
        known += sorted((set(by_rank) | set(feedback)) - set(step_codes))
        return DecisionReport(
            decisions=len(decisions),
            since=filters.since,
            until=filters.until,
            ruleset_version=filters.ruleset_version,
            tenant=filters.tenant,
            steps=[
                StepReport(
                    code=code,
                    recommended=sum(r.count for r in by_rank.get(code, [])),
                    ranks=by_rank.get(code, []),
                    feedback=feedback.get(code, FeedbackCounts()),
                )
                for code in known
            ],
            rules=rules,
        )

    # -- feedback ------------------------------------------------------------------------------------------

    def add_feedback(
        self,
        decision_id: uuid.UUID,
        feedback: FeedbackRequest,
        client_id: str | None = None,
        source: str = "api",
        now: datetime | None = None,
        owner: str | None = None,
    ) -> FeedbackRecorded:
        """Keep what a patient or clinician did with a step of a decision (with owner: only its own)."""
        with self.store.session() as session:
            decision = session.get(Decision, decision_id)
            if decision is None or (owner is not None and decision.client_id != owner):
                raise DecisionNotFound
            if str(feedback.step_code) not in {step.code for step in read_steps(decision.steps)}:
                raise StepNotInDecision
            at = as_utc(now or utcnow())
            reason = feedback.reason_code.value if feedback.reason_code else None
            same_reason = (
                StepFeedback.reason_code.is_(None) if reason is None else StepFeedback.reason_code == reason
            )
            same = session.scalars(
                select(StepFeedback)
                .where(
                    StepFeedback.decision_id == decision_id,
                    StepFeedback.client_id == (client_id or self.default_client),
                    StepFeedback.source == source,
                    StepFeedback.reporter == feedback.reporter,
                    StepFeedback.step_code == str(feedback.step_code),
                    StepFeedback.outcome == feedback.outcome,
                    same_reason,
                    StepFeedback.created_at >= at - SAME_FEEDBACK_WINDOW,
                )
                .limit(1)
            ).first()
            if same is not None:  # said again (a double tap, a retry): the report counts it once
                return ExistingFeedback(**_recorded(same, feedback).model_dump())
            row = StepFeedback(
                id=uuid.uuid4(),
                decision_id=decision_id,
                created_at=at,
                client_id=client_id or self.default_client,
                source=source,
                reporter=feedback.reporter,
                step_code=str(feedback.step_code),
                outcome=feedback.outcome,
                reason_code=feedback.reason_code.value if feedback.reason_code else None,
            )
            session.add(row)
        return _recorded(row, feedback)

    def add_card_feedback(
        self,
        entries: list[tuple[str, FeedbackOutcome, ReasonCode | None]],
        client_id: str | None = None,
        now: datetime | None = None,
        owner: str | None = None,
    ) -> list[int]:
        """CDS Hooks feedback as (card uuid, outcome, reason) about cards this service issued (with owner:
        on that client's decisions only, as for the REST feedback). All or nothing: returns the positions of
        the entries whose card was never issued (to this owner), and then keeps none; [] when all are kept."""
        wanted: list[uuid.UUID | None] = []
        for card, _, _ in entries:
            try:
                wanted.append(uuid.UUID(card))
            except ValueError:
                wanted.append(None)  # not a uuid: not a card of ours
        with self.store.session() as session:
            query = select(DecisionStep.card_uuid, DecisionStep.decision_id, DecisionStep.code).where(
                DecisionStep.card_uuid.in_([card for card in wanted if card is not None])
            )
            found = {
                shown: (decision_id, code)
                for shown, decision_id, code in session.execute(_owned_by(query, owner)).all()
                if shown is not None
            }
            derived = {card for card in wanted if card is not None and card not in found}
            found.update(_cards_by_time(session, derived, owner))
            unknown = [i for i, card in enumerate(wanted) if card is None or card not in found]
            if unknown:
                return unknown
            for (_, outcome, reason), issued in zip(entries, wanted, strict=True):
                assert issued is not None
                decision_id, code = found[issued]
                session.add(
                    StepFeedback(
                        id=uuid.uuid4(),
                        decision_id=decision_id,
                        created_at=as_utc(now or utcnow()),
                        client_id=client_id or self.default_client,
                        source="cds_hooks",
                        reporter="clinician",
                        step_code=code,
                        outcome=outcome,
                        reason_code=reason.value if reason else None,
                    )
                )
        return []

    # -- retention -----------------------------------------------------------------------------------------

    def purge(self, before: datetime) -> tuple[int, int]:
        """Delete decisions made before `before`, with their steps and feedback; (decisions, feedback)."""
        old = select(Decision.id).where(Decision.created_at < as_utc(before))
        with self.store.session() as session:
            feedback = session.execute(delete(StepFeedback).where(StepFeedback.decision_id.in_(old)))
            session.execute(delete(DecisionStep).where(DecisionStep.decision_id.in_(old)))
            decisions = session.execute(delete(Decision).where(Decision.created_at < as_utc(before)))
        return int(decisions.rowcount), int(feedback.rowcount)  # type: ignore[attr-defined]


def _rule_report(
    placed: Sequence[tuple[uuid.UUID, StoredStep]], rated: Sequence[tuple[uuid.UUID, str, str]]
) -> list[RuleReport]:
    """Per rule: the decisions and steps it placed or moved, and the feedback on those steps."""
    outcomes: dict[tuple[uuid.UUID, str], list[str]] = {}
    for decision_id, code, outcome in rated:
        if outcome in OUTCOMES:
            outcomes.setdefault((decision_id, code), []).append(outcome)
    decisions: dict[str, set[uuid.UUID]] = {}
    steps: dict[str, int] = {}
    feedback: dict[str, FeedbackCounts] = {}
    for decision_id, step in placed:
        for rule in step.rules:
            decisions.setdefault(rule, set()).add(decision_id)
            steps[rule] = steps.get(rule, 0) + 1
            counts = feedback.setdefault(rule, FeedbackCounts())
            for outcome in outcomes.get((decision_id, step.code), []):
                setattr(counts, outcome, getattr(counts, outcome) + 1)
    return [
        RuleReport(rule=rule, decisions=len(decisions[rule]), steps=steps[rule], feedback=feedback[rule])
        for rule in sorted(steps, key=lambda r: (-steps[r], r))
    ]


def _fired_counts(rules_fired: Iterable[str | None]) -> dict[str, int]:
    """Per rule, the decisions in which it fired (from `rules_fired`; decisions before 0005 have none)."""
    fired: dict[str, int] = {}
    for listed in rules_fired:
        for rule in set(json.loads(listed or "[]")):
            fired[rule] = fired.get(rule, 0) + 1
    return fired


Columns = TypeVarTuple("Columns")


def _owned_by(query: Select[*Columns], owner: str | None) -> Select[*Columns]:
    """A query on decision_steps narrowed to one client's decisions (None: every client's)."""
    if owner is None:
        return query
    return query.join(Decision, Decision.id == DecisionStep.decision_id).where(Decision.client_id == owner)


def _cards_by_time(
    session: Session, cards: set[uuid.UUID], owner: str | None
) -> dict[uuid.UUID, tuple[uuid.UUID, str]]:
    """The decision and step code of each card derived from a time-ordered decision id (not stored, since
    revision 0007): a card starts with its decision's 48 bits of time, so the candidates are the steps of
    the decisions made in that millisecond (a range of the primary key), whose cards are derived again."""
    found: dict[uuid.UUID, tuple[uuid.UUID, str]] = {}
    for millisecond in {card.int >> 80 for card in cards if card.version == 8}:
        first, last = uuid.UUID(int=millisecond << 80), uuid.UUID(int=((millisecond + 1) << 80) - 1)
        query = select(Decision.id, Decision.steps).where(Decision.id.between(first, last))
        if owner is not None:
            query = query.where(Decision.client_id == owner)
        for decision_id, steps in session.execute(query).all():
            if decision_id.version != 7:
                continue
            codes = [step.code for step in read_steps(steps)]
            for card, code in zip(card_uuids(decision_id, codes), codes, strict=True):
                if card in cards:
                    found[card] = (decision_id, code)
    return found
