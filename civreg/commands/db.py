"""``civreg db``: create, upgrade and inspect the schemas of the two databases."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from civreg.errors import CivregError
from civreg.migrate import (
    MigrationTarget,
    current_revision,
    head_revision,
    safe_url,
    upgrade,
)
from civreg.settings import get_settings

app = typer.Typer(help="Work store and population DB schemas.", no_args_is_help=True)
console = Console()
err_console = Console(stderr=True, soft_wrap=True)  # messages name files: never wrap them

STORE_URL_OPTION = typer.Option(
    None, "--store-url", help="Work store URL (default: CIVREG_STORE_URL or var/civreg.db)."
)
POPULATION_URL_OPTION = typer.Option(
    None,
    "--population-url",
    help="Population DB URL (default: CIVREG_POPULATION_URL or var/population.db).",
)
LABELS = {MigrationTarget.STORE: "work store", MigrationTarget.POPULATION: "population DB"}


def _urls(store_url: str | None, population_url: str | None) -> dict[MigrationTarget, str]:
    settings = get_settings()
    return {
        MigrationTarget.STORE: store_url or settings.resolved_store_url,
        MigrationTarget.POPULATION: population_url or settings.resolved_population_url,
    }


def _fail(exc: CivregError) -> typer.Exit:
    err_console.print(f"[bold red]error:[/] {exc}")
    return typer.Exit(int(exc.exit_code))


@app.command("upgrade")
def upgrade_command(
    store_url: str | None = STORE_URL_OPTION,
    population_url: str | None = POPULATION_URL_OPTION,
) -> None:
    """Create or upgrade both schemas to the latest revision (safe to run again)."""
    for target, url in _urls(store_url, population_url).items():
        try:
            revision = upgrade(target, url)
        except CivregError as exc:
            raise _fail(exc) from exc
        console.print(f"{LABELS[target]}: {safe_url(url)} at revision [bold]{revision}[/]")


@app.command("current")
def current_command(
    store_url: str | None = STORE_URL_OPTION,
    population_url: str | None = POPULATION_URL_OPTION,
) -> None:
    """Show the revision each database is at, beside the latest one."""
    table = Table("database", "URL", "revision", "latest", "up to date")
    for column in table.columns:
        column.overflow = "fold"  # show whole URLs and revisions, never "…"
    for target, url in _urls(store_url, population_url).items():
        try:
            revision = current_revision(target, url)
        except CivregError as exc:
            raise _fail(exc) from exc
        head = head_revision(target)
        table.add_row(
            LABELS[target],
            safe_url(url),
            revision or "(empty)",
            head,
            "yes" if revision == head else "no: run civreg db upgrade",
        )
    console.print(table)
