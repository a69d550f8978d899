"""The PAdES signature of an extract (pyHanko), its check, and reading its QR code back.

Signing: a PAdES baseline B-B signature (``ETSI.CAdES.detached``) by the ward's certificate, in
an invisible field. Checking: the signature must be intact and valid, cover the whole file, and
chain to the one certificate configured as the ward's (no system trust store, no network).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np
import pypdfium2
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from certificates.errors import CertificateInvalidError, Failure
from certificates.keys import WardKeys
from certificates.render import QR_BOX
from civreg.pdfium import PDFIUM_LOCK

FIELD_NAME = "WardSignature"
QR_RENDER_DPI = (200, 300)
QR_PADDING = 20  # pixels of white around the crop: detectors want a quiet zone


def _asn1(certificate: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


@lru_cache(maxsize=4)
def _signer(key_path: str, cert_path: str) -> signers.SimpleSigner:
    signer = signers.SimpleSigner.load(key_path, cert_path)
    if signer is None:  # pyHanko logs the reason and returns None
        raise SigningError(f"{key_path}, {cert_path}: pyHanko cannot load the ward's key")
    return signer


def sign_extract(pdf: bytes, keys: WardKeys, location: str | None) -> bytes:
    """The extract signed as PAdES B-B with the ward's key."""
    signer = _signer(str(keys.key_path), str(keys.cert_path))
    metadata = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason="Trích lục hộ tịch điện tử",
        location=location,
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    output = signers.sign_pdf(writer, metadata, signer=signer)
    return output.getvalue()


@dataclass(frozen=True)
class SignatureCheck:
    """The signer's name and when the file says it was signed."""

    signer: str
    signed_at: str | None


def check_signature(pdf: bytes, trusted: x509.Certificate, source: str) -> SignatureCheck:
    """Check the ward's signature; ``tampered`` or ``unknown_signer`` when it fails."""
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        signatures = reader.embedded_signatures
    except Exception as exc:  # a byte-edited file may not even parse
        raise CertificateInvalidError(
            source, Failure.TAMPERED, f"the PDF structure is damaged ({exc})"
        ) from exc
    if not signatures:
        raise CertificateInvalidError(source, Failure.TAMPERED, "the PDF carries no signature")
    if len(signatures) > 1:
        raise CertificateInvalidError(
            source, Failure.TAMPERED, f"the PDF carries {len(signatures)} signatures, not one"
        )
    context = ValidationContext(trust_roots=[_asn1(trusted)], allow_fetching=False)
    try:
        # any update after signing is refused below (coverage): no diff analysis needed
        status = validate_pdf_signature(signatures[0], context, skip_diff=True)
    except Exception as exc:  # pyHanko raises on a broken signature container or byte range
        raise CertificateInvalidError(
            source, Failure.TAMPERED, f"the signature cannot be checked ({exc})"
        ) from exc
    if not (status.intact and status.valid):
        raise CertificateInvalidError(
            source, Failure.TAMPERED, "the file changed after it was signed (digest mismatch)"
        )
    if status.coverage is None or status.coverage.name != "ENTIRE_FILE":
        raise CertificateInvalidError(
            source, Failure.TAMPERED, "content was added to the file after it was signed"
        )
    signer_name = status.signing_cert.subject.human_friendly
    if not status.trusted:
        raise CertificateInvalidError(
            source,
            Failure.UNKNOWN_SIGNER,
            f"signed by '{signer_name}', which is not the configured ward certificate",
        )
    signed_at = status.signer_reported_dt.isoformat() if status.signer_reported_dt else None
    return SignatureCheck(signer_name, signed_at)


def read_qr(pdf: bytes, source: str) -> str:
    """The text of the QR code printed on the first page (rendered with pdfium, read by OpenCV).

    OpenCV's ArUco-based detector reads our codes where the classic one misses some (about 7%
    of random payloads in our trials); the classic one is kept as a fallback.
    """
    with PDFIUM_LOCK:  # pdfium is not thread-safe
        try:
            document = pypdfium2.PdfDocument(pdf)
        except pypdfium2.PdfiumError as exc:
            raise CertificateInvalidError(
                source, Failure.TAMPERED, f"the PDF cannot be rendered ({exc})"
            ) from exc
        detectors = (cv2.QRCodeDetectorAruco(), cv2.QRCodeDetector())
        try:
            page = document[0]
            for dpi in QR_RENDER_DPI:
                scale = dpi / 72
                width, height = page.get_size()
                x0, top, x1, bottom = QR_BOX
                # render the QR code's square only: pdfium crops by the margin cut from each side
                bitmap = page.render(
                    scale=scale, grayscale=True, crop=(x0, height - bottom, width - x1, top)
                )
                crop = np.asarray(bitmap.to_pil().convert("L"))
                crop = cv2.copyMakeBorder(crop, *(QR_PADDING,) * 4, cv2.BORDER_CONSTANT, value=255)
                for detector in detectors:
                    found, _points, _straight = detector.detectAndDecode(crop)
                    if found:
                        return found
        finally:
            document.close()
    raise CertificateInvalidError(source, Failure.QR_INVALID, "no readable QR code on the page")
