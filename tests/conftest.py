"""Session-scoped fixtures: the small catalogue of ``tests.helpers`` and fitted pipelines."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from recommender.catalogue import Catalogue, load_catalogue
from recommender.evaluation.collection import Collection, load_collection
from recommender.gazetteer import Gazetteer, default_gazetteer
from recommender.paths import FIXTURES_DIR
from recommender.pipeline import MatchPipeline, PipelineConfig
from tests.helpers import SMALL_SERVICES, write_catalogue


@pytest.fixture(autouse=True)
def _private_mlflow_store(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test logs to its own MLflow store, never to the project's ``data/mlflow``."""
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path_factory.mktemp('mlflow') / 'mlflow.db'}")


@pytest.fixture(scope="session")
def gazetteer() -> Gazetteer:
    return default_gazetteer()


@pytest.fixture(scope="session")
def small_catalogue_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_catalogue(tmp_path_factory.mktemp("catalogue") / "catalogue.csv", SMALL_SERVICES)


@pytest.fixture(scope="session")
def small_catalogue(small_catalogue_path: Path) -> Catalogue:
    return load_catalogue(small_catalogue_path)


@pytest.fixture(scope="session")
def small_pipeline(small_catalogue: Catalogue) -> MatchPipeline:
    return MatchPipeline(PipelineConfig(encoder=None)).fit(small_catalogue)


@pytest.fixture(scope="session")
def fixture_catalogue() -> Catalogue:
    return load_catalogue(FIXTURES_DIR / "catalogue.csv")


@pytest.fixture(scope="session")
def fixture_pipeline(fixture_catalogue: Catalogue) -> MatchPipeline:
    return MatchPipeline(PipelineConfig(encoder=None)).fit(fixture_catalogue)


@pytest.fixture(scope="session")
def dense_pipeline(small_catalogue: Catalogue, tmp_path_factory: pytest.TempPathFactory) -> Iterator[MatchPipeline]:
    """The packaged transformer encoder, with its embedding cache kept out of the repository."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HF_HUB_OFFLINE", "1")
        mp.setenv("WELFARE_MATCH_CACHE", str(tmp_path_factory.mktemp("cache")))
        yield MatchPipeline(PipelineConfig(encoder="packaged")).fit(small_catalogue)


@pytest.fixture(scope="session")
def fixture_collection() -> Collection:
    return load_collection(FIXTURES_DIR)


# --- the store, on SQLite and on PostgreSQL -------------------------------------------------
#
# Every storage and API test runs on both databases. PostgreSQL comes from
# WELFARE_MATCH_TEST_POSTGRES_URL (``make test`` sets it after making sure a server answers,
# installing and starting one from Debian's packages if needed). If none answers the
# PostgreSQL variants are skipped *with the reason in the summary*, or fail when
# WELFARE_MATCH_REQUIRE_POSTGRES=1 (set by ``make test`` once a server is known to run).

POSTGRES_URL = os.environ.get("WELFARE_MATCH_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    """URL of a fresh database created for this test session on the PostgreSQL server."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from recommender.store.database import database_url

    admin_url = database_url(POSTGRES_URL)
    name = f"wm_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    try:
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5})
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        reason = f"PostgreSQL not reachable at {make_url(admin_url).render_as_string(hide_password=True)} ({type(exc).__name__}: {str(exc).splitlines()[0][:200]})"
        if os.environ.get("WELFARE_MATCH_REQUIRE_POSTGRES") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    yield url
    with admin.connect() as conn:
        conn.execute(text(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}' AND pid <> pg_backend_pid()"))
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty, migrated store: a new SQLite file, or the session's PostgreSQL database
    emptied after the test."""
    from recommender.store.database import connect, upgrade
    from recommender.store.schema import metadata

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    else:
        url = request.getfixturevalue("postgres_server_url")
    engine = connect(url)
    upgrade(engine)
    engine.dispose()
    yield url
    if request.param == "postgresql":
        from sqlalchemy import text

        engine = connect(url)
        with engine.begin() as conn:
            conn.execute(text("TRUNCATE " + ", ".join(t.name for t in metadata.sorted_tables) + " RESTART IDENTITY CASCADE"))
        engine.dispose()


@pytest.fixture
def db(db_url: str):
    """A SQLAlchemy engine on the empty, migrated store."""
    from recommender.store.database import connect

    engine = connect(db_url)
    yield engine
    engine.dispose()
