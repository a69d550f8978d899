"""The queue, an item, its crop and every steward action, over a batch the pipeline processed."""

from __future__ import annotations

import datetime as dt
import io
import time

import pyarrow.dataset as ds
import pytest
from PIL import Image
from sqlalchemy import func, select

from flows.export import export_records
from flows.steps import link_step
from schemas.enums import DecisionKind, MatchStatus
from schemas.store import AuditEvent, Decision, Party
from store.matches import latest_decisions, load_candidates
from store.records import load_records
from store.review import review_queue

pytestmark = pytest.mark.usefixtures("processed")


def _queue(processed) -> list:
    return review_queue(processed.store)


def _decisions(processed, record_id: str) -> list:
    with processed.store.connect() as connection:
        return connection.execute(
            select(Decision.__table__)
            .where(Decision.record_id == record_id)
            .order_by(Decision.decision_id)
        ).all()


def _exported(processed) -> dict[str, dict]:
    export_dir = processed.settings.resolved_export_dir
    export_records(processed.store, export_dir, f"run{time.monotonic_ns()}")
    table = ds.dataset(export_dir / "birth", format="parquet", partitioning="hive").to_table()
    return {row["record_id"]: row for row in table.to_pylist()}


def test_twins_in_the_population_db_put_their_entries_in_the_queue(processed, browser) -> None:
    items = _queue(processed)
    assert len(items) >= len(processed.batch.twinned)
    steward = browser("sam")
    page = steward.get("/queue")
    assert page.status_code == 200
    for item in items:
        assert f"/items/{item.record_id}" in page.text
    reasons = {r for i in items for r in i.reasons}
    assert "two candidates score alike" in reasons
    # Filters narrow the list to what matches, and to nothing when nothing does.
    batch = steward.get("/queue", params={"batch": "batch-1", "register_type": "birth"})
    assert batch.text.count('class="open-item"') == len(items)
    assert (
        steward.get("/queue", params={"register_type": "death"}).text.count('class="open-item"')
        == 0
    )
    assert steward.get("/queue", params={"batch": "other"}).text.count('class="open-item"') == 0
    ward = items[0].ward
    assert ward, "the queue names each entry's ward"
    in_ward = steward.get("/queue", params={"ward": ward})
    assert in_ward.text.count('class="open-item"') == sum(1 for i in items if i.ward == ward)
    assert (
        steward.get("/queue", params={"ward": "Phường Nowhere"}).text.count('class="open-item"')
        == 0
    )
    alike = [i for i in items if "two candidates score alike" in i.reasons]
    by_reason = steward.get("/queue", params={"reason": "two candidates score alike"})
    assert by_reason.text.count('class="open-item"') == len(alike)
    assert steward.get("/queue", params={"register_type": "nonsense"}).status_code == 400


def test_item_page_shows_the_crop_fields_and_candidates_with_weights(processed, browser) -> None:
    item = next(i for i in _queue(processed) if "two candidates score alike" in i.reasons)
    steward = browser("sam")
    page = steward.get(f"/items/{item.record_id}")
    assert page.status_code == 200
    assert f'src="/items/{item.record_id}/crop.png"' in page.text
    candidates = load_candidates(processed.store, item.record_id, Party.SUBJECT)
    assert len(candidates) >= 2
    for candidate in candidates[:2]:
        assert f'value="link:{candidate.personal_id}"' in page.text
    assert 'data-key="1"' in page.text and 'data-key="n"' in page.text
    # Each comparison's contribution to the weight is shown, signed.
    comparisons = [f["comparison"] for f in candidates[0].explanation["fields"]]
    for name in comparisons:
        assert f"<th>{name}</th>" in page.text
    record = load_records(processed.store, record_ids=[item.record_id])[0].record
    assert record.full_name.value in page.text

    crop = steward.get(f"/items/{item.record_id}/crop.png")
    assert crop.status_code == 200 and crop.headers["content-type"] == "image/png"
    image = Image.open(io.BytesIO(crop.content))
    box = record.provenance.bbox
    assert image.width == min(box.x1 - box.x0 + 24, 1800) or image.width == 1800
    assert abs(image.height - (box.y1 - box.y0 + 24)) <= 24 or image.width == 1800
    # The row is ink on paper, not a blank region: the crop has dark pixels.
    grey = image.convert("L")
    assert grey.getextrema()[0] < 100
    cell = steward.get(f"/items/{item.record_id}/crop.png", params={"field": "full_name"})
    cell_image = Image.open(io.BytesIO(cell.content))
    assert cell_image.width < image.width
    assert (
        steward.get(f"/items/{item.record_id}/crop.png", params={"field": "nope"}).status_code
        == 404
    )


