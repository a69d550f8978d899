"""Crops of image pages, and item locks in the store on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from civreg.errors import InputFileError
from review.crops import MARGIN, PageCache, crop_png
from schemas.store import RecordRow
from schemas.values import BBox
from store.review import acquire_lock, active_locks, release_lock


def _page_with_box(path: Path, box: BBox, pages: int = 1) -> str:
    frames = []
    for number in range(pages):
        image = np.full((600, 800), 255, dtype=np.uint8)
        if number == pages - 1:
            image[box.y0 : box.y1, box.x0 : box.x1] = 0
        frames.append(Image.fromarray(image))
    frames[0].save(path, save_all=pages > 1, append_images=frames[1:])
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize(("suffix", "pages"), [(".png", 1), (".tif", 2)])
def test_crop_of_an_image_page_is_the_box_with_a_margin(tmp_path, suffix, pages) -> None:
    box = BBox(x0=100, y0=200, x1=300, y1=260)
    path = tmp_path / f"scan{suffix}"
    sha = _page_with_box(path, box, pages)
    image = PageCache().page(path, path.name, sha, pages)
    data = Image.open(io.BytesIO(crop_png(image, box))).convert("L")
    assert data.size == (box.x1 - box.x0 + 2 * MARGIN, box.y1 - box.y0 + 2 * MARGIN)
    pixels = np.asarray(data)
    assert pixels[MARGIN:-MARGIN, MARGIN:-MARGIN].max() == 0  # the box is all ink
    assert pixels[:MARGIN].min() == 255  # the margin is the paper around it


def test_a_box_off_the_page_and_a_missing_or_changed_file_are_errors(tmp_path) -> None:
    box = BBox(x0=10, y0=10, x1=20, y1=20)
    path = tmp_path / "scan.png"
    sha = _page_with_box(path, box)
    with pytest.raises(InputFileError, match="changed since it was read"):
        PageCache().page(path, "scan.png", "0" * 64, 1)
    with pytest.raises(InputFileError, match="no longer at"):
        PageCache().page(tmp_path / "gone.png", "gone.png", sha, 1)
    image = PageCache().page(path, "scan.png", sha, 1)
    with pytest.raises(Exception, match="outside"):
        crop_png(image, BBox(x0=5000, y0=5000, x1=5100, y1=5100))


def _record(store_engine, record_id: str) -> None:
    # A lock names a record; the lock tests need one row to point at, nothing more.
    from sqlalchemy import insert

    from schemas.store import Batch, Document, Page, RawEntryRow

    with store_engine.begin() as connection:
        now = dt.datetime.now(dt.UTC)
        connection.execute(insert(Batch).values(batch_id="b", inbox_path="/x", status="received"))
        connection.execute(
            insert(Document).values(
                document_id=1,
                batch_id="b",
                relative_path="a.pdf",
                sha256="0" * 64,
                status="pending",
                created_at=now,
                updated_at=now,
            )
        )
        connection.execute(insert(Page).values(page_id=1, document_id=1, page_number=1))
        connection.execute(
            insert(RawEntryRow).values(
                entry_id=record_id,
                page_id=1,
                register_type="birth",
                row_index=1,
                fields={},
                extra={},
                created_at=now,
            )
        )
        connection.execute(
            insert(RecordRow).values(
                record_id=record_id,
                register_type="birth",
                record={},
                issues=[],
                blocking=False,
                content_hash="0" * 64,
                version=1,
                created_at=now,
                updated_at=now,
            )
        )


def test_one_steward_holds_an_item_until_release_or_expiry(store_engine) -> None:
    record_id = "r" * 64
    _record(store_engine, record_id)
    minute = dt.timedelta(minutes=1)
    first = acquire_lock(store_engine, record_id, "sam", minute)
    assert first.acquired and first.holder == "sam"
    refused = acquire_lock(store_engine, record_id, "stella", minute)
    assert not refused.acquired and refused.holder == "sam"
    extended = acquire_lock(store_engine, record_id, "sam", 2 * minute)
    assert extended.acquired and extended.expires_at > first.expires_at
    release_lock(store_engine, record_id, "stella")  # not hers: nothing happens
    assert active_locks(store_engine)[record_id].holder == "sam"
    release_lock(store_engine, record_id, "sam")
    assert record_id not in active_locks(store_engine)
    assert acquire_lock(store_engine, record_id, "stella", dt.timedelta(0)).acquired
    # Stella's lock expired at once: Sam may take the item.
    assert acquire_lock(store_engine, record_id, "sam", minute).acquired
