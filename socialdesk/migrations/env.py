"""Alembic environment: migrations always run on a connection handed in by the workspace service.

That connection is already inside the workspace's BEGIN IMMEDIATE transaction (services/workspace.py,
``Workspace._migrate``), so Alembic opens none of its own and every DDL statement is part of it:
``transactional_ddl`` tells Alembic that SQLite can roll DDL back, which it can once pysqlite stops
committing on its own (the recipe in services/workspace.py).
"""

from __future__ import annotations

from alembic import context

from socialdesk.models.schema import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:  # the alembic CLI, used by developers to autogenerate
        from sqlalchemy import create_engine

        engine = create_engine(config.get_main_option("sqlalchemy.url") or "sqlite://")
        with engine.connect() as connection:
            _run(connection)
        return
    _run(connection)


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite cannot ALTER most things; batch mode copies the table
        compare_type=True,
        transactional_ddl=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
