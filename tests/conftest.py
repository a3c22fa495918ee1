"""Session-scoped fixtures: the small catalogue of ``tests.helpers`` and fitted pipelines."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from recommender.catalogue import Catalogue, load_catalogue
from recommender.evaluation.collection import Collection, load_collection
from recommender.gazetteer import Gazetteer, default_gazetteer
from recommender.paths import FIXTURES_DIR
from recommender.pipeline import MatchPipeline, PipelineConfig
from tests.helpers import SMALL_SERVICES, write_catalogue


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
