"""Decision thresholds: versioned and audited in the store, set by admins, used by the next run."""

from __future__ import annotations

import re
from itertools import pairwise

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from civreg.db import shared_engine
from civreg.errors import DataValidationError
from flows.steps import link_step
from matching.decide import DecisionOptions
from schemas.enums import DecisionKind
from schemas.store import AuditEvent, Party
from store.matches import DecisionInput, append_decision, latest_decisions, load_candidates
from store.thresholds import (
    DEFAULT_VERSION,
    current_thresholds,
    decision_bands,
    set_thresholds,
    threshold_history,
    thresholds_in_force,
)

STRICT_REASON = "too many false links in ward 1"


def _audit(store, action: str = "thresholds.changed") -> list:
    with store.connect() as connection:
        return connection.execute(
            select(AuditEvent.__table__)
            .where(AuditEvent.action == action)
            .order_by(AuditEvent.event_id)
        ).all()


def _form(options: DecisionOptions, reason: str) -> dict[str, str]:
    return {**{k: repr(v) for k, v in options.model_dump().items()}, "reason": reason}


def test_thresholds_are_a_validated_versioned_audited_history(store_engine) -> None:
    assert thresholds_in_force(store_engine).version == DEFAULT_VERSION
    assert current_thresholds(store_engine) == DecisionOptions()
    assert threshold_history(store_engine) == []

    refused = [
        (
            {"auto_link_probability": 0.3, "review_probability": 0.5, "min_lead_bits": 4},
            "the auto-link threshold (0.3) must be above the review threshold (0.5)",
        ),
        (
            {"auto_link_probability": 1.5, "review_probability": 0.2, "min_lead_bits": 4},
            "auto_link_probability: Input should be less than 1",
        ),
        (
            {"auto_link_probability": 0.99, "review_probability": 0, "min_lead_bits": 4},
            "review_probability: Input should be greater than 0",
        ),
        (
            {"auto_link_probability": 0.99, "review_probability": 0.2, "min_lead_bits": -1},
            "min_lead_bits: Input should be greater than or equal to 0",
        ),
        (
            {"auto_link_probability": 0.99, "review_probability": 0.2, "margin": 4},
            "margin: Extra inputs are not permitted",
        ),
    ]
    for values, message in refused:
        with pytest.raises(DataValidationError, match=re.escape(message)):
            set_thresholds(store_engine, values, "ada", "a reason")
    stricter = DecisionOptions(auto_link_probability=0.999, review_probability=0.3)
    with pytest.raises(DataValidationError, match="give the reason"):
        set_thresholds(store_engine, stricter, "ada", "   ")
    with pytest.raises(DataValidationError, match=r"already in force \(version 0\)"):
        set_thresholds(store_engine, DecisionOptions(), "ada", "no change")
    assert threshold_history(store_engine) == [] and _audit(store_engine) == []

    first = set_thresholds(store_engine, stricter, "ada", " stricter after an audit ")
    assert (first.version, first.replaces, first.actor, first.reason) == (
        1,
        0,
        "ada",
        "stricter after an audit",
    )
    assert current_thresholds(store_engine) == stricter
    looser = {"auto_link_probability": 0.98, "review_probability": 0.1, "min_lead_bits": 2.5}
    second = set_thresholds(store_engine, looser, "bo", "too many reviews")
    assert (second.version, second.replaces) == (2, 1)
    assert current_thresholds(store_engine) == DecisionOptions(**looser)
    history = threshold_history(store_engine)
    assert [(v.version, v.actor, v.options) for v in history] == [
        (2, "bo", DecisionOptions(**looser)),
        (1, "ada", stricter),
    ]
    assert all(v.created_at is not None and v.created_at.tzinfo for v in history)

    events = _audit(store_engine)
    assert [(e.actor, e.subject_type, e.subject_id) for e in events] == [
        ("ada", "thresholds", "1"),
        ("bo", "thresholds", "2"),
    ]
    assert events[1].detail == {
        "version": 2,
        "replaces": 1,
        "old": stricter.model_dump(),
        "new": DecisionOptions(**looser).model_dump(),
        "reason": "too many reviews",
    }

    # The history is append-only for any client, not only through the ORM.
    with pytest.raises(DBAPIError, match="append-only"), store_engine.begin() as connection:
        connection.execute(text("UPDATE decision_thresholds SET actor = 'eve'"))
    with pytest.raises(DBAPIError, match="append-only"), store_engine.begin() as connection:
        connection.execute(text("DELETE FROM decision_thresholds"))
    assert len(threshold_history(store_engine)) == 2


