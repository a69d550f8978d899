"""The ``civreg`` command line.

Each group of commands lives in :mod:`civreg.commands` as its own typer app and is registered
here. Errors of the :class:`~civreg.errors.CivregError` hierarchy become a one-line message and
their stable exit code; anything else is a bug and shows its traceback.
"""

from __future__ import annotations

import sys

import typer
from rich.console import Console

from civreg import __version__
from civreg.errors import CivregError
from civreg.logging import configure_logging
from civreg.settings import get_settings

app = typer.Typer(
    name="civreg",
    help="Digitize civil-status registers and reconcile them with the population database.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
err_console = Console(stderr=True)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"civreg {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
    log_level: str = typer.Option(
        None, "--log-level", help="Log level (default from CIVREG_LOG_LEVEL, else INFO)."
    ),
) -> None:
    """civreg: registers in, reconciled records out."""
    configure_logging(log_level or get_settings().log_level)


def _register() -> None:
    # Imported here so that `civreg --help` stays fast and a broken optional group cannot
    # take the whole command down at import time of this module.
    from civreg.commands import (
        certificate,
        db,
        demo,
        ocr,
        population,
        review,
        run,
        status,
        synth,
        users,
    )

    app.add_typer(db.app, name="db")
    app.add_typer(population.app, name="population")
    app.add_typer(synth.app, name="synth")
    app.add_typer(status.app, name="status")
    app.add_typer(run.app, name="run")
    app.add_typer(demo.app, name="demo")
    app.add_typer(ocr.app, name="ocr")
    app.add_typer(certificate.app, name="certificate")
    app.add_typer(review.app, name="review")
    app.add_typer(users.app, name="users")


def main() -> None:
    """Entry point of the ``civreg`` script."""
    _register()
    try:
        app()
    except CivregError as exc:
        err_console.print(f"[bold red]error:[/] {exc}")
        sys.exit(int(exc.exit_code))
