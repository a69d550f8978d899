"""Users, sign-in sessions and sign-in attempts of the review app.

Passwords arrive here already hashed (the review app hashes them with argon2); session tokens
arrive as their SHA-256, so a copy of the store lets nobody sign in. Sign-in attempts are rows,
not process memory, so the rate limit holds across every worker of the app.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, func, select

from civreg.errors import DataValidationError
from schemas.store import LoginAttempt, Role, UserAccount, UserSession, utcnow
from store._session import Bind, reading, writing

USERNAME_PATTERN = r"^[a-z0-9][a-z0-9._-]{1,99}$"


@dataclass(frozen=True)
class Account:
    """A user as the app sees it (never the hash)."""

    username: str
    role: Role
    active: bool


def _account(row: UserAccount) -> Account:
    return Account(row.username, Role(row.role), row.active)


def add_user(bind: Bind, username: str, password_hash: str, role: Role) -> Account:
    """Create a user; :class:`DataValidationError` when the name is taken."""
    with writing(bind) as session:
        if session.get(UserAccount, username) is not None:
            raise DataValidationError(f"user {username!r} already exists")
        row = UserAccount(username=username, password_hash=password_hash, role=role, active=True)
        session.add(row)
        session.flush()
        return _account(row)


def update_user(
    bind: Bind,
    username: str,
    *,
    role: Role | None = None,
    active: bool | None = None,
    password_hash: str | None = None,
) -> Account:
    """Change a user's role, activity or password; a deactivated user's sessions end."""
    with writing(bind) as session:
        row = session.get(UserAccount, username)
        if row is None:
            raise DataValidationError(f"no user {username!r}")
        if role is not None:
            row.role = role
        if active is not None:
            row.active = active
        if password_hash is not None:
            row.password_hash = password_hash
        if active is False or password_hash is not None:
            session.execute(delete(UserSession).where(UserSession.username == username))
        session.flush()
        return _account(row)


def credentials(bind: Bind, username: str) -> tuple[Account, str] | None:
    """The user and their password hash, or ``None`` for an unknown name."""
    with reading(bind) as session:
        row = session.get(UserAccount, username)
        return None if row is None else (_account(row), row.password_hash)


def list_users(bind: Bind) -> list[Account]:
    """Every user, by name."""
    with reading(bind) as session:
        return [_account(r) for r in session.scalars(select(UserAccount).order_by("username"))]


def count_admins(bind: Bind) -> int:
    """Active admins (the last one cannot be demoted or deactivated)."""
    with reading(bind) as session:
        return (
            session.scalar(
                select(func.count())
                .select_from(UserAccount)
                .where(UserAccount.role == Role.ADMIN, UserAccount.active)
            )
            or 0
        )


def open_session(
    bind: Bind, username: str, token_hash: str, csrf_token: str, expires_at: dt.datetime
) -> None:
    """Record a signed-in session; expired sessions of anyone are cleared on the way."""
    now = utcnow()
    with writing(bind) as session:
        session.execute(delete(UserSession).where(UserSession.expires_at < now))
        session.add(
            UserSession(
                token_hash=token_hash,
                username=username,
                csrf_token=csrf_token,
                created_at=now,
                expires_at=expires_at,
            )
        )


def session_account(bind: Bind, token_hash: str) -> tuple[Account, str] | None:
    """The active user of an unexpired session and its CSRF token, else ``None``."""
    with reading(bind) as session:
        row = session.execute(
            select(UserAccount, UserSession.csrf_token)
            .join(UserSession, UserSession.username == UserAccount.username)
            .where(UserSession.token_hash == token_hash, UserSession.expires_at > utcnow())
        ).first()
        if row is None or not row[0].active:
            return None
        return _account(row[0]), row[1]


def close_session(bind: Bind, token_hash: str) -> None:
    """End a session (signing out)."""
    with writing(bind) as session:
        session.execute(delete(UserSession).where(UserSession.token_hash == token_hash))


def record_attempt(bind: Bind, attempt_key: str, succeeded: bool) -> None:
    """Remember one sign-in attempt under its (hashed) user-and-address key."""
    with writing(bind) as session:
        session.add(LoginAttempt(attempt_key=attempt_key, succeeded=succeeded, created_at=utcnow()))


def failures_since(bind: Bind, attempt_key: str, since: dt.datetime) -> int:
    """Failed attempts under ``attempt_key`` after ``since`` and after the last success."""
    with reading(bind) as session:
        last_success = session.scalar(
            select(func.max(LoginAttempt.created_at)).where(
                LoginAttempt.attempt_key == attempt_key, LoginAttempt.succeeded
            )
        )
        start = max(since, last_success) if last_success is not None else since
        return (
            session.scalar(
                select(func.count())
                .select_from(LoginAttempt)
                .where(
                    LoginAttempt.attempt_key == attempt_key,
                    LoginAttempt.created_at > start,
                    LoginAttempt.succeeded.is_(False),
                )
            )
            or 0
        )
