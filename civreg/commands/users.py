"""``civreg users``: accounts of the review app (the first admin is made here)."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console

from civreg.db import make_engine
from civreg.errors import CivregError, DataValidationError
from civreg.migrate import upgrade_store
from civreg.settings import get_settings
from schemas.store import Role
from store.accounts import USERNAME_PATTERN, add_user, list_users, update_user
from store.audit import AuditEntry, append_audit

app = typer.Typer(help="Users of the review app: add, list, set a password.")
console = Console()
err_console = Console(stderr=True, soft_wrap=True)


@contextmanager
def _reported() -> Iterator[None]:
    """A civreg error as one line and its exit code (the rest of the CLI does the same)."""
    try:
        yield
    except CivregError as exc:
        err_console.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(int(exc.exit_code)) from exc


def _password(from_stdin: bool) -> str:
    from review.security import MIN_PASSWORD_LENGTH

    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DataValidationError(f"a password has at least {MIN_PASSWORD_LENGTH} characters")
    return password


def _store_url(store_url: str | None) -> str:
    url = store_url or get_settings().resolved_store_url
    upgrade_store(url)
    return url


STORE_URL = typer.Option(
    None, "--store-url", help="Work store URL (default: CIVREG_STORE_URL or var/civreg.db)."
)
PASSWORD_STDIN = typer.Option(
    False, "--password-stdin", help="Read the password from the first line of standard input."
)


@app.command("add")
def add(
    name: str = typer.Argument(..., help="User name: 2-100 of a-z, 0-9, '.', '_', '-'."),
    role: Role = typer.Option(..., "--role", help="clerk, steward or admin."),
    password_stdin: bool = PASSWORD_STDIN,
    store_url: str | None = STORE_URL,
) -> None:
    """Create a user (the password is prompted for, or read from standard input)."""
    from review.security import hash_password

    username = name.strip().lower()
    with _reported():
        if not re.match(USERNAME_PATTERN, username):
            raise DataValidationError(f"user name {name!r}: 2-100 of a-z, 0-9, '.', '_', '-'")
        password = _password(password_stdin)
        engine = make_engine(_store_url(store_url))
        try:
            add_user(engine, username, hash_password(password), role)
            append_audit(
                engine, AuditEntry("cli", "user.created", "user", username, {"role": role})
            )
        finally:
            engine.dispose()
    console.print(f"user {username} added as {role.value}")


@app.command("passwd")
def passwd(
    name: str = typer.Argument(..., help="User name."),
    password_stdin: bool = PASSWORD_STDIN,
    store_url: str | None = STORE_URL,
) -> None:
    """Set a new password (the user's sessions end)."""
    from review.security import hash_password

    with _reported():
        password = _password(password_stdin)
        engine = make_engine(_store_url(store_url))
        try:
            update_user(engine, name.strip().lower(), password_hash=hash_password(password))
        finally:
            engine.dispose()
    console.print(f"password of {name} changed")


@app.command("list")
def list_(store_url: str | None = STORE_URL) -> None:
    """Users with their role and whether they are active."""
    with _reported():
        url = _store_url(store_url)
    engine = make_engine(url)
    try:
        for account in list_users(engine):
            state = "active" if account.active else "inactive"
            typer.echo(f"{account.username}\t{account.role.value}\t{state}")
    finally:
        engine.dispose()
