"""What every route depends on: the app's context, the signed-in user, roles and CSRF.

No page is served without a session: :func:`current_user` raises :class:`LoginRequiredError`, which
the app turns into a redirect to the sign-in page (or a 401 for anything but a page view). Role
checks are dependencies (:func:`require`), and every state-changing route depends on
:func:`form_of`, which refuses a form whose CSRF token is not the session's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import Depends, HTTPException, Request
from fastapi.templating import Jinja2Templates
from sqlalchemy import Engine
from starlette.datastructures import FormData

from civreg.settings import Settings
from review.crops import PageCache
from review.security import same_token, token_hash
from review.worker import BatchWorker
from schemas.store import Role
from store.accounts import Account, session_account

SESSION_COOKIE = "civreg_session"
LOGIN_CSRF_COOKIE = "civreg_login_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


@dataclass(frozen=True)
class ReviewConfig:
    """Limits of the review app, from the settings (tests shorten some)."""

    lock_ttl: dt.timedelta
    session_ttl: dt.timedelta
    max_upload_bytes: int
    low_confidence: float
    max_files: int = 500
    max_request_bytes: int = 4 * 1024**3
    login_max_failures: int = 5
    login_window: dt.timedelta = dt.timedelta(minutes=15)
    secure_cookies: bool = False

    @classmethod
    def from_settings(cls, settings: Settings) -> ReviewConfig:
        return cls(
            lock_ttl=dt.timedelta(minutes=settings.review_lock_minutes),
            session_ttl=dt.timedelta(hours=settings.review_session_hours),
            max_upload_bytes=settings.review_max_upload_mb * 1024 * 1024,
            low_confidence=settings.review_low_confidence,
            secure_cookies=settings.review_secure_cookies,
        )


@dataclass
class ReviewContext:
    """Everything routes share, built once by the app factory."""

    settings: Settings
    config: ReviewConfig
    store: Engine
    population: Engine
    templates: Jinja2Templates
    worker: BatchWorker
    pages: PageCache

    @property
    def inbox_dir(self) -> Path:
        return self.settings.inbox_dir


class LoginRequiredError(Exception):
    """The request has no valid session."""


def context(request: Request) -> ReviewContext:
    """The app's shared context."""
    return request.app.state.review


@dataclass(frozen=True)
class CurrentUser:
    """The signed-in user, with their session's CSRF token."""

    account: Account
    csrf_token: str

    @property
    def username(self) -> str:
        return self.account.username

    @property
    def role(self) -> Role:
        return self.account.role

    def can(self, *roles: Role) -> bool:
        return self.account.role in roles


def current_user(request: Request, ctx: ReviewContext = Depends(context)) -> CurrentUser:
    """The user of the session cookie; :class:`LoginRequiredError` without a valid one."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise LoginRequiredError
    found = session_account(ctx.store, token_hash(token))
    if found is None:
        raise LoginRequiredError
    return CurrentUser(*found)


def require(*roles: Role) -> Callable[..., CurrentUser]:
    """A dependency admitting only users of ``roles`` (403 for the others)."""

    def dependency(user: CurrentUser = Depends(current_user)) -> CurrentUser:
        if user.role not in roles:
            raise HTTPException(403, f"a {user.role.value} cannot do this")
        return user

    return dependency


STEWARDS = (Role.STEWARD, Role.ADMIN)
CLERKS = (Role.CLERK, Role.ADMIN)
ANYONE = tuple(Role)


def form_of(*roles: Role) -> Callable[..., Coroutine[Any, Any, tuple[CurrentUser, FormData]]]:
    """A dependency for POSTs: the user (of ``roles``) and the form, its CSRF token checked."""
    role_check = require(*roles)

    async def dependency(
        request: Request, user: CurrentUser = Depends(role_check)
    ) -> tuple[CurrentUser, FormData]:
        form = await request.form()
        given = form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER)
        if not same_token(user.csrf_token, given if isinstance(given, str) else None):
            raise HTTPException(403, "the form's CSRF token is missing or wrong; reload the page")
        return user, form

    return dependency