def _auto_link_weights(processed) -> dict[tuple[str, Party], float]:
    """The best candidate's total weight of every auto-linked record party."""
    return {
        key: load_candidates(processed.store, *key)[0].score
        for key, d in latest_decisions(processed.store).items()
        if d.kind is DecisionKind.AUTO_LINK
    }


def _split(weights: list[float]) -> float:
    """The middle of the widest gap between the weights (far from every one of them)."""
    ordered = sorted(weights)
    low, high = max(pairwise(ordered), key=lambda p: p[1] - p[0])
    return (low + high) / 2


def test_admin_change_is_used_by_the_next_run_and_stewards_keep_their_word(
    processed, browser
) -> None:
    store = processed.store
    weights = _auto_link_weights(processed)
    split = _split(list(weights.values()))
    # A probability threshold at `split` bits (the weights include the prior).
    strict_probability = 1 - 2**-split
    weak = sorted(k for k, w in weights.items() if w < split - 1)
    strong = sorted(k for k, w in weights.items() if w > split + 1)
    assert len(weak) >= 2 and strong, weights

    # A steward confirms one weak auto-link, and decides one queued item in the app.
    confirmed = weak[0]
    person = latest_decisions(store)[confirmed].personal_id
    append_decision(
        store,
        DecisionInput(
            record_id=confirmed[0],
            party=confirmed[1],
            kind=DecisionKind.STEWARD_LINK,
            actor="sam",
            personal_id=person,
            reason="checked against the book",
        ),
    )
    queued = sorted(
        k for k, d in latest_decisions(store).items() if d.kind.value == "send_to_review"
    )
    steward = browser("sam")
    steward.get(f"/items/{queued[0][0]}")
    decided = steward.post(
        f"/items/{queued[0][0]}/decide", {"party": queued[0][1].value, "action": "new_person"}
    )
    assert decided.status_code == 303

    admin = browser("ada")
    strict = DecisionOptions(auto_link_probability=strict_probability)
    assert admin.post("/admin/thresholds", _form(strict, STRICT_REASON)).status_code == 303
    assert current_thresholds(store) == strict

    summary = link_step(processed.context, "run-strict")
    assert summary.thresholds_version == 1
    after = latest_decisions(store)
    for key in weak[1:]:
        assert after[key].kind is DecisionKind.SEND_TO_REVIEW, key
        assert after[key].reason == "best candidate below the auto-link threshold"
        assert after[key].payload["thresholds_version"] == 1
    for key in strong:
        assert after[key].kind is DecisionKind.AUTO_LINK, key
    assert (after[confirmed].kind, after[confirmed].actor, after[confirmed].personal_id) == (
        DecisionKind.STEWARD_LINK,
        "sam",
        person,
    )
    assert (after[queued[0]].kind, after[queued[0]].actor) == (
        DecisionKind.STEWARD_NEW_PERSON,
        "sam",
    )
    assert summary.kept_for_steward == 2

    # The dashboard of bands agrees with the decisions in force, and the page shows it all.
    bands = decision_bands(store)
    assert bands["review"] == sum(d.kind is DecisionKind.SEND_TO_REVIEW for d in after.values())
    assert bands["steward"] == 2 and bands["auto_linked"] == len(strong)
    page = admin.get("/admin/thresholds")
    assert page.status_code == 200
    assert "version 1, set by ada" in page.text
    assert STRICT_REASON in page.text
    assert f"auto_link_probability: 0.99 → {strict_probability}" in page.text
    assert f'<td>Waiting for a steward</td><td class="num">{bands["review"]}</td>' in page.text

    # Nothing changed since: the next run re-decides nothing.
    assert link_step(processed.context, "run-again").linked_now == 0

    # Back to the defaults (a new version): the weak auto-links come back, stewards still rule.
    assert admin.post("/admin/thresholds", _form(DecisionOptions(), "back")).status_code == 303
    relaxed = link_step(processed.context, "run-relaxed")
    assert relaxed.thresholds_version == 2
    final = latest_decisions(store)
    for key in weak[1:]:
        assert final[key].kind is DecisionKind.AUTO_LINK, key
        assert final[key].payload["thresholds_version"] == 2
    assert final[confirmed].kind is DecisionKind.STEWARD_LINK
    assert final[queued[0]].kind is DecisionKind.STEWARD_NEW_PERSON
    assert [e.subject_id for e in _audit(store)] == ["1", "2"]


