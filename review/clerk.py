"""The clerks' pages: upload a batch of scans, follow its run, see its quarantined files.

An upload is checked before anything is stored: a safe file name, a size limit per file, and the
real type of the bytes (:mod:`ocr.sniff`, as ingest does); a batch with any refused file is
refused whole, naming each file and why. Accepted files land in ``<inbox>/<batch id>/`` and the
batch runs ``process-batch`` in the app's background worker.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import PurePath

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData, UploadFile

from ocr.sniff import HEAD_BYTES, TAIL_BYTES, FileKind, sniff_bytes
from review.deps import ANYONE, CLERKS, CurrentUser, ReviewContext, context, form_of, require
from store.audit import AuditEntry, append_audit
from store.review import add_upload, batch_id_taken, batch_progress

router = APIRouter()

BATCH_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
FILE_NAME = re.compile(r"^[^/\\\x00]{1,200}$")
ACCEPTED = (FileKind.PNG, FileKind.JPEG, FileKind.TIFF, FileKind.PDF)


def _render(
    ctx: ReviewContext, request: Request, name: str, user: CurrentUser, status: int = 200, **data
) -> Response:
    return ctx.templates.TemplateResponse(
        request, name, {"user": user, "csrf": user.csrf_token, **data}, status_code=status
    )


@router.get("/batches", response_class=HTMLResponse)
def batches(
    request: Request,
    ctx: ReviewContext = Depends(context),
    user: CurrentUser = Depends(require(*ANYONE)),
) -> Response:
    return _render(
        ctx,
        request,
        "batches.html",
        user,
        batches=batch_progress(ctx.store),
        errors=[],
        max_mb=ctx.config.max_upload_bytes // (1024 * 1024),
    )


async def _check(upload: UploadFile, limit: int) -> str | None:
    """Why a file is refused, or ``None`` when it may be stored."""
    name = upload.filename or ""
    if not FILE_NAME.match(name) or PurePath(name).name != name or name.startswith("."):
        return "not a plain file name"
    size = upload.size if upload.size is not None else 0
    if size > limit:
        return f"{size / 1e6:.1f} MB, above the {limit / 1e6:.0f} MB limit"
    await upload.seek(0)
    head = await upload.read(HEAD_BYTES)
    if size > HEAD_BYTES:
        await upload.seek(max(size - TAIL_BYTES, 0))
        tail = await upload.read(TAIL_BYTES)
    else:
        tail = head
    await upload.seek(0)
    sniffed = sniff_bytes(head, tail, size)
    if sniffed.kind not in ACCEPTED:
        return f"{sniffed.looks_like}: only PDF, TIFF, PNG and JPEG scans are accepted"
    if sniffed.truncated:
        return f"{sniffed.looks_like}, cut short (the upload or the file is incomplete)"
    return None


@router.post("/batches")
async def upload(
    request: Request,
    ctx: ReviewContext = Depends(context),
    user_form: tuple[CurrentUser, FormData] = Depends(form_of(*CLERKS)),
) -> Response:
    """Store an uploaded batch in the inbox and start its run."""
    user, form = user_form
    files = [f for f in form.getlist("files") if isinstance(f, UploadFile) and f.filename]
    name = form.get("batch_id")
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
    batch_id = name.strip() if isinstance(name, str) and name.strip() else f"upload-{stamp}"
    errors: list[str] = []
    if not BATCH_ID.match(batch_id):
        errors.append(f"batch name {batch_id!r}: letters, digits, '.', '-' and '_' only")
    elif batch_id_taken(ctx.store, batch_id) or (ctx.inbox_dir / batch_id).exists():
        errors.append(f"batch {batch_id!r} already exists; choose another name")
    if not files:
        errors.append("choose at least one file")
    if len(files) > ctx.config.max_files:
        errors.append(f"{len(files)} files: at most {ctx.config.max_files} per batch")
    names = [f.filename for f in files]
    if len(set(names)) != len(names):
        errors.append("two files have the same name")
    for file in files:
        problem = await _check(file, ctx.config.max_upload_bytes)
        if problem:
            errors.append(f"{file.filename}: {problem}")
    if errors:
        return _render(
            ctx,
            request,
            "batches.html",
            user,
            status=400,
            batches=batch_progress(ctx.store),
            errors=errors,
            max_mb=ctx.config.max_upload_bytes // (1024 * 1024),
        )
    target = ctx.inbox_dir / batch_id
    partial = target.with_name(f".{batch_id}.uploading")
    partial.mkdir(parents=True)
    total = 0
    try:
        for file in files:
            await file.seek(0)
            with (partial / str(file.filename)).open("wb") as handle:
                while chunk := await file.read(1 << 20):
                    handle.write(chunk)
                    total += len(chunk)
        partial.rename(target)  # the batch appears in the inbox whole or not at all
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    add_upload(ctx.store, batch_id, user.username, len(files), total)
    append_audit(
        ctx.store,
        AuditEntry(user.username, "batch.uploaded", "batch", batch_id, {"files": len(files)}),
    )
    ctx.worker.submit(target.resolve(), batch_id, user.username)
    return RedirectResponse(f"/batches/{batch_id}", status_code=303)


@router.get("/batches/{batch_id}", response_class=HTMLResponse)
def batch_page(
    request: Request,
    batch_id: str,
    ctx: ReviewContext = Depends(context),
    user: CurrentUser = Depends(require(*ANYONE)),
) -> Response:
    found = batch_progress(ctx.store, batch_id)
    if not found:
        raise HTTPException(404, f"no batch {batch_id}")
    return _render(ctx, request, "batch.html", user, batch=found[0])
