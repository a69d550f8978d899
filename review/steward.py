"""The stewards' pages: the queue, an item with its candidates, decisions, transcription.

Every decision goes through :func:`store.matches.append_decision` with the steward's name, the
reason given and the form's one-time token as idempotency key (a double submit appends once),
and an audit event in the same transaction. A steward's decision is final for the pipeline:
later runs neither re-link the party nor overwrite it, and the next export reads it.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select
from starlette.datastructures import FormData

from certificates import (
    CertificateRefusedError,
    IssueContext,
    certificate_pdf_bytes,
    issue_certificate,
    record_certificates,
)
from civreg.errors import ConfigurationError, DataValidationError, InputFileError
from matching.population import PopulationAdapter
from review.crops import crop_png
from review.deps import (
    ANYONE,
    STEWARDS,
    CurrentUser,
    ReviewContext,
    context,
    form_of,
    require,
)
from review.views import (
    candidate_views,
    field_rows,
    party_of_field,
    person_field,
    record_field,
    throughput_svg,
)
from schemas.enums import DecisionKind, MatchStatus, RegisterType
from schemas.records import CivilRecordBase
from schemas.store import Batch, Party
from store import writing
from store.audit import AuditEntry, append_audit
from store.matches import (
    PARTIES,
    DecisionInput,
    StoredDecision,
    append_decision,
    latest_decisions,
    load_candidates,
)
from store.records import load_records
from store.review import (
    QueueFilter,
    acquire_lock,
    batch_progress,
    corrected_fields,
    daily_throughput,
    open_parties,
    queue_facets,
    release_lock,
    review_queue,
)
from store.status import stage_counts

log = logging.getLogger(__name__)
router = APIRouter()

ACTIONS: dict[str, DecisionKind] = {
    "link": DecisionKind.STEWARD_LINK,
    "new_person": DecisionKind.STEWARD_NEW_PERSON,
    "not_in_db": DecisionKind.STEWARD_NOT_IN_DB,
    "reject_unreadable": DecisionKind.STEWARD_REJECT,
    "reject_duplicate": DecisionKind.STEWARD_REJECT,
}
REJECT_AS = {"reject_unreadable": "unreadable", "reject_duplicate": "duplicate"}
MAX_REASON = 2000


def _render(
    ctx: ReviewContext, request: Request, name: str, user: CurrentUser, status: int = 200, **data
) -> Response:
    return ctx.templates.TemplateResponse(
        request, name, {"user": user, "csrf": user.csrf_token, **data}, status_code=status
    )


def _filters(
    register_type: str | None, ward: str | None, batch: str | None, reason: str | None
) -> QueueFilter:
    try:
        kind = RegisterType(register_type) if register_type else None
    except ValueError as exc:
        raise HTTPException(400, f"no register type {register_type!r}") from exc
    return QueueFilter(kind, ward or None, batch or None, reason or None)


@router.get("/queue", response_class=HTMLResponse)
def queue(
    request: Request,
    *,
    register_type: str | None = None,
    ward: str | None = None,
    batch: str | None = None,
    reason: str | None = None,
    ctx: ReviewContext = Depends(context),
    user: CurrentUser = Depends(require(*STEWARDS)),
) -> Response:
    filters = _filters(register_type, ward, batch, reason)
    everything = review_queue(ctx.store)
    items = review_queue(ctx.store, filters)
    return _render(
        ctx,
        request,
        "queue.html",
        user,
        items=items,
        facets=queue_facets(everything),
        filters=filters,
        total=len(everything),
    )


@router.get("/queue/next")
def next_item(
    ctx: ReviewContext = Depends(context), user: CurrentUser = Depends(require(*STEWARDS))
) -> Response:
    """The first item nobody else holds (the steward's own lock first)."""
    items = review_queue(ctx.store)
    for item in sorted(items, key=lambda i: i.locked_by != user.username):
        if item.locked_by in (None, user.username):
            return RedirectResponse(f"/items/{item.record_id}", status_code=303)
    return RedirectResponse("/queue", status_code=303)


@dataclass
class LoadedRecord:
    """A record with the decisions in force for its parties."""

    record: CivilRecordBase
    decisions: dict[Party, StoredDecision | None]


def _load(ctx: ReviewContext, record_id: str) -> LoadedRecord:
    stored = load_records(ctx.store, record_ids=[record_id])
    if not stored:
        raise HTTPException(404, f"no record {record_id}")
    record = stored[0].record
    in_force = latest_decisions(ctx.store, [record_id])
    decisions = {p: in_force.get((record_id, p)) for p in PARTIES[record.register_type]}
    return LoadedRecord(record, decisions)


def _lock_or_conflict(
    ctx: ReviewContext, request: Request, user: CurrentUser, record_id: str
) -> Response | None:
    lock = acquire_lock(ctx.store, record_id, user.username, ctx.config.lock_ttl)
    if lock.acquired:
        return None
    return _render(ctx, request, "locked.html", user, status=409, record_id=record_id, lock=lock)


@router.get("/items/{record_id}", response_class=HTMLResponse)
def item(
    request: Request,
    record_id: str,
    ctx: ReviewContext = Depends(context),
    user: CurrentUser = Depends(require(*STEWARDS)),
) -> Response:
    loaded = _load(ctx, record_id)
    conflict = _lock_or_conflict(ctx, request, user, record_id)
    if conflict is not None:
        return conflict
    record = loaded.record
    corrected = corrected_fields(ctx.store, [record_id]).get(record_id, {})
    parties = []
    open_now = {p for p, _ in open_parties(record.register_type, record_id, _as_map(loaded))}
    active = next((p for p in PARTIES[record.register_type] if p in open_now), None)
    adapter = PopulationAdapter(ctx.population)
    for party in PARTIES[record.register_type]:
        candidates = load_candidates(ctx.store, record_id, party)
        people = adapter.people([c.personal_id for c in candidates]) if candidates else {}
        views, comparisons = candidate_views(candidates, people)
        parties.append(
            {
                "party": party,
                "decision": loaded.decisions[party],
                "open": party in open_now,
                "active": party is active,
                "candidates": views,
                "comparisons": comparisons,
            }
        )
    return _render(
        ctx,
        request,
        "item.html",
        user,
        record=record,
        fields=field_rows(record, ctx.config.low_confidence, corrected),
        issues=record.issues,
        parties=parties,
        token=uuid.uuid4().hex,
        lock_minutes=int(ctx.config.lock_ttl.total_seconds() // 60),
        extracts=record_certificates(ctx.store, record_id),
    )


def _as_map(loaded: LoadedRecord) -> dict[tuple[str, Party], StoredDecision]:
    return {(loaded.record.record_id, p): d for p, d in loaded.decisions.items() if d is not None}


def _batch_dir(ctx: ReviewContext, batch_id: str) -> Path:
    with ctx.store.connect() as connection:
        inbox = connection.scalar(select(Batch.inbox_path).where(Batch.batch_id == batch_id))
    if inbox is None:
        raise HTTPException(404, f"no batch {batch_id}")
    return Path(inbox)


@router.get("/items/{record_id}/crop.png")
def crop(
    record_id: str,
    field: str | None = None,
    ctx: ReviewContext = Depends(context),
    _user: CurrentUser = Depends(require(*STEWARDS)),
) -> Response:
    """The scan region of the record (or of one field's cell) as PNG, from the source file."""
    record = _load(ctx, record_id).record
    provenance = record.provenance
    box, page_number = provenance.bbox, provenance.page_number
    if field is not None:
        value = record_field(record, field)
        if value is None or value.bbox is None:
            raise HTTPException(404, f"record {record_id} has no box for field {field!r}")
        box, page_number = value.bbox, value.page_number or provenance.page_number
    path = _batch_dir(ctx, provenance.batch_id) / provenance.source_path
    try:
        image = ctx.pages.page(path, provenance.source_path, provenance.source_sha256, page_number)
        data = crop_png(image, box)
    except (InputFileError, DataValidationError) as exc:
        raise HTTPException(410, str(exc)) from exc
    return Response(data, media_type="image/png", headers={"Cache-Control": "private, max-age=300"})


def _text(form: FormData, name: str, limit: int = MAX_REASON) -> str | None:
    value = form.get(name)
    if not isinstance(value, str) or not value.strip():
        return None
    if len(value) > limit:
        raise HTTPException(400, f"{name} is longer than {limit} characters")
    return value.strip()


def _party(record: CivilRecordBase, form: FormData) -> Party:
    raw = _text(form, "party") or PARTIES[record.register_type][0].value
    try:
        party = Party(raw)
    except ValueError as exc:
        raise HTTPException(400, f"no party {raw!r}") from exc
    if party not in PARTIES[record.register_type]:
        raise HTTPException(400, f"a {record.register_type.value} record has no {party.value}")
    return party


def _hold_lock(ctx: ReviewContext, user: CurrentUser, record_id: str) -> None:
    lock = acquire_lock(ctx.store, record_id, user.username, ctx.config.lock_ttl)
    if not lock.acquired:
        raise HTTPException(409, f"{lock.holder} holds this item; it was not changed")


def _append(ctx: ReviewContext, decision: DecisionInput, audit_detail: dict[str, Any]) -> None:
    """The decision and its audit event, in one transaction."""
    with writing(ctx.store) as session:
        outcome = append_decision(session, decision)
        stored = outcome.decision
        append_audit(
            session,
            AuditEntry(
                actor=decision.actor,
                action=f"decision.{decision.kind.value}",
                subject_type="record",
                subject_id=decision.record_id,
                detail={
                    **audit_detail,
                    "party": decision.party.value,
                    "outcome": outcome.outcome.value,
                    "decision_id": stored.decision_id if stored else None,
                    "reason": decision.reason,
                },
            ),
        )


def _after_decision(ctx: ReviewContext, user: CurrentUser, record_id: str) -> Response:
    loaded = _load(ctx, record_id)
    if open_parties(loaded.record.register_type, record_id, _as_map(loaded)):
        return RedirectResponse(f"/items/{record_id}", status_code=303)
    release_lock(ctx.store, record_id, user.username)
    return RedirectResponse("/queue/next", status_code=303)


@router.post("/items/{record_id}/decide")
def decide(
    record_id: str,
    ctx: ReviewContext = Depends(context),
    user_form: tuple[CurrentUser, FormData] = Depends(form_of(*STEWARDS)),
) -> Response:
    """Link to a candidate, new person, not in the population DB, or reject."""
    user, form = user_form
    loaded = _load(ctx, record_id)
    record = loaded.record
    party = _party(record, form)
    action = _text(form, "action") or ""
    personal_id = _text(form, "personal_id", 12)
    if action.startswith("link:"):  # the link buttons carry their candidate
        action, personal_id = "link", action.removeprefix("link:")
    if action not in ACTIONS:
        raise HTTPException(400, f"unknown action {action!r}")
    _hold_lock(ctx, user, record_id)
    kind = ACTIONS[action]
    score = None
    if kind is not DecisionKind.STEWARD_LINK:
        personal_id = None
    else:
        chosen = [
            c for c in load_candidates(ctx.store, record_id, party) if c.personal_id == personal_id
        ]
        if not chosen:
            raise HTTPException(400, "link to one of this party's candidates")
        score = chosen[0].score
    token = _text(form, "token", 64)
    try:
        decision = DecisionInput(
            record_id=record_id,
            party=party,
            kind=kind,
            actor=user.username,
            personal_id=personal_id,
            score=score,
            reason=_text(form, "reason"),
            payload={"reject_as": REJECT_AS[action]} if action in REJECT_AS else {},
            idempotency_key=f"review:{token}:{party.value}" if token else None,
        )
    except ValidationError as exc:
        raise HTTPException(400, str(exc.errors()[0]["msg"])) from exc
    _append(ctx, decision, {"action": action, "personal_id": personal_id})
    return _after_decision(ctx, user, record_id)


def _correction(
    record: CivilRecordBase,
    user: CurrentUser,
    name: str,
    *,
    value: str | None,
    reason: str | None,
    token: str | None,
) -> DecisionInput:
    if record_field(record, name) is None:
        raise HTTPException(400, f"a {record.register_type.value} record has no field {name!r}")
    party = party_of_field(name)
    if party not in PARTIES[record.register_type]:
        party = PARTIES[record.register_type][0]
    return DecisionInput(
        record_id=record.record_id,
        party=party,
        kind=DecisionKind.STEWARD_CORRECT_FIELD,
        actor=user.username,
        reason=reason,
        payload={"field": person_field(name), "value": value, "record_field": name},
        idempotency_key=f"review:{token}:{name}" if token else None,
    )


@router.post("/items/{record_id}/correct")
def correct(
    record_id: str,
    ctx: ReviewContext = Depends(context),
    user_form: tuple[CurrentUser, FormData] = Depends(form_of(*STEWARDS)),
) -> Response:
    """Correct one field's value (a decision of its own; the match decisions stay)."""
    user, form = user_form
    record = _load(ctx, record_id).record
    name = _text(form, "field", 100) or ""
    _hold_lock(ctx, user, record_id)
    decision = _correction(
        record,
        user,
        name,
        value=_text(form, "value"),
        reason=_text(form, "reason"),
        token=_text(form, "token", 64),
    )
    _append(ctx, decision, {"action": "correct", "field": name})
    return RedirectResponse(f"/items/{record_id}", status_code=303)


@router.post("/items/{record_id}/certificate")
def issue_extract(
    record_id: str,
    ctx: ReviewContext = Depends(context),
    user_form: tuple[CurrentUser, FormData] = Depends(form_of(*STEWARDS)),
) -> Response:
    """Issue the record's signed extract (or keep the one in force) and download it."""
    user, _form = user_form
    _load(ctx, record_id)
    try:
        issued = issue_certificate(
            IssueContext.from_settings(ctx.settings, ctx.store), record_id, actor=user.username
        )
    except CertificateRefusedError as exc:
        raise HTTPException(409, f"No extract issued: {exc.reason}.") from exc
    except ConfigurationError as exc:  # no ward key configured: the admin's to fix
        raise HTTPException(503, f"Extracts cannot be signed here: {exc}") from exc
    return RedirectResponse(f"/certificates/{issued.certificate_id}.pdf", status_code=303)


@router.get("/certificates/{certificate_id}.pdf")
def download_extract(
    certificate_id: str,
    ctx: ReviewContext = Depends(context),
    _user: CurrentUser = Depends(require(*STEWARDS)),
) -> Response:
    """An issued extract's PDF, checked against the hash recorded at issue."""
    try:
        directory = ctx.settings.resolved_certificates_dir
        data = certificate_pdf_bytes(ctx.store, directory, certificate_id)
    except DataValidationError as exc:
        raise HTTPException(404, str(exc)) from exc
    except InputFileError as exc:  # missing or changed on disk since issue
        raise HTTPException(410, str(exc)) from exc
    return Response(
        data,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="extract-{certificate_id}.pdf"'},
    )


@router.post("/items/{record_id}/release")
def release(
    record_id: str,
    ctx: ReviewContext = Depends(context),
    user_form: tuple[CurrentUser, FormData] = Depends(form_of(*STEWARDS)),
) -> Response:
    """Give the item back to the queue without deciding."""
    user, _ = user_form
    release_lock(ctx.store, record_id, user.username)
    return RedirectResponse("/queue", status_code=303)


# --- transcription --------------------------------------------------------------------------


def _to_transcribe(ctx: ReviewContext) -> list[tuple[CivilRecordBase, list[str]]]:
    """Records with low-confidence fields no steward has transcribed yet, and those fields."""
    records = [s.record for s in load_records(ctx.store)]
    corrected = corrected_fields(ctx.store, [r.record_id for r in records])
    decisions = latest_decisions(ctx.store)
    found = []
    for record in records:
        statuses = {
            decisions[(record.record_id, p)].status
            for p in PARTIES[record.register_type]
            if (record.record_id, p) in decisions
        }
        if MatchStatus.REJECTED in statuses:
            continue
        done = corrected.get(record.record_id, {})
        low = [
            row.name
            for row in field_rows(record, ctx.config.low_confidence, done)
            if row.low and row.name not in done
        ]
        if low:
            found.append((record, low))
    return found


@router.get("/transcribe", response_class=HTMLResponse)
def transcription_queue(
    request: Request,
    ctx: ReviewContext = Depends(context),
    user: CurrentUser = Depends(require(*STEWARDS)),
) -> Response:
    return _render(ctx, request, "transcribe_queue.html", user, entries=_to_transcribe(ctx))


@router.get("/transcribe/{record_id}", response_class=HTMLResponse)
def transcribe(
    request: Request,
    record_id: str,
    ctx: ReviewContext = Depends(context),
    user: CurrentUser = Depends(require(*STEWARDS)),
) -> Response:
    record = _load(ctx, record_id).record
    conflict = _lock_or_conflict(ctx, request, user, record_id)
    if conflict is not None:
        return conflict
    corrected = corrected_fields(ctx.store, [record_id]).get(record_id, {})
    rows = [r for r in field_rows(record, ctx.config.low_confidence, corrected) if r.low]
    return _render(
        ctx, request, "transcribe.html", user, record=record, rows=rows, token=uuid.uuid4().hex
    )


@router.post("/transcribe/{record_id}")
def save_transcription(
    record_id: str,
    ctx: ReviewContext = Depends(context),
    user_form: tuple[CurrentUser, FormData] = Depends(form_of(*STEWARDS)),
) -> Response:
    """One correction decision per transcribed field (the text as the steward reads it)."""
    user, form = user_form
    record = _load(ctx, record_id).record
    _hold_lock(ctx, user, record_id)
    token = _text(form, "token", 64)
    names = [k.removeprefix("value:") for k in form if k.startswith("value:")]
    if not names:
        raise HTTPException(400, "no field to transcribe in the form")
    for name in names:
        raw = form.get(f"value:{name}")
        value = raw.strip() if isinstance(raw, str) and raw.strip() else None
        decision = _correction(record, user, name, value=value, reason="transcription", token=token)
        _append(ctx, decision, {"action": "transcribe", "field": name})
    release_lock(ctx.store, record_id, user.username)
    return RedirectResponse("/transcribe", status_code=303)


# --- dashboard ------------------------------------------------------------------------------


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard(
    request: Request,
    ctx: ReviewContext = Depends(context),
    user: CurrentUser = Depends(require(*ANYONE)),
) -> Response:
    counts = stage_counts(ctx.store)
    days = daily_throughput(ctx.store)
    return _render(
        ctx,
        request,
        "dashboard.html",
        user,
        counts=counts,
        batches=batch_progress(ctx.store),
        chart=throughput_svg(days),
        days=days,
    )
