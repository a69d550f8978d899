"""One lock around every use of pdfium in the process.

pdfium is not thread-safe, not even across documents: two threads calling it at once can crash
the process or corrupt its output (pypdfium2's documentation, "Incompatibility with
Threading"). Pages of a batch are read on threads (the default task runner), the review app
serves crops from a thread pool, and a certificate check renders its QR code: each holds this
lock while it has a pdfium document open. The work done under it is short (opening a page and
taking out its scan, a thumbnail, a crop), and everything else runs in parallel.
"""

from __future__ import annotations

import threading

PDFIUM_LOCK = threading.RLock()
