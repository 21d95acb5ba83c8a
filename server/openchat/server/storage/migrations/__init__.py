"""Alembic migrations of the OpenChat schema (run with `openchat-server migrate`)."""