def test_a_crop_of_a_changed_file_is_refused(processed, browser, tmp_path) -> None:
    item = _queue(processed)[0]
    record = load_records(processed.store, record_ids=[item.record_id])[0].record
    source = tmp_path / "inbox-copy" / "batch-1" / record.provenance.source_path
    source.write_bytes(source.read_bytes() + b"\n% changed")
    response = browser("sam").get(f"/items/{item.record_id}/crop.png")
    assert response.status_code == 410
    assert "changed since it was read" in response.text


def test_linking_is_audited_exported_and_never_overturned_by_a_rerun(processed, browser) -> None:
    item = next(i for i in _queue(processed) if "two candidates score alike" in i.reasons)
    steward = browser("sam")
    page = steward.get(f"/items/{item.record_id}")
    token = page.text.split('name="token" value="')[1].split('"')[0]
    chosen = load_candidates(processed.store, item.record_id, Party.SUBJECT)[1]
    form = {
        "token": token,
        "party": "subject",
        "action": f"link:{chosen.personal_id}",
        "reason": "same father as in the book",
    }
    response = steward.post(f"/items/{item.record_id}/decide", form)
    assert response.status_code == 303
    assert response.headers["location"] == "/queue/next"
    again = steward.post(f"/items/{item.record_id}/decide", form)  # a double submit
    assert again.status_code == 303

    steward_rows = [d for d in _decisions(processed, item.record_id) if d.actor == "sam"]
    assert len(steward_rows) == 1
    decision = steward_rows[0]
    assert decision.kind == DecisionKind.STEWARD_LINK
    assert decision.personal_id == chosen.personal_id
    assert decision.reason == "same father as in the book"
    assert decision.created_at is not None
    with processed.store.connect() as connection:
        audit = connection.execute(
            select(AuditEvent.__table__).where(AuditEvent.subject_id == item.record_id)
        ).all()
    assert (audit[0].actor, audit[0].action) == ("sam", "decision.steward_link")
    assert audit[0].detail["decision_id"] == decision.decision_id
    assert item.record_id not in {i.record_id for i in _queue(processed)}

    exported = _exported(processed)[item.record_id]
    assert exported["match_status"] == MatchStatus.STEWARD_LINKED.value
    assert exported["linked_personal_id"] == chosen.personal_id

    # A later run of the pipeline keeps the steward's word.
    link_step(processed.context, "a-later-run")
    in_force = latest_decisions(processed.store, [item.record_id])[(item.record_id, Party.SUBJECT)]
    assert (in_force.kind, in_force.personal_id, in_force.actor) == (
        DecisionKind.STEWARD_LINK,
        chosen.personal_id,
        "sam",
    )
    assert _exported(processed)[item.record_id]["linked_personal_id"] == chosen.personal_id


@pytest.mark.parametrize(
    ("action", "kind", "status", "payload"),
    [
        ("new_person", DecisionKind.STEWARD_NEW_PERSON, MatchStatus.NEW_PERSON, {}),
        ("not_in_db", DecisionKind.STEWARD_NOT_IN_DB, MatchStatus.NEW_PERSON, {}),
        (
            "reject_unreadable",
            DecisionKind.STEWARD_REJECT,
            MatchStatus.REJECTED,
            {"reject_as": "unreadable"},
        ),
        (
            "reject_duplicate",
            DecisionKind.STEWARD_REJECT,
            MatchStatus.REJECTED,
            {"reject_as": "duplicate"},
        ),
    ],
)
def test_every_other_action_is_stored_and_exported(
    processed, browser, action, kind, status, *, payload
) -> None:
    item = _queue(processed)[0]
    steward = browser("sam")
    steward.get(f"/items/{item.record_id}")
    response = steward.post(
        f"/items/{item.record_id}/decide", {"party": "subject", "action": action}
    )
    assert response.status_code == 303
    stored = _decisions(processed, item.record_id)[-1]
    assert (stored.kind, stored.actor, stored.personal_id, stored.reason) == (
        kind,
        "sam",
        None,
        None,
    )
    assert {k: v for k, v in stored.payload.items() if k != "score"} == payload
    assert _exported(processed)[item.record_id]["match_status"] == status.value


