"""Decision ids (version 7, time-ordered) and the card uuids derived from them."""

from __future__ import annotations

import os
import time
import uuid

from service.decisions.ids import new_decision_id, uuid7
from service.decisions.service import card_uuid, card_uuids


def test_decision_ids_are_version_7_with_the_current_time_and_never_repeat() -> None:
    before = time.time_ns() // 1_000_000
    ids = [new_decision_id() for _ in range(20_000)]
    after = time.time_ns() // 1_000_000
    assert len(set(ids)) == len(ids)
    for decision_id in ids:
        assert decision_id.version == 7 and decision_id.variant == uuid.RFC_4122
        assert before <= decision_id.int >> 80 <= after
    # ids made in different milliseconds sort by time: new rows land at the end of each index
    assert [i.int >> 80 for i in ids] == sorted(i.int >> 80 for i in ids)


def test_74_bits_of_each_id_are_random() -> None:
    ids = [uuid7(1_700_000_000_000, os.urandom(10)) for _ in range(2000)]
    assert len({i.int & ((1 << 62) - 1) for i in ids}) == len(ids)
    assert len({(i.int >> 64) & 0xFFF for i in ids}) > 1000  # rand_a varies too
    assert {i.int >> 80 for i in ids} == {1_700_000_000_000}


def test_a_forked_child_makes_other_ids_than_its_parent() -> None:
    new_decision_id()  # the parent holds fetched bytes
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: send its next ids and leave at once
        os.write(write, b"".join(new_decision_id().bytes for _ in range(4)))
        os._exit(0)
    os.close(write)
    child = os.read(read, 64)
    os.waitpid(pid, 0)
    parent = b"".join(new_decision_id().bytes for _ in range(4))
    assert len(child) == 64
    assert {child[i : i + 16][6:] for i in range(0, 64, 16)}.isdisjoint(
        parent[i : i + 16][6:] for i in range(0, 64, 16)
    )


def test_cards_of_a_new_decision_are_version_8_start_with_its_time_and_differ_by_step() -> None:
    decision_id = new_decision_id()
    codes = ["joint_review", "second_read", "third_specialist"]
    cards = card_uuids(decision_id, codes)
    assert cards == [card_uuid(decision_id, code) for code in codes]
    assert len(set(cards)) == 3
    for card in cards:
        assert card.version == 8 and card.variant == uuid.RFC_4122
        assert card.int >> 80 == decision_id.int >> 80  # the decision's time: appended to the index
        assert card.int >> 64 == cards[0].int >> 64  # a decision's cards sit side by side
        assert card.bytes[8:] not in decision_id.bytes  # the rest does not show the decision id
    assert card_uuid(new_decision_id(), "joint_review") != cards[0]


def test_cards_of_a_decision_with_a_random_id_keep_the_uuids_they_were_issued_with() -> None:
    """Decisions made before version-7 ids: a replayed answer's cards are the ones stored then."""
    decision_id = uuid.UUID("6f1c2a9e-3b4d-4e8f-9a01-23456789abcd")
    assert str(card_uuid(decision_id, "joint_review")) == "4af59f49-ee9f-8f80-a6b3-e7998f9f2d71"
    assert str(card_uuid(decision_id, "second_read")) == "4af59f49-ee9f-8f80-af12-e7dab46c066d"
