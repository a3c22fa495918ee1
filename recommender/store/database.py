"""Connecting to the store and migrating it.

``DATABASE_URL`` selects the database; without it the store is an SQLite file under the
project's data directory. SQLite runs in WAL mode with ``synchronous=FULL`` so a committed
feedback survives a killed process and a power cut alike.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from recommender.errors import InputError, Issue
from recommender.paths import DATA_DIR

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


class _NoResultRows(logging.Filter):
    """SQLAlchemy at DEBUG logs every result row; rows can hold intake notes and comments."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.msg != "Row %r"


# Statement parameters are hidden too (``hide_parameters``, in logs and in error messages).
logging.getLogger("sqlalchemy.engine.Engine").addFilter(_NoResultRows())


def default_sqlite_path() -> Path:
    return DATA_DIR / "store" / "welfare-match.sqlite3"


def database_url(url: str | None = None) -> str:
    """The URL to use: the argument, else ``DATABASE_URL``, else the bundled SQLite file.

    Plain ``postgresql://`` URLs (what most platforms hand out) get the psycopg 3 driver.
    """
    url = url or os.environ.get("DATABASE_URL") or f"sqlite:///{default_sqlite_path()}"
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise InputError(Issue(f"not a database URL: {exc}", column="DATABASE_URL")) from exc
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.drivername not in ("sqlite", "sqlite+pysqlite", "postgresql+psycopg"):
        raise InputError(Issue(f"unsupported database '{parsed.drivername}' (use sqlite:/// or postgresql://)", column="DATABASE_URL"))
    return parsed.render_as_string(hide_password=False)


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


def connect(url: str | None = None) -> Engine:
    url = database_url(url)
    parsed = make_url(url)
    if parsed.drivername.startswith("sqlite"):
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, hide_parameters=True, connect_args={"check_same_thread": False, "timeout": 10})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, hide_parameters=True, pool_pre_ping=True, pool_size=10, max_overflow=10)


def _alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (idempotent)."""
    command.upgrade(_alembic_config(engine), revision)


def downgrade(engine: Engine, revision: str) -> None:
    command.downgrade(_alembic_config(engine), revision)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(_alembic_config(create_engine("sqlite://"))).get_current_head()
