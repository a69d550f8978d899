"""Candidates and decisions: replaced atomically, appended once, and a steward's word wins."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from sqlalchemy import Engine, func, insert, select

from schemas.enums import DecisionKind, MatchStatus, RegisterType
from schemas.store import Decision, Party, utcnow
from store import (
    AppendOutcome,
    CandidateScore,
    CandidateSet,
    DecisionInput,
    append_decision,
    append_decisions,
    corrections,
    latest_decisions,
    load_candidates,
    record_status,
    save_candidates,
)

ANNA = "001190123456"
BINH = "001090654321"
CHI = "001195111222"
STEWARD = "steward.lan"


def _first(seeded, register_type: RegisterType = RegisterType.BIRTH) -> str:
    return next(rid for rid, r in seeded.records.items() if r.register_type is register_type)


def _decision_count(engine: Engine) -> int:
    with engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(Decision))


def _link(record_id: str, person: str, **extra) -> DecisionInput:
    return DecisionInput(
        record_id=record_id, kind=DecisionKind.AUTO_LINK, personal_id=person, **extra
    )


def test_candidates_are_replaced_but_a_stewards_stay(store_engine: Engine, seeded) -> None:
    record_id = _first(seeded)
    other = next(rid for rid in seeded.records if rid != record_id)
    first = CandidateSet(
        record_id,
        Party.SUBJECT,
        "m1",
        (CandidateScore(ANNA, 14.2, {"name": 9.1}), CandidateScore(BINH, 3.0)),
    )
    save_candidates(store_engine, [first], run_id="run-1")
    rerun = CandidateSet(record_id, Party.SUBJECT, "m2", (CandidateScore(CHI, 11.0),))

    saved = save_candidates(store_engine, [rerun], run_id="run-2")

    assert (saved.replaced, saved.kept_for_steward) == (1, 0)
    assert load_candidates(store_engine, record_id, Party.SUBJECT) == [CandidateScore(CHI, 11.0)]

    other_set = CandidateSet(other, Party.SUBJECT, "m2", (CandidateScore(ANNA, 15.0),))
    save_candidates(store_engine, [other_set], run_id="run-2")
    append_decision(
        store_engine,
        DecisionInput(
            record_id=other, kind=DecisionKind.STEWARD_LINK, actor=STEWARD, personal_id=ANNA
        ),
    )
    late = CandidateSet(other, Party.SUBJECT, "m3", (CandidateScore(BINH, 20.0),))
    kept = save_candidates(store_engine, [late, rerun], run_id="run-3")

    assert (kept.replaced, kept.kept_for_steward) == (1, 1)
    assert load_candidates(store_engine, other, Party.SUBJECT) == [CandidateScore(ANNA, 15.0)]


def test_the_same_system_decision_is_appended_once(store_engine: Engine, seeded) -> None:
    record_id = _first(seeded)

    first = append_decision(store_engine, _link(record_id, ANNA, score=14.2))
    rerun = append_decision(store_engine, _link(record_id, ANNA, score=14.2))

    assert first.outcome is AppendOutcome.APPENDED
    assert rerun.outcome is AppendOutcome.UNCHANGED
    assert rerun.decision == first.decision
    assert _decision_count(store_engine) == 1
    latest = latest_decisions(store_engine)[(record_id, Party.SUBJECT)]
    assert (latest.kind, latest.personal_id, latest.score) == (DecisionKind.AUTO_LINK, ANNA, 14.2)


def test_a_system_decision_that_changes_and_changes_back_is_appended_each_time(
    store_engine: Engine, seeded
) -> None:
    record_id = _first(seeded)
    outcomes = append_decisions(
        store_engine, [_link(record_id, ANNA), _link(record_id, BINH), _link(record_id, ANNA)]
    )
    assert [o.outcome for o in outcomes] == [AppendOutcome.APPENDED] * 3
    ids = [o.decision.decision_id for o in outcomes]
    assert ids == sorted(ids)
    assert latest_decisions(store_engine)[(record_id, Party.SUBJECT)].decision_id == ids[2]


def test_a_steward_decision_wins_over_a_later_system_decision(store_engine: Engine, seeded) -> None:
    record_id = _first(seeded)
    append_decision(store_engine, _link(record_id, ANNA))
    steward = append_decision(
        store_engine,
        DecisionInput(
            record_id=record_id,
            kind=DecisionKind.STEWARD_LINK,
            actor=STEWARD,
            personal_id=BINH,
            reason="same parents, birth date misread",
        ),
    )

    refused = append_decision(store_engine, _link(record_id, ANNA))

    assert refused.outcome is AppendOutcome.STEWARD_FINAL
    assert refused.decision == steward.decision
    # Even a system decision written after the steward's by another client does not win.
    with store_engine.begin() as connection:
        connection.execute(
            insert(Decision.__table__).values(
                idempotency_key="written-by-an-older-release",
                record_id=record_id,
                party=Party.SUBJECT,
                kind=DecisionKind.AUTO_NEW_PERSON,
                actor="system",
                payload={},
                created_at=utcnow(),
            )
        )
    latest = latest_decisions(store_engine)[(record_id, Party.SUBJECT)]
    assert (latest.kind, latest.personal_id, latest.actor) == (
        DecisionKind.STEWARD_LINK,
        BINH,
        STEWARD,
    )
    assert latest.status is MatchStatus.STEWARD_LINKED
    # A steward may change a steward's decision.
    rejected = append_decision(
        store_engine,
        DecisionInput(record_id=record_id, kind=DecisionKind.STEWARD_REJECT, actor="steward.minh"),
    )
    assert rejected.outcome is AppendOutcome.APPENDED
    latest = latest_decisions(store_engine)[(record_id, Party.SUBJECT)]
    assert latest.status is MatchStatus.REJECTED


def test_a_resubmitted_key_is_a_duplicate(store_engine: Engine, seeded) -> None:
    record_id = _first(seeded)
    decision = DecisionInput(
        record_id=record_id,
        kind=DecisionKind.STEWARD_NEW_PERSON,
        actor=STEWARD,
        idempotency_key="review-form-7f3a",
    )
    first = append_decision(store_engine, decision)
    again = append_decision(store_engine, decision)
    assert (first.outcome, again.outcome) == (AppendOutcome.APPENDED, AppendOutcome.DUPLICATE)
    assert again.decision == first.decision
    assert _decision_count(store_engine) == 1


def test_corrections_are_kept_apart_from_match_decisions(store_engine: Engine, seeded) -> None:
    record_id = _first(seeded)
    append_decision(store_engine, _link(record_id, ANNA))
    correction = DecisionInput(
        record_id=record_id,
        kind=DecisionKind.STEWARD_CORRECT_FIELD,
        actor=STEWARD,
        personal_id=ANNA,
        payload={"field": "full_name", "value": "Nguyễn Văn Ân"},
    )
    first = append_decision(store_engine, correction)
    again = append_decision(store_engine, correction)

    assert (first.outcome, again.outcome) == (AppendOutcome.APPENDED, AppendOutcome.DUPLICATE)
    assert [c.payload for c in corrections(store_engine)] == [correction.payload]
    latest = latest_decisions(store_engine)[(record_id, Party.SUBJECT)]
    assert latest.kind is DecisionKind.AUTO_LINK  # a correction is not a match decision
    rerun = append_decision(store_engine, _link(record_id, ANNA))
    assert rerun.outcome is AppendOutcome.UNCHANGED


def test_the_score_falls_back_to_the_chosen_candidates(store_engine: Engine, seeded) -> None:
    record_id = _first(seeded)
    save_candidates(
        store_engine,
        [CandidateSet(record_id, Party.SUBJECT, "m1", (CandidateScore(ANNA, 17.5),))],
        run_id="r",
    )
    append_decision(store_engine, _link(record_id, ANNA))
    assert latest_decisions(store_engine, [record_id])[(record_id, Party.SUBJECT)].score == 17.5


def test_invalid_decisions_are_refused_before_the_store() -> None:
    with pytest.raises(ValidationError, match="names the steward"):
        DecisionInput(record_id="r", kind=DecisionKind.STEWARD_REJECT)
    with pytest.raises(ValidationError, match="a link needs the personal_id"):
        DecisionInput(record_id="r", kind=DecisionKind.AUTO_LINK)
    with pytest.raises(ValidationError, match="field"):
        DecisionInput(
            record_id="r",
            kind=DecisionKind.STEWARD_CORRECT_FIELD,
            actor=STEWARD,
            payload={"value": "x"},
        )


def test_a_marriage_is_as_linked_as_its_least_linked_spouse(store_engine: Engine, seeded) -> None:
    record_id = _first(seeded, RegisterType.MARRIAGE)
    append_decisions(
        store_engine,
        [
            DecisionInput(
                record_id=record_id,
                party=Party.HUSBAND,
                kind=DecisionKind.AUTO_LINK,
                personal_id=BINH,
            ),
            DecisionInput(
                record_id=record_id,
                party=Party.WIFE,
                kind=DecisionKind.STEWARD_LINK,
                actor=STEWARD,
                personal_id=ANNA,
            ),
        ],
    )
    latest = latest_decisions(store_engine)
    parties = {p: latest.get((record_id, p)) for p in (Party.HUSBAND, Party.WIFE)}
    assert record_status(RegisterType.MARRIAGE, parties) is MatchStatus.STEWARD_LINKED
    assert record_status(RegisterType.MARRIAGE, {Party.HUSBAND: parties[Party.HUSBAND]}) is (
        MatchStatus.UNMATCHED
    )
    assert record_status(RegisterType.BIRTH, {}) is MatchStatus.UNMATCHED
