"""Alembic migrations of the workspace database (run on open by ``services.workspace``)."""