def test_the_form_refuses_invalid_thresholds_with_the_reason(browser, bare_settings) -> None:
    store = shared_engine(bare_settings.resolved_store_url)
    admin = browser("ada")
    bad = [
        (
            {"auto_link_probability": "0.2", "review_probability": "0.5", "min_lead_bits": "4"},
            "must be above the review threshold",
        ),
        (
            {"auto_link_probability": "1", "review_probability": "0.2", "min_lead_bits": "4"},
            "auto_link_probability: Input should be less than 1",
        ),
        (
            {"auto_link_probability": "high", "review_probability": "0.2", "min_lead_bits": "4"},
            "Auto-link probability: &#39;high&#39; is not a number",
        ),
        (
            {"auto_link_probability": "0.995", "review_probability": "0.2", "min_lead_bits": "4"},
            "give the reason",
        ),
    ]
    for values, message in bad:
        response = admin.post("/admin/thresholds", values)
        assert response.status_code == 400, values
        assert message in response.text, response.text
        # The admin's input is kept in the form for correction.
        assert f'value="{values["auto_link_probability"]}"' in response.text
    assert threshold_history(store) == [] and _audit(store) == []
    page = admin.get("/admin/thresholds")
    assert "the built-in defaults (version 0)" in page.text
    for explanation in ("auto-link threshold", "runner-up", "a steward decides"):
        assert explanation in page.text


def test_only_admins_see_or_change_thresholds_and_the_form_needs_its_csrf_token(
    browser, bare_settings
) -> None:
    store = shared_engine(bare_settings.resolved_store_url)
    form = _form(DecisionOptions(min_lead_bits=6), "wider margin")
    for name in ("sam", "cleo"):
        other = browser(name)
        assert other.get("/admin/thresholds").status_code == 403
        assert other.post("/admin/thresholds", form).status_code == 403
        assert 'href="/admin/thresholds"' not in other.get("/dashboard").text
    admin = browser("ada")
    assert 'href="/admin/thresholds"' in admin.get("/dashboard").text
    for token in (None, "forged"):
        data = dict(form) if token is None else {**form, "csrf_token": token}
        response = admin.client.post("/admin/thresholds", data=data, follow_redirects=False)
        assert response.status_code == 403
    assert threshold_history(store) == []

    assert admin.post("/admin/thresholds", form).status_code == 303
    assert current_thresholds(store).min_lead_bits == 6
    # Resubmitting the same form adds no version.
    again = admin.post("/admin/thresholds", form)
    assert again.status_code == 400 and "already in force (version 1)" in again.text
    assert [(e.actor, e.detail["reason"]) for e in _audit(store)] == [("ada", "wider margin")]
