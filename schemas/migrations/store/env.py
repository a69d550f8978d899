"""Alembic environment of the work store."""

from schemas.migrations import STORE_VERSION_TABLE, run_env
from schemas.store import StoreBase

run_env(StoreBase.metadata, STORE_VERSION_TABLE)
