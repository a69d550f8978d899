"""The admins' pages: users and roles, the matching decision thresholds, and the audit log."""

from __future__ import annotations

import re

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from civreg.errors import DataValidationError
from matching.decide import DecisionOptions
from review.deps import CurrentUser, ReviewContext, context, form_of, require
from review.security import MIN_PASSWORD_LENGTH, hash_password
from schemas.store import Role, utcnow
from store.accounts import USERNAME_PATTERN, add_user, count_admins, list_users, update_user
from store.audit import AuditEntry, append_audit
from store.review import audit_log
from store.thresholds import (
    DEFAULTS,
    decision_bands,
    set_thresholds,
    threshold_history,
    thresholds_in_force,
)

router = APIRouter(prefix="/admin")
ADMIN = Role.ADMIN


def _render(
    ctx: ReviewContext, request: Request, name: str, user: CurrentUser, status: int = 200, **data
) -> Response:
    return ctx.templates.TemplateResponse(
        request, name, {"user": user, "csrf": user.csrf_token, **data}, status_code=status
    )


def _field(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _role(raw: str) -> Role:
    try:
        return Role(raw)
    except ValueError as exc:
        raise HTTPException(400, f"no role {raw!r} (clerk, steward or admin)") from exc


@router.get("/users", response_class=HTMLResponse)
def users(
    request: Request,
    ctx: ReviewContext = Depends(context),
    user: CurrentUser = Depends(require(ADMIN)),
) -> Response:
    return _render(ctx, request, "users.html", user, users=list_users(ctx.store), roles=list(Role))


@router.post("/users")
def create_user(
    ctx: ReviewContext = Depends(context),
    user_form: tuple[CurrentUser, FormData] = Depends(form_of(ADMIN)),
) -> Response:
    user, form = user_form
    username = _field(form, "username").lower()
    password = form.get("password")
    role = _role(_field(form, "role"))
    if not re.match(USERNAME_PATTERN, username):
        raise HTTPException(400, "user names: 2-100 of a-z, 0-9, '.', '_', '-'")
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH:
        raise HTTPException(400, f"passwords have at least {MIN_PASSWORD_LENGTH} characters")
    try:
        add_user(ctx.store, username, hash_password(password), role)
    except DataValidationError as exc:
        raise HTTPException(409, str(exc)) from exc
    append_audit(
        ctx.store, AuditEntry(user.username, "user.created", "user", username, {"role": role})
    )
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/users/{username}")
def change_user(
    username: str,
    ctx: ReviewContext = Depends(context),
    user_form: tuple[CurrentUser, FormData] = Depends(form_of(ADMIN)),
) -> Response:
    """Change a user's role or activity, or set a new password."""
    user, form = user_form
    role = _role(_field(form, "role")) if _field(form, "role") else None
    active = {"yes": True, "no": False}.get(_field(form, "active"))
    password = form.get("password")
    new_hash = None
    if isinstance(password, str) and password:
        if len(password) < MIN_PASSWORD_LENGTH:
            raise HTTPException(400, f"passwords have at least {MIN_PASSWORD_LENGTH} characters")
        new_hash = hash_password(password)
    target = next((u for u in list_users(ctx.store) if u.username == username), None)
    if target is None:
        raise HTTPException(404, f"no user {username!r}")
    losing_admin = (
        target.role is Role.ADMIN
        and target.active
        and ((role is not None and role is not Role.ADMIN) or active is False)
    )
    if losing_admin and count_admins(ctx.store) <= 1:
        raise HTTPException(409, "the last active admin cannot be demoted or deactivated")
    updated = update_user(ctx.store, username, role=role, active=active, password_hash=new_hash)
    append_audit(
        ctx.store,
        AuditEntry(
            user.username,
            "user.changed",
            "user",
            username,
            {
                "role": updated.role.value,
                "active": updated.active,
                "password_changed": new_hash is not None,
                "at": utcnow().isoformat(),
            },
        ),
    )
    return RedirectResponse("/admin/users", status_code=303)


@router.get("/audit", response_class=HTMLResponse)
def audit(
    request: Request,
    actor: str | None = None,
    before: int | None = None,
    ctx: ReviewContext = Depends(context),
    user: CurrentUser = Depends(require(ADMIN)),
) -> Response:
    events = audit_log(ctx.store, actor=actor or None, before=before)
    return _render(ctx, request, "audit.html", user, events=events, actor=actor or "")


THRESHOLD_LABELS = {
    "auto_link_probability": "Auto-link probability",
    "review_probability": "Review probability",
    "min_lead_bits": "Minimum lead over the runner-up (bits)",
}
"""The form's fields, in order, with their labels (explanations come from the model)."""

BAND_LABELS = {
    "auto_linked": "Auto-linked",
    "review": "Waiting for a steward",
    "new_person": "New person (no plausible candidate)",
    "steward": "Decided by a steward (never re-decided)",
}


def _thresholds_page(
    ctx: ReviewContext,
    request: Request,
    user: CurrentUser,
    *,
    status: int = 200,
    error: str | None = None,
    submitted: dict[str, str] | None = None,
) -> Response:
    in_force = thresholds_in_force(ctx.store)
    history = threshold_history(ctx.store)
    by_version = {v.version: v.options for v in [DEFAULTS, *history]}
    fields = [
        {
            "name": name,
            "label": label,
            "explanation": DecisionOptions.model_fields[name].description or "",
            "value": getattr(in_force.options, name),
            "default": getattr(DEFAULTS.options, name),
            "submitted": (submitted or {}).get(name, str(getattr(in_force.options, name))),
        }
        for name, label in THRESHOLD_LABELS.items()
    ]
    changes = [
        {
            "version": v,
            "old": by_version.get(v.replaces if v.replaces is not None else -1),
            "new": v.options,
        }
        for v in history
    ]
    return _render(
        ctx,
        request,
        "thresholds.html",
        user,
        status,
        in_force=in_force,
        fields=fields,
        changes=changes,
        bands=[(BAND_LABELS[band], n) for band, n in decision_bands(ctx.store).items()],
        error=error,
        reason=(submitted or {}).get("reason", ""),
    )


@router.get("/thresholds", response_class=HTMLResponse)
def thresholds(
    request: Request,
    ctx: ReviewContext = Depends(context),
    user: CurrentUser = Depends(require(ADMIN)),
) -> Response:
    """The thresholds in force, explained, with their history and how records sit in bands."""
    return _thresholds_page(ctx, request, user)


@router.post("/thresholds")
def change_thresholds(
    request: Request,
    ctx: ReviewContext = Depends(context),
    user_form: tuple[CurrentUser, FormData] = Depends(form_of(ADMIN)),
) -> Response:
    """Save a new version of the thresholds; the next linking run decides with it."""
    user, form = user_form
    submitted = {name: _field(form, name) for name in [*THRESHOLD_LABELS, "reason"]}
    values: dict[str, float] = {}
    problems = []
    for name, label in THRESHOLD_LABELS.items():
        try:
            values[name] = float(submitted[name])
        except ValueError:
            problems.append(f"{label}: {submitted[name]!r} is not a number")
    try:
        if problems:
            raise DataValidationError("thresholds refused: " + "; ".join(problems))
        set_thresholds(ctx.store, values, user.username, submitted["reason"])
    except DataValidationError as exc:
        return _thresholds_page(ctx, request, user, status=400, error=str(exc), submitted=submitted)
    return RedirectResponse("/admin/thresholds", status_code=303)
