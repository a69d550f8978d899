"""Ingest a batch folder: hash, sniff and validate each file; quarantine what cannot be read.

A bad file never stops the batch: it is *copied* into ``<quarantine_dir>/<batch_id>/`` with a
``.reason.json`` beside it, and the rest goes on. Originals are never moved, changed or deleted.
A file whose content was seen before (same sha256, in this batch or in ``already_processed``)
is skipped, so re-ingesting a batch changes nothing.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
from collections.abc import Collection
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from civreg.errors import InputFileError
from ocr.errors import UnreadableFileError
from ocr.images import check_image
from ocr.options import OcrOptions
from ocr.pdf import check_pdf
from ocr.sniff import FileKind, Sniffed, sniff_file
from schemas.enums import QuarantineReason

log = logging.getLogger(__name__)

REASON_SUFFIX = ".reason.json"
_HASH_CHUNK = 1 << 20


class IngestedDocument(BaseModel):
    """A readable file of the batch, ready to be split into pages."""

    model_config = ConfigDict(frozen=True)

    relative_path: str = Field(description="POSIX path relative to the batch folder.")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    kind: FileKind
    page_count: int = Field(ge=1)
    size_bytes: int = Field(ge=1)


class QuarantinedFile(BaseModel):
    """A file that cannot be read, why, and where its copy was put."""

    model_config = ConfigDict(frozen=True)

    relative_path: str
    sha256: str | None = Field(description="None only when the file could not even be read.")
    reason: QuarantineReason
    detail: str = Field(description="Names the file: 'scan_007.pdf: PDF is encrypted (...)'.")
    quarantine_path: Path | None = Field(description="The copy; None if it could not be made.")


class SkippedDuplicate(BaseModel):
    """A file whose content was already seen."""

    model_config = ConfigDict(frozen=True)

    relative_path: str
    sha256: str
    duplicate_of: str | None = Field(
        description="Earlier file of this batch with the same content; None if processed before."
    )


class IngestResult(BaseModel):
    """Everything ingest decided about one batch, each list in sorted path order."""

    model_config = ConfigDict(frozen=True)

    batch_id: str
    batch_dir: Path
    documents: tuple[IngestedDocument, ...] = ()
    quarantined: tuple[QuarantinedFile, ...] = ()
    duplicates: tuple[SkippedDuplicate, ...] = ()

    def path_of(self, document: IngestedDocument) -> Path:
        """Where a document of this batch lies on disk."""
        return self.batch_dir / document.relative_path


def ingest_batch(
    batch_dir: Path,
    options: OcrOptions,
    already_processed: set[str] | frozenset[str] = frozenset(),
    *,
    batch_id: str | None = None,
) -> IngestResult:
    """Sort every visible file of ``batch_dir`` into documents, quarantined files and duplicates.

    ``already_processed`` holds the sha256 of files handled by earlier runs (documents and
    quarantined files alike); ``batch_id`` defaults to the folder's name.
    """
    if not batch_dir.is_dir():
        raise InputFileError(str(batch_dir), "batch folder does not exist or is not a folder")
    batch_id = batch_id or batch_dir.name
    documents: list[IngestedDocument] = []
    quarantined: list[QuarantinedFile] = []
    duplicates: list[SkippedDuplicate] = []
    first_seen: dict[str, str] = {}

    def examine(path: Path) -> _Examined:
        return _examine(path, path.relative_to(batch_dir).as_posix(), options, already_processed)

    # Files are hashed and decoded side by side (hashlib, Pillow and OpenCV release the GIL;
    # pdfium takes its lock), then decided on in path order, so the outcome is the same.
    with ThreadPoolExecutor(max_workers=max(1, options.workers)) as pool:
        for item in pool.map(examine, batch_files(batch_dir)):
            relative, digest = item.relative_path, item.sha256
            if digest is None:
                detail = f"{relative}: file cannot be read ({item.read_error})"
                quarantined.append(
                    QuarantinedFile(
                        relative_path=relative,
                        sha256=None,
                        reason=QuarantineReason.CORRUPT,
                        detail=detail,
                        quarantine_path=None,
                    )
                )
                log.warning("quarantined %s", detail)
                continue
            if digest in already_processed or digest in first_seen:
                duplicates.append(
                    SkippedDuplicate(
                        relative_path=relative, sha256=digest, duplicate_of=first_seen.get(digest)
                    )
                )
                continue
            first_seen[digest] = relative
            if item.error is not None:
                quarantined.append(
                    quarantine_file(
                        item.path, relative, digest, item.error, batch_id=batch_id, options=options
                    )
                )
                log.warning("quarantined %s (%s)", item.error, item.error.quarantine_reason)
                continue
            assert item.kind is not None
            documents.append(
                IngestedDocument(
                    relative_path=relative,
                    sha256=digest,
                    kind=item.kind,
                    page_count=item.pages,
                    size_bytes=item.size,
                )
            )

    log.info(
        "batch %s: %d documents, %d quarantined, %d duplicates skipped",
        batch_id,
        len(documents),
        len(quarantined),
        len(duplicates),
    )
    return IngestResult(
        batch_id=batch_id,
        batch_dir=batch_dir,
        documents=tuple(documents),
        quarantined=tuple(quarantined),
        duplicates=tuple(duplicates),
    )


@dataclass(frozen=True)
class _Examined:
    """One file hashed and (unless processed before) validated; ``sha256`` is ``None`` when
    the file could not be read, ``error`` says why a readable file cannot be used."""

    path: Path
    relative_path: str
    sha256: str | None = None
    size: int = 0
    read_error: str | None = None
    kind: FileKind | None = None
    pages: int = 0
    error: UnreadableFileError | None = None


def _examine(
    path: Path, relative: str, options: OcrOptions, already_processed: Collection[str]
) -> _Examined:
    try:
        digest, size = file_sha256(path)
    except OSError as err:
        return _Examined(path, relative, read_error=str(err.strerror or err))
    if digest in already_processed:
        return _Examined(path, relative, digest, size)
    try:
        kind, pages = validate_file(path, relative, options)
    except UnreadableFileError as err:
        return _Examined(path, relative, digest, size, error=err)
    return _Examined(path, relative, digest, size, kind=kind, pages=pages)


def batch_files(batch_dir: Path) -> list[Path]:
    """Regular files under ``batch_dir`` in sorted relative-path order, hidden ones left out."""
    files = []
    for path in batch_dir.rglob("*"):
        relative = path.relative_to(batch_dir)
        if any(part.startswith(".") for part in relative.parts) or not path.is_file():
            continue
        files.append(path)
    return sorted(files, key=lambda p: p.relative_to(batch_dir).as_posix())


def file_sha256(path: Path) -> tuple[str, int]:
    """The file's sha256 (hex) and its size in bytes, read in chunks."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(_HASH_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def validate_file(path: Path, relative_path: str, options: OcrOptions) -> tuple[FileKind, int]:
    """The file's real kind and page count, or :class:`UnreadableFileError` with the reason."""
    sniffed = sniff_file(path)
    _reject_by_sniff(sniffed, relative_path)
    if sniffed.kind is FileKind.PDF:
        return sniffed.kind, check_pdf(path, relative_path, options.max_pdf_pages)
    return sniffed.kind, check_image(path, relative_path, options.max_image_pixels)


