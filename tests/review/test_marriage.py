"""A marriage entry has two parties: each is decided on its own, the record waits for both."""

from __future__ import annotations

import time

import pyarrow.dataset as ds

from flows.export import export_records
from schemas.enums import DecisionKind
from schemas.store import Party
from store.matches import latest_decisions, load_candidates
from store.review import review_queue
from tests.review.conftest import process_review_batch


def test_both_spouses_are_decided_in_turn_and_the_record_leaves_the_queue(
    marriage_batch, database_url, monkeypatch, tmp_path, browser
) -> None:
    processed = process_review_batch(marriage_batch, database_url, monkeypatch, tmp_path)
    both = [
        i for i in review_queue(processed.store) if set(i.parties) == {Party.HUSBAND, Party.WIFE}
    ]
    assert both, "the twinned couple should wait for a steward on both sides"
    record_id = both[0].record_id
    steward = browser("sam")

    page = steward.get(f"/items/{record_id}")
    assert page.status_code == 200
    husband_section = page.text.split('id="party-husband"')[1].split('id="party-wife"')[0]
    wife_section = page.text.split('id="party-wife"')[1]
    assert 'data-key="1"' in husband_section  # the shortcuts act on the first open party
    assert 'data-key="1"' not in wife_section

    husband = load_candidates(processed.store, record_id, Party.HUSBAND)[0]
    first = steward.post(
        f"/items/{record_id}/decide",
        {"party": "husband", "action": f"link:{husband.personal_id}"},
    )
    assert first.headers["location"] == f"/items/{record_id}"  # the wife still waits
    page = steward.get(f"/items/{record_id}")
    assert 'data-key="n"' in page.text.split('id="party-wife"')[1]
    assert [i.parties for i in review_queue(processed.store) if i.record_id == record_id] == [
        (Party.WIFE,)
    ]

    second = steward.post(f"/items/{record_id}/decide", {"party": "wife", "action": "not_in_db"})
    assert second.headers["location"] == "/queue/next"
    assert record_id not in {i.record_id for i in review_queue(processed.store)}
    decisions = latest_decisions(processed.store, [record_id])
    assert decisions[(record_id, Party.HUSBAND)].kind is DecisionKind.STEWARD_LINK
    assert decisions[(record_id, Party.WIFE)].kind is DecisionKind.STEWARD_NOT_IN_DB

    export_dir = processed.settings.resolved_export_dir
    export_records(processed.store, export_dir, f"run{time.monotonic_ns()}")
    rows = ds.dataset(export_dir / "marriage", partitioning="hive").to_table().to_pylist()
    row = next(r for r in rows if r["record_id"] == record_id)
    assert row["match_status"] == "new_person"  # the weaker of the two parties
    assert row["husband_linked_personal_id"] == husband.personal_id
