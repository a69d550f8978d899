"""Passwords, session tokens and CSRF tokens of the review app.

Passwords are argon2id hashes (argon2-cffi's defaults); a session cookie carries a random token
and the store keeps only its SHA-256; each session has its own CSRF token, compared in constant
time. Sign-in attempts are keyed by a hash of user and address, so the store holds no address.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_HASHER = PasswordHasher()
MIN_PASSWORD_LENGTH = 10

DUMMY_HASH = _HASHER.hash("not a password of anyone")
"""Verified against for unknown users, so that a wrong name costs as long as a wrong password."""


def hash_password(password: str) -> str:
    """An argon2id hash of ``password``."""
    return _HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether ``password`` matches the hash (never raises on a wrong one)."""
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def new_token() -> str:
    """A random URL-safe token (256 bits)."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """The SHA-256 of a token, as stored."""
    return hashlib.sha256(token.encode()).hexdigest()


def attempt_key(username: str, address: str) -> str:
    """The rate-limit key of one user from one address."""
    return hashlib.sha256(f"{username.lower()}\0{address}".encode()).hexdigest()


def same_token(expected: str | None, given: str | None) -> bool:
    """Constant-time comparison of two tokens; a missing one never matches."""
    if not expected or not given:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())
