"""Decisions: thresholds, one-to-one, event order, stewards' decisions left alone."""

from __future__ import annotations

from matching.decide import (
    DecisionOptions,
    MatchOutcome,
    PriorDecision,
    RecordToDecide,
    ScoredCandidate,
    born_after,
    decide,
)
from schemas.enums import DecisionKind, RegisterType
from schemas.store import Party
from schemas.values import PartialDate

OPTIONS = DecisionOptions(auto_link_probability=0.99, review_probability=0.2, min_lead_bits=4)


def candidate(pid: str, weight: float, excluded: str | None = None) -> ScoredCandidate:
    return ScoredCandidate(pid, weight, 1 / (1 + 2 ** (-weight)), excluded)


def record(
    record_id: str,
    *candidates: ScoredCandidate,
    register_type: RegisterType = RegisterType.BIRTH,
    allowed: bool = True,
    party: Party = Party.SUBJECT,
) -> RecordToDecide:
    return RecordToDecide(record_id, party, register_type, allowed, None, tuple(candidates))


def outcomes(decisions) -> dict[str, tuple[MatchOutcome, str | None]]:
    return {(d.record_id, d.party.value): (d.outcome, d.personal_id) for d in decisions}


def test_thresholds() -> None:
    decisions = decide(
        [
            record("sure", candidate("p1", 20), candidate("p2", 3)),
            record("close_call", candidate("p3", 20), candidate("p4", 18)),
            record("weak", candidate("p5", 2)),
            record("none", candidate("p6", -10)),
            record("empty"),
            record("flagged", candidate("p7", 20), allowed=False),
        ],
        OPTIONS,
    )
    got = outcomes(decisions)
    assert got[("sure", "subject")] == (MatchOutcome.AUTO_LINKED, "p1")
    assert got[("close_call", "subject")] == (MatchOutcome.REVIEW, "p3")
    assert got[("weak", "subject")] == (MatchOutcome.REVIEW, "p5")
    assert got[("none", "subject")] == (MatchOutcome.NEW_PERSON, None)
    assert got[("empty", "subject")] == (MatchOutcome.NEW_PERSON, None)
    assert got[("flagged", "subject")] == (MatchOutcome.REVIEW, "p7")
    assert decisions[0].kind is DecisionKind.AUTO_LINK


def test_a_person_gets_one_birth_record_the_best_one() -> None:
    decisions = decide(
        [
            record("second", candidate("p1", 15), candidate("p9", 5)),
            record("first", candidate("p1", 25)),
            record("third", candidate("p1", 12)),
        ],
        OPTIONS,
    )
    got = outcomes(decisions)
    assert got[("first", "subject")] == (MatchOutcome.AUTO_LINKED, "p1")
    assert got[("second", "subject")] == (MatchOutcome.REVIEW, "p9")
    assert got[("third", "subject")] == (MatchOutcome.REVIEW, None)
    linked = [d.personal_id for d in decisions if d.outcome is MatchOutcome.AUTO_LINKED]
    assert linked == ["p1"]


def test_one_to_one_holds_against_earlier_links_and_across_types() -> None:
    prior = {
        ("old", Party.SUBJECT): PriorDecision(
            "old", Party.SUBJECT, RegisterType.BIRTH, DecisionKind.STEWARD_LINK, "p1"
        )
    }
    decisions = decide(
        [
            record("birth", candidate("p1", 25)),
            record("death", candidate("p1", 25), register_type=RegisterType.DEATH),
        ],
        OPTIONS,
        prior=prior,
    )
    got = outcomes(decisions)
    assert got[("birth", "subject")] == (MatchOutcome.REVIEW, None)
    assert got[("death", "subject")] == (MatchOutcome.AUTO_LINKED, "p1")


def test_marriage_parties_are_two_people_and_may_marry_again() -> None:
    decisions = decide(
        [
            record("m1", candidate("p1", 25), register_type=RegisterType.MARRIAGE),
            record(
                "m1",
                candidate("p1", 24),
                candidate("p2", 10),
                register_type=RegisterType.MARRIAGE,
                party=Party.WIFE,
            ),
            record("m2", candidate("p1", 25), register_type=RegisterType.MARRIAGE),
        ],
        OPTIONS,
    )
    got = outcomes(decisions)
    assert got[("m1", "subject")] == (MatchOutcome.AUTO_LINKED, "p1")
    assert got[("m1", "wife")] == (MatchOutcome.REVIEW, "p2")
    assert got[("m2", "subject")] == (MatchOutcome.AUTO_LINKED, "p1")


def test_excluded_candidates_are_never_linked() -> None:
    decisions = decide(
        [
            record(
                "death",
                candidate("p1", 25, excluded="born after the event"),
                candidate("p2", 3),
                register_type=RegisterType.DEATH,
            )
        ],
        OPTIONS,
    )
    assert outcomes(decisions)[("death", "subject")] == (MatchOutcome.REVIEW, "p2")


def test_steward_decisions_are_left_alone() -> None:
    prior = {
        ("r1", Party.SUBJECT): PriorDecision(
            "r1", Party.SUBJECT, RegisterType.BIRTH, DecisionKind.STEWARD_NEW_PERSON
        ),
        ("r2", Party.SUBJECT): PriorDecision(
            "r2", Party.SUBJECT, RegisterType.BIRTH, DecisionKind.SEND_TO_REVIEW, "p2"
        ),
    }
    decisions = decide(
        [record("r1", candidate("p1", 30)), record("r2", candidate("p2", 30))],
        OPTIONS,
        prior=prior,
    )
    assert [d.record_id for d in decisions] == ["r2"]
    assert decisions[0].outcome is MatchOutcome.AUTO_LINKED


def test_born_after() -> None:
    death = PartialDate.parse("2020-05-10")
    assert born_after(PartialDate.parse("2021"), death)
    assert born_after(PartialDate.parse("2020-06"), death)
    assert born_after(PartialDate.parse("2020-05-11"), death)
    assert not born_after(PartialDate.parse("2020-05-10"), death)
    assert not born_after(PartialDate.parse("2020"), death)
    assert not born_after(PartialDate.parse("2020-05"), death)
    assert not born_after(PartialDate.parse("1950-12-31"), death)
    assert not born_after(None, death)
