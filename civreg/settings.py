"""One settings object for the whole pipeline, read from ``CIVREG_*`` environment variables.

Every stage receives the :class:`Settings` it needs (or a typed options object derived from it)
instead of long parameter lists. Defaults keep everything under ``var/`` of the working directory,
so a fresh checkout runs with no configuration at all.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Configuration of civreg; each field can be overridden by ``CIVREG_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="CIVREG_", env_file=None, extra="ignore")

    var_dir: Path = Field(Path("var"), description="Root of every default output and database.")
    store_url: str | None = Field(
        None, description="SQLAlchemy URL of the work store (default sqlite:///var/civreg.db)."
    )
    population_url: str | None = Field(
        None,
        description="SQLAlchemy URL of the population DB mock (default sqlite:///var/population.db).",
    )
    export_dir: Path | None = Field(None, description="Parquet export root (default var/export).")
    inbox_dir: Path = Field(Path("scans/inbox"), description="Where clerks drop batch folders.")
    quarantine_dir: Path | None = Field(
        None, description="Where unreadable files are copied (default var/quarantine)."
    )
    tesseract_cmd: str = Field("tesseract", description="Tesseract executable.")
    ocr_language: str = Field("vie", description="Tesseract language model.")
    ocr_workers: int = Field(2, ge=1, description="Parallel single-threaded Tesseract processes.")
    pdf_render_dpi: int = Field(300, ge=72, le=1200, description="DPI for rendering scanned PDFs.")
    max_image_pixels: int = Field(
        200_000_000, description="Images above this many pixels are quarantined."
    )
    max_pdf_pages: int = Field(500, description="PDFs with more pages are quarantined.")
    log_level: str = Field("INFO", description="Log level; personal data appears only at DEBUG.")
    task_runner: Literal["thread", "process", "dask"] = Field(
        "thread",
        description="Prefect task runner for per-page work: thread, process or dask.",
    )
    dask_address: str | None = Field(
        None,
        description="Scheduler of an existing Dask cluster (task_runner=dask); none: a local one.",
    )

    @property
    def resolved_store_url(self) -> str:
        """The work store URL, defaulting to a SQLite file under ``var_dir``."""
        return self.store_url or f"sqlite:///{self.var_dir / 'civreg.db'}"

    @property
    def resolved_population_url(self) -> str:
        """The population DB URL, defaulting to a SQLite file under ``var_dir``."""
        return self.population_url or f"sqlite:///{self.var_dir / 'population.db'}"

    @property
    def resolved_export_dir(self) -> Path:
        """The Parquet export root."""
        return self.export_dir or self.var_dir / "export"

    @property
    def resolved_quarantine_dir(self) -> Path:
        """Where quarantined files are kept (copied, never deleted)."""
        return self.quarantine_dir or self.var_dir / "quarantine"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (read once from the environment)."""
    return Settings()
