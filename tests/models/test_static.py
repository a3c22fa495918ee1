"""Static distillation: the default encoder is a real sentence-transformers model built offline."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from recommender.models.encoder import Encoder, packaged_model_path, resolve_encoder
from recommender.models.static import distill_static


@pytest.fixture(scope="module")
def small_static(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("static")
    # the first 6,000 word pieces cover the common Italian fragments used below
    distill_static(str(packaged_model_path()), out, ["assistenza domiciliare per anziani", "nido per bambini"], vocab_limit=6000)
    return out


def test_distilled_model_loads_by_path_and_gives_unit_vectors(small_static: Path) -> None:
    enc = Encoder(str(small_static))
    embs = enc.encode(["assistenza domiciliare per anziani", "centro estivo per bambini"])
    assert embs.shape == (2, enc.dim_)
    assert np.allclose(np.linalg.norm(embs, axis=1), 1.0, atol=1e-4)


def test_distilled_model_keeps_topical_similarity(small_static: Path) -> None:
    enc = Encoder(str(small_static))
    a, b, c = enc.encode(["home care for elderly people", "elderly home care assistance", "summer camp for children"])
    assert float(a @ b) > float(a @ c)


def test_distillation_writes_its_provenance(small_static: Path) -> None:
    assert (small_static / "welfare_match_static.json").exists()
    assert (small_static / "modules.json").exists()


def test_encoder_names_resolve_offline() -> None:
    assert resolve_encoder("packaged") == str(packaged_model_path())
    assert resolve_encoder("all-MiniLM-L6-v2") == str(packaged_model_path())
    assert resolve_encoder("/some/local/model") == "/some/local/model"


def test_missing_tuned_encoder_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WELFARE_MATCH_CACHE", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="train-encoder"):
        resolve_encoder("tuned")