def test_bad_decisions_are_refused_and_change_nothing(processed, browser) -> None:
    item = _queue(processed)[0]
    steward = browser("sam")
    steward.get(f"/items/{item.record_id}")
    before = len(_decisions(processed, item.record_id))
    url = f"/items/{item.record_id}/decide"
    assert steward.post(url, {"action": "link:123456789012"}).status_code == 400
    assert steward.post(url, {"action": "delete everything"}).status_code == 400
    assert steward.post(url, {"action": "new_person", "party": "wife"}).status_code == 400
    assert steward.post(url, {"action": "new_person", "reason": "x" * 3000}).status_code == 400
    assert steward.post("/items/unknown/decide", {"action": "new_person"}).status_code == 404
    assert len(_decisions(processed, item.record_id)) == before


def test_an_open_item_is_locked_to_its_steward_until_it_expires(processed, browser) -> None:
    item = _queue(processed)[0]
    sam = browser("sam", lock_ttl=dt.timedelta(seconds=2))
    stella = browser("stella", lock_ttl=dt.timedelta(seconds=2))
    assert sam.get(f"/items/{item.record_id}").status_code == 200

    held = stella.get(f"/items/{item.record_id}")
    assert held.status_code == 409
    assert "sam has this item open" in held.text
    refused = stella.post(f"/items/{item.record_id}/decide", {"action": "new_person"})
    assert refused.status_code == 409
    assert all(d.actor != "stella" for d in _decisions(processed, item.record_id))
    queue = stella.get("/queue").text
    assert "sam <small>until" in queue
    # /queue/next skips what another steward holds.
    nxt = stella.get("/queue/next")
    assert nxt.headers["location"] != f"/items/{item.record_id}"

    time.sleep(2.2)
    assert stella.get(f"/items/{item.record_id}").status_code == 200
    assert sam.get(f"/items/{item.record_id}").status_code == 409


def test_releasing_an_item_frees_it_for_others(processed, browser) -> None:
    item = _queue(processed)[0]
    sam, stella = browser("sam"), browser("stella")
    assert sam.get(f"/items/{item.record_id}").status_code == 200
    assert sam.post(f"/items/{item.record_id}/release").status_code == 303
    assert stella.get(f"/items/{item.record_id}").status_code == 200


def test_a_field_correction_is_a_decision_of_its_own(processed, browser) -> None:
    item = _queue(processed)[0]
    steward = browser("sam")
    steward.get(f"/items/{item.record_id}")
    response = steward.post(
        f"/items/{item.record_id}/correct",
        {"field": "full_name", "value": "Nguyễn Văn Chỉnh", "reason": "ink blot"},
    )
    assert response.status_code == 303
    stored = _decisions(processed, item.record_id)[-1]
    assert stored.kind == DecisionKind.STEWARD_CORRECT_FIELD
    assert stored.payload == {
        "field": "full_name",
        "value": "Nguyễn Văn Chỉnh",
        "record_field": "full_name",
    }
    assert stored.reason == "ink blot"
    # The item still waits for its match decision, and shows the steward's value.
    assert item.record_id in {i.record_id for i in _queue(processed)}
    assert "Nguyễn Văn Chỉnh" in steward.get(f"/items/{item.record_id}").text
    bad = steward.post(f"/items/{item.record_id}/correct", {"field": "salary", "value": "1"})
    assert bad.status_code == 400


def test_dashboard_counts_statuses_and_charts_steward_throughput(processed, browser) -> None:
    item = _queue(processed)[0]
    steward = browser("sam")
    steward.get(f"/items/{item.record_id}")
    steward.post(f"/items/{item.record_id}/decide", {"action": "new_person"})
    page = browser("cleo").get("/dashboard")
    assert page.status_code == 200
    assert "<svg" in page.text and 'class="bar"' in page.text
    assert "1 steward decisions" in page.text
    to_review = len(_queue(processed))
    assert f'<dd id="count-to-review">{to_review}</dd>' in page.text
    with processed.store.connect() as connection:
        records = connection.scalar(select(func.count()).select_from(Decision.__table__))
    assert records
    assert "batch-1" in page.text
