"""Prefect flows that wire the stages, and the export and sync steps they call (plain functions)."""
