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
    pdf_render_dpi: int = Field(
        300,
        ge=72,
        le=1200,
        description="DPI for scanned PDF pages (a finer embedded scan is scaled down to it).",
    )
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
    review_lock_minutes: int = Field(
        15, ge=1, description="Minutes a review item stays locked to the steward who opened it."
    )
    review_session_hours: int = Field(12, ge=1, description="Hours a review app sign-in lasts.")
    review_max_upload_mb: int = Field(
        200, ge=1, description="Largest file a clerk may upload to the review app, in MB."
    )
    review_low_confidence: float = Field(
        0.8, gt=0, le=1, description="OCR confidence below which a field goes to transcription."
    )
    review_secure_cookies: bool = Field(
        False, description="Mark the review app's cookies Secure (set it when served over HTTPS)."
    )
    certificates_dir: Path | None = Field(
        None, description="Where issued extracts (signed PDFs) are kept (default var/certificates)."
    )
    signing_key_path: Path | None = Field(
        None, description="PEM private key of the ward (default var/keys/ward-key.pem)."
    )
    signing_cert_path: Path | None = Field(
        None, description="PEM certificate of the ward (default var/keys/ward-cert.pem)."
    )
    trusted_cert_path: Path | None = Field(
        None, description="Certificate verification trusts (default: the signing certificate)."
    )
    issue_certificates: bool = Field(
        False, description="The nightly sync issues extracts for newly reconciled records."
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
    def resolved_certificates_dir(self) -> Path:
        """Where issued extracts are kept."""
        return self.certificates_dir or self.var_dir / "certificates"

    @property
    def resolved_signing_key_path(self) -> Path:
        """The ward's private key (PEM)."""
        return self.signing_key_path or self.var_dir / "keys" / "ward-key.pem"

    @property
    def resolved_signing_cert_path(self) -> Path:
        """The ward's certificate (PEM)."""
        return self.signing_cert_path or self.var_dir / "keys" / "ward-cert.pem"

    @property
    def resolved_trusted_cert_path(self) -> Path:
        """The certificate verification trusts as the ward's."""
        return self.trusted_cert_path or self.resolved_signing_cert_path

    @property
    def resolved_quarantine_dir(self) -> Path:
        """Where quarantined files are kept (copied, never deleted)."""
        return self.quarantine_dir or self.var_dir / "quarantine"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (read once from the environment)."""
    return Settings()
