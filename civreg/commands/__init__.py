"""Sub-commands of the ``civreg`` CLI, one typer app per module."""