def _reject_by_sniff(sniffed: Sniffed, relative_path: str) -> None:
    if sniffed.kind is FileKind.EMPTY:
        raise UnreadableFileError(relative_path, QuarantineReason.EMPTY, "file is empty (0 bytes)")
    if sniffed.kind is FileKind.UNSUPPORTED:
        suffix = Path(relative_path).suffix
        named = f" despite its {suffix} extension" if suffix else ""
        raise UnreadableFileError(
            relative_path,
            QuarantineReason.UNSUPPORTED_TYPE,
            f"content is {sniffed.looks_like}{named}; expected PDF, TIFF, PNG or JPEG",
        )
    if sniffed.truncated:
        raise UnreadableFileError(
            relative_path,
            QuarantineReason.TRUNCATED,
            f"{sniffed.looks_like} is truncated (its end marker is missing)",
        )


def quarantine_file(
    path: Path,
    relative_path: str,
    sha256: str,
    error: UnreadableFileError,
    *,
    batch_id: str,
    options: OcrOptions,
) -> QuarantinedFile:
    """Copy the file into quarantine with a JSON note of the reason; the original stays put."""
    target = options.quarantine_dir / batch_id / relative_path
    record = QuarantinedFile(
        relative_path=relative_path,
        sha256=sha256,
        reason=error.quarantine_reason,
        detail=str(error),
        quarantine_path=target,
    )
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        _atomic_copy(path, target)
        note = {"batch_id": batch_id, **record.model_dump(mode="json", exclude={"quarantine_path"})}
        _atomic_write(
            target.with_name(target.name + REASON_SUFFIX),
            json.dumps(note, ensure_ascii=False, indent=2),
        )
    except OSError as err:
        log.error("could not copy %s into quarantine %s: %s", relative_path, target, err)
        return record.model_copy(update={"quarantine_path": None})
    return record


def _atomic_copy(source: Path, target: Path) -> None:
    partial = target.with_name(f".{target.name}.partial")
    shutil.copy2(source, partial)
    os.replace(partial, target)


def _atomic_write(target: Path, text: str) -> None:
    partial = target.with_name(f".{target.name}.partial")
    partial.write_text(text + "\n", encoding="utf-8")
    os.replace(partial, target)
