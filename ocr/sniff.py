"""The real type of a file, from its bytes: clerks rename files, scanners mislabel them.

Only the head and the tail are read, so sniffing a 2 GB file costs two small reads. The verdict
is a first filter; :mod:`ocr.ingest` then opens the file with the real decoder.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

HEAD_BYTES = 4096
TAIL_BYTES = 4096


class FileKind(StrEnum):
    """What a file is, judged from its bytes."""

    PNG = "png"
    JPEG = "jpeg"
    TIFF = "tiff"
    PDF = "pdf"
    EMPTY = "empty"
    UNSUPPORTED = "unsupported"

    @property
    def is_image(self) -> bool:
        return self in (FileKind.PNG, FileKind.JPEG, FileKind.TIFF)


@dataclass(frozen=True)
class Sniffed:
    """The verdict: a kind, what the bytes look like in words, and whether the file is cut short."""

    kind: FileKind
    looks_like: str
    truncated: bool = False


_OTHER_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"BM", "a BMP image"),
    (b"PK\x03\x04", "a ZIP archive (or an Office document)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Office document"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"\x00\x00\x00\x0cjP  ", "a JPEG 2000 image"),
    (b"{\\rtf", "an RTF document"),
)


def sniff_bytes(head: bytes, tail: bytes, size: int) -> Sniffed:
    """Judge a file from its first and last bytes (``tail`` may overlap ``head``)."""
    if size == 0:
        return Sniffed(FileKind.EMPTY, "an empty file")
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return Sniffed(FileKind.PNG, "a PNG image", truncated=b"IEND" not in tail[-32:])
    if head.startswith(b"\xff\xd8\xff"):
        return Sniffed(FileKind.JPEG, "a JPEG image")
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return Sniffed(FileKind.TIFF, "a TIFF image")
    pdf_at = head.find(b"%PDF-")
    if 0 <= pdf_at < 1024:  # readers accept a little junk before the header
        version = head[pdf_at + 5 : pdf_at + 8].decode("ascii", "replace")
        return Sniffed(FileKind.PDF, f"a PDF {version} document", truncated=b"%%EOF" not in tail)
    if head[:12].startswith(b"RIFF") and head[8:12] == b"WEBP":
        return Sniffed(FileKind.UNSUPPORTED, "a WebP image")
    for signature, description in _OTHER_SIGNATURES:
        if head.startswith(signature):
            return Sniffed(FileKind.UNSUPPORTED, description)
    return Sniffed(FileKind.UNSUPPORTED, _describe_unknown(head))


def sniff_file(path: Path) -> Sniffed:
    """Judge a file on disk."""
    size = path.stat().st_size
    with path.open("rb") as handle:
        head = handle.read(HEAD_BYTES)
        if size > HEAD_BYTES:
            handle.seek(max(size - TAIL_BYTES, 0))
            tail = handle.read(TAIL_BYTES)
        else:
            tail = head
    return sniff_bytes(head, tail, size)


def _describe_unknown(head: bytes) -> str:
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as err:
        # A multi-byte character cut by the end of the head is still text.
        if err.start < len(head) - 4:
            return "unrecognised binary data"
        text = head[: err.start].decode("utf-8")
    stripped = text.lstrip("\ufeff \t\r\n").lower()
    if stripped.startswith(("<!doctype html", "<html")):
        return "an HTML page"
    if stripped.startswith("<?xml"):
        return "an XML document"
    printable = sum(ch.isprintable() or ch in "\t\r\n" for ch in text)
    if text and printable / len(text) > 0.95:
        return "plain text"
    return "unrecognised binary data"
