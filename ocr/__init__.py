"""OCR stage: ingest a batch, read its pages, preprocess scans, find ruling grids, recognise text.

Pipeline order: :mod:`ocr.ingest` (hash, sniff with :mod:`ocr.sniff`, validate with
:mod:`ocr.images` / :mod:`ocr.pdf`, quarantine), :mod:`ocr.pages` (pages as images or PDF text
layers), :mod:`ocr.preprocess` (light, noise, deskew, orientation, binarization),
:mod:`ocr.grid` (ruling lines and cells) and :mod:`ocr.engine` (the recogniser interface,
Tesseract, words to cells). Options come from :class:`ocr.options.OcrOptions`.
"""
