"""``civreg review serve``: the stewards' web app."""

from __future__ import annotations

import typer

from civreg.migrate import upgrade_store
from civreg.settings import get_settings

app = typer.Typer(help="The stewards' review app (queue, items, transcription, uploads).")


@app.command("serve")
def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    workers: int = typer.Option(1, min=1, help="Worker processes (locks and sessions are shared)."),
) -> None:
    """Serve the review app with uvicorn (create the first admin with `civreg users add`)."""
    import uvicorn

    upgrade_store(get_settings().resolved_store_url)
    uvicorn.run(
        "review.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=False,
    )
