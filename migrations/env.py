"""Alembic environment for the core (plugins add their own branches later).

Migrations run with ``DESA_MIGRATION_DATABASE_URL`` (the tables' owner); the application connects
with a role that neither owns the tables nor bypasses Row-Level Security. After an upgrade on
PostgreSQL, ``DESA_DB_APP_ROLE`` is granted DML on every table.
"""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app
from sqlalchemy import create_engine, text

config = context.config
if config.config_file_name and not logging.getLogger().handlers:
    fileConfig(config.config_file_name)
logger = logging.getLogger("alembic.env")

target_metadata = current_app.extensions["migrate"].db.metadata


def _url() -> str:
    return current_app.config["MIGRATION_DATABASE_URL"]


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def _grant_app_role(connection) -> None:
    role = current_app.config.get("DB_APP_ROLE")
    if not role or connection.dialect.name != "postgresql":
        return
    quoted = connection.dialect.identifier_preparer.quote(role)
    connection.execute(text(f"GRANT USAGE ON SCHEMA public TO {quoted}"))
    connection.execute(
        text(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {quoted}")
    )
    connection.execute(text(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {quoted}"))
    connection.execute(text(f"REVOKE INSERT, UPDATE, DELETE ON alembic_version FROM {quoted}"))


def run_migrations_online() -> None:
    engine = create_engine(_url())
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
            _grant_app_role(connection)
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
