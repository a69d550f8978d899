"""Alembic environment of the population DB mock."""

from schemas.migrations import POPULATION_VERSION_TABLE, run_env
from schemas.population_db import PopulationBase

run_env(PopulationBase.metadata, POPULATION_VERSION_TABLE)
