"""Alembic environment: the engine comes from ``recommender.store.database`` (no alembic.ini)."""

from __future__ import annotations

from alembic import context

from recommender.store.schema import metadata

engine = context.config.attributes["engine"]

with engine.connect() as connection:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # A batch migration re-creates a table (copy, drop, rename). With foreign keys on,
        # dropping the old table would cascade to its children: re-creating `matches`
        # would delete every feedback row. SQLite's own recipe for altering a table turns
        # them off for the duration; the pragma only acts outside a transaction.
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        connection.commit()
    try:
        context.configure(connection=connection, target_metadata=metadata, render_as_batch=sqlite)
        with context.begin_transaction():
            context.run_migrations()
        if sqlite:
            # what the re-created tables hold must still be consistent
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise RuntimeError(f"the migration left {len(broken)} row(s) whose foreign key points nowhere (table {broken[0][0]})")
    finally:
        if sqlite:
            connection.rollback()
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            connection.commit()
