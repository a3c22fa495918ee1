"""Where insight records come from, as streams: intakes matched now, a file of match
results, or a tenant's stored matches.

Each source yields ``InsightRecord`` objects one at a time and keeps nothing of the intakes
it has read, so the aggregation downstream runs in constant memory whatever the size of the
input.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from itertools import islice
from pathlib import Path

from recommender.errors import InputError, Issue
from recommender.gazetteer import Gazetteer, default_gazetteer
from recommender.insights.records import InsightRecord, ServiceNeeds, build_record, profile_from_json, profile_of, record_from_match
from recommender.intake import Intake
from recommender.needs import NEED_BY_CODE, NEED_CODES
from recommender.pipeline import MatchPipeline

# Matching for the insights asks for a suggestion per possible need: with the ranker's
# diversification every need that has an eligible service then gets one (records.py).
INSIGHTS_TOP_K = len(NEED_CODES)


def records_from_intakes(
    pipeline: MatchPipeline, intakes: Iterable[Intake], as_of: date, answers: ServiceNeeds, top_k: int = INSIGHTS_TOP_K, batch_size: int = 64,
) -> Iterator[InsightRecord]:
    """Match ``intakes`` (in batches, for the encoder) and yield their records."""
    it = iter(intakes)
    while batch := list(islice(it, batch_size)):
        for intake, result in zip(batch, pipeline.match_many(batch, as_of=as_of, top_k=top_k, batch_size=batch_size)):
            yield record_from_match(intake, result, as_of, answers, top_k)


def read_results(path: Path | str) -> Iterator[tuple[int, dict]]:
    """Lines of a ``recommender match`` output: (line number, object), each checked for the
    fields the insights read; a bad line is an ``InputError`` naming it."""
    try:
        fh = open(path, encoding="utf-8")
    except OSError as exc:
        raise InputError(Issue(f"cannot read the results: {exc.strerror}"), source=str(path)) from exc
    with fh:
        for n, raw in enumerate(fh, start=1):
            if not raw.strip():
                continue
            try:
                obj = json.loads(raw)
            except json.JSONDecodeError as exc:
                raise InputError(Issue(f"malformed JSON: {exc.msg} (column {exc.colno})", line=n), source=str(path)) from None
            yield n, _checked_result(obj, n, str(path))


def _checked_result(obj: object, line: int, source: str) -> dict:
    def bad(field: str, reason: str) -> InputError:
        return InputError(Issue(reason, line=line, column=field), source=source)

    if not isinstance(obj, dict):
        raise bad("", "expected a JSON object (a line of `recommender match` output)")
    if not isinstance(obj.get("id"), str):
        raise bad("id", "is required (the intake id)")
    for key, fields in (("needs", ("need", "source")), ("results", ("service_id", "need"))):
        items = obj.get(key)
        if not isinstance(items, list):
            raise bad(key, "is required (a list)")
        for i, item in enumerate(items):
            if not isinstance(item, dict) or any(not isinstance(item.get(f), str) for f in fields):
                raise bad(f"{key}[{i}]", f"needs {' and '.join(fields)}")
            if key == "needs" and (item["need"] not in NEED_BY_CODE or item["source"] not in ("stated", "surfaced")):
                raise bad(f"needs[{i}]", f"unknown need {item['need']!r} or source {item['source']!r}")
    return obj


def records_from_results(
    intakes: Iterable[tuple[int, Intake]], results: Iterable[tuple[int, dict]], as_of: date, answers: ServiceNeeds, top_k: int, source: str = "results",
) -> Iterator[InsightRecord]:
    """Records of intakes already matched: ``results`` is the ``recommender match`` output
    of ``intakes``, line for line (same order, same ids)."""
    res_it = iter(results)
    for intake_line, intake in intakes:
        nxt = next(res_it, None)
        if nxt is None:
            raise InputError(Issue(f"ends before the intakes do (no result for intake '{intake.id}' of line {intake_line})"), source=source)
        line, res = nxt
        if res["id"] != intake.id:
            raise InputError(Issue(f"result for '{res['id']}' where the intakes have '{intake.id}' (line {intake_line}): "
                                   "give the output of `recommender match` on the same intakes", line=line, column="id"), source=source)
        yield build_record(as_of, intake.comune.istat_code, ((n["need"], n["source"]) for n in res["needs"]),
                           ((r["service_id"], r["need"]) for r in res["results"]), top_k, profile_of(intake), answers)
    extra = next(res_it, None)
    if extra is not None:
        raise InputError(Issue("more results than intakes", line=extra[0]), source=source)


def records_from_store(facts: Iterable, answers_for: Callable[[int], ServiceNeeds], gazetteer: Gazetteer | None = None) -> Iterator[InsightRecord]:
    """Records of stored matches (``store.insights_export.iter_match_facts``);
    ``answers_for(catalogue_id)`` gives the needs each service of that catalogue answers."""
    gaz = gazetteer or default_gazetteer()
    for f in facts:
        yield build_record(f.day, f.comune_istat, f.needs, f.suggested, f.top_k, profile_from_json(f.profile), answers_for(f.catalogue_id), gaz)
