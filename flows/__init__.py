"""Prefect flows and the export and sync steps they wire (plain functions, no Prefect here)."""

from civreg.environment import apply_run_environment

apply_run_environment()
