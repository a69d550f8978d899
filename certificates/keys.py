"""The ward's signing key and certificate: loading them, and a development pair for the demo.

One ECDSA P-256 key signs both the PDF (a PAdES signature made by pyHanko) and the QR payload
(:mod:`certificates.payload`), so a phone that holds the ward's certificate can check either.
Production keys are configured by path (``CIVREG_SIGNING_KEY_PATH``, ``CIVREG_SIGNING_CERT_PATH``)
and never committed; :func:`create_dev_keys` writes a self-signed pair under ``var/keys``.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from civreg.errors import ConfigurationError
from civreg.settings import Settings

DEV_VALIDITY = dt.timedelta(days=3650)


@dataclass(frozen=True)
class WardKeys:
    """Where the ward's key and certificate are, and the key itself (loaded once)."""

    key_path: Path
    cert_path: Path
    private_key: ec.EllipticCurvePrivateKey
    certificate: x509.Certificate

    @property
    def public_key(self) -> ec.EllipticCurvePublicKey:
        return self.private_key.public_key()


def _read(path: Path, what: str, setting: str) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError as exc:
        raise ConfigurationError(
            f"{path}: the ward's {what} is missing",
            hint=f"set {setting}, or run `civreg certificate dev-keys` for a development pair",
        ) from exc
    except OSError as exc:
        raise ConfigurationError(f"{path}: the ward's {what} cannot be read ({exc})") from exc


def read_certificate(path: Path, setting: str = "CIVREG_TRUSTED_CERT_PATH") -> x509.Certificate:
    """A PEM (or DER) certificate."""
    data = _read(path, "certificate", setting)
    try:
        if b"-----BEGIN" in data:
            return x509.load_pem_x509_certificate(data)
        return x509.load_der_x509_certificate(data)
    except ValueError as exc:
        raise ConfigurationError(f"{path}: not an X.509 certificate ({exc})") from exc


def load_ward_keys(settings: Settings) -> WardKeys:
    """The configured signing key and certificate; they must belong together and be P-256."""
    key_path = settings.resolved_signing_key_path
    cert_path = settings.resolved_signing_cert_path
    data = _read(key_path, "private key", "CIVREG_SIGNING_KEY_PATH")
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise ConfigurationError(f"{key_path}: not an unencrypted PEM private key ({exc})") from exc
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
        raise ConfigurationError(f"{key_path}: the ward's key must be ECDSA P-256")
    certificate = read_certificate(cert_path, "CIVREG_SIGNING_CERT_PATH")
    if certificate.public_key() != key.public_key():
        raise ConfigurationError(f"{cert_path}: this certificate is not the one of {key_path}")
    return WardKeys(key_path, cert_path, key, certificate)


def create_dev_keys(
    key_path: Path, cert_path: Path, ward_name: str, *, overwrite: bool = False
) -> bool:
    """Write a development key and self-signed certificate; whether new ones were written.

    Existing files are kept unless ``overwrite``: extracts issued before stay verifiable.
    """
    if key_path.exists() and cert_path.exists() and not overwrite:
        return False
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "civreg development (not for use)"),
            x509.NameAttribute(NameOID.COMMON_NAME, f"UBND {ward_name}"),
        ]
    )
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + DEV_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,  # non-repudiation: what PDF validators ask of signers
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_path.parent.mkdir(parents=True, exist_ok=True)
    cert_path.parent.mkdir(parents=True, exist_ok=True)
    pem_key = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    descriptor = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(pem_key)
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return True
