"""Matching a large JSONL of intakes in worker processes: order kept, memory flat.

Each worker fits its own pipeline on the catalogue (the embedding cache on disk makes the
second fit quick) and receives chunks of raw JSONL lines; the parent keeps at most
``2 x workers`` chunks in flight and hands results back in input order, so memory does not
grow with the file. Workers are spawned, not forked: a forked copy of a process that has
started torch's thread pools can deadlock.

The parent validates the whole file before any matching (as the single-process path does),
so workers only ever see valid lines.
"""

from __future__ import annotations

import json
import multiprocessing
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

    from recommender.insights.records import InsightRecord
    from recommender.intake import Intake

CHUNK_LINES = 64


@dataclass(frozen=True)
class EngineSpec:
    """What a worker needs to build the same pipeline as the parent would."""

    catalogue_path: str
    encoder: str | None
    ranker: str | None = None


_pipeline = None
_provinces: frozenset[str] | None = None
_answers = None  # service id -> needs it answers, built on the first records task
_limits = None


def _init_worker(spec: EngineSpec) -> None:
    global _pipeline, _provinces, _limits
    from threadpoolctl import threadpool_limits

    from recommender.catalogue import load_catalogue
    from recommender.pipeline import MatchPipeline, PipelineConfig

    # One BLAS and one torch thread per worker: the workers are the parallelism, and idle
    # spinning pools would compete with each other for the cores.
    _limits = threadpool_limits(limits=1, user_api="blas")
    if spec.encoder:
        import torch

        torch.set_num_threads(1)
    reranker = None
    if spec.ranker:
        from recommender.models.reranker import load_reranker

        reranker = load_reranker(spec.ranker)
    catalogue = load_catalogue(spec.catalogue_path)
    _pipeline = MatchPipeline(PipelineConfig(encoder=spec.encoder), reranker=reranker).fit(catalogue)
    _provinces = catalogue.provinces()


def _parse(lines: list[tuple[int, str]]) -> list[Intake]:
    from recommender.errors import InputError
    from recommender.intake import parse_intake

    try:
        return [parse_intake(json.loads(raw), prefer_provinces=_provinces, line=n) for n, raw in lines]
    except InputError as exc:  # validated by the parent: only a file changed meanwhile gets here
        raise RuntimeError(f"the input changed while it was being matched: {exc}") from None


def match_chunk(lines: list[tuple[int, str]], as_of: date, top_k: int) -> list[str]:
    """Worker task: the ``recommender match`` output lines of a chunk."""
    intakes = _parse(lines)
    return [json.dumps(r.to_json(), ensure_ascii=False) for r in _pipeline.match_many(intakes, as_of=as_of, top_k=top_k)]


def records_chunk(lines: list[tuple[int, str]], as_of: date, top_k: int) -> list[InsightRecord]:
    """Worker task: the de-identified insight records of a chunk (nothing else leaves the worker)."""
    from recommender.insights.records import record_from_match, service_needs_of

    global _answers
    if _answers is None:
        _answers = service_needs_of([s.service_id for s in _pipeline.catalogue_.services], _pipeline.affinity_)
    intakes = _parse(lines)
    results = _pipeline.match_many(intakes, as_of=as_of, top_k=top_k)
    return [record_from_match(it, res, as_of, _answers, top_k) for it, res in zip(intakes, results)]


def service_affinity() -> np.ndarray:
    """Worker task: the pipeline's service-need affinity matrix (for the parent's supply)."""
    return _pipeline.affinity_


def valid_lines(path: Path | str, skip: set[int], size: int = CHUNK_LINES) -> Iterator[list[tuple[int, str]]]:
    """Chunks of (line number, text) of a JSONL file, without blank lines and ``skip``."""
    chunk: list[tuple[int, str]] = []
    with open(path, "rb") as fh:
        for n, raw in enumerate(fh, start=1):
            if n in skip:
                continue
            text = raw.decode("utf-8")
            if n == 1:
                text = text.lstrip("\ufeff")
            if not text.strip():
                continue
            chunk.append((n, text))
            if len(chunk) >= size:
                yield chunk
                chunk = []
    if chunk:
        yield chunk


class WorkerPool:
    """A spawned process pool whose workers hold a fitted pipeline."""

    def __init__(self, spec: EngineSpec, workers: int):
        self.workers = workers
        self.executor = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"), initializer=_init_worker, initargs=(spec,))

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)

    def call(self, fn: Callable, *args):
        return self.executor.submit(fn, *args).result()

    def ordered(self, fn: Callable, chunks: Iterable, *args) -> Iterator:
        """``fn(chunk, *args)`` for every chunk, results in input order, at most
        2 x workers chunks in flight (so the input is read as fast as it is matched)."""
        pending: deque[Future] = deque()
        for chunk in chunks:
            pending.append(self.executor.submit(fn, chunk, *args))
            if len(pending) >= 2 * self.workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def matched_lines(
    input_path: Path | str, skip: set[int], as_of: date, top_k: int, pipeline=None, spec: EngineSpec | None = None, workers: int = 1,
) -> Iterator[str]:
    """The ``recommender match`` output lines of a validated JSONL, in input order: in this
    process with ``pipeline``, or in ``workers`` processes built from ``spec``."""
    if workers > 1:
        with WorkerPool(spec, workers) as pool:
            for chunk in pool.ordered(match_chunk, valid_lines(input_path, skip), as_of, top_k):
                yield from chunk
        return
    from recommender.intake import read_intakes

    provinces = pipeline.provinces_
    valid = (item.intake for item in read_intakes(input_path, prefer_provinces=provinces) if item.line not in skip and item.intake is not None)
    for res in pipeline.match_many(valid, as_of=as_of, top_k=top_k):
        yield json.dumps(res.to_json(), ensure_ascii=False)
