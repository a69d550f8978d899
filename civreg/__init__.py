"""civreg core: settings, errors, database sessions and the command line."""

__version__ = "0.1.0"
