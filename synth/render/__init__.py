"""The scan renderer: register books in, scan files and their ground truth out.

Plan a book into file specs (:func:`plan_book`), render each (:func:`render_book`) and write
the files with their truth (:func:`write_rendered`); :func:`write_gallery` shows one example of
every page shape and degradation level on a contact sheet.
"""

from synth.render.book import (
    RenderedFile,
    load_books,
    plan_book,
    plan_district,
    render_book,
    render_planned,
    write_rendered,
)
from synth.render.gallery import sample_book, sample_books, write_gallery
from synth.render.spec import (
    ALL_LEVELS,
    ALL_SHAPES,
    LEVELS,
    DegradationLevel,
    OutputFormat,
    PageSpec,
    RenderOptions,
)

__all__ = [
    "ALL_LEVELS",
    "ALL_SHAPES",
    "LEVELS",
    "DegradationLevel",
    "OutputFormat",
    "PageSpec",
    "RenderOptions",
    "RenderedFile",
    "load_books",
    "plan_book",
    "plan_district",
    "render_book",
    "render_planned",
    "sample_book",
    "sample_books",
    "write_gallery",
    "write_rendered",
]
