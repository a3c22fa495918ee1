"""Feedback records as JSONL: round trip, and bad lines named by line number and field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from recommender.errors import InputError
from recommender.feedback import OUTCOMES, POSITIVE_OUTCOMES, FeedbackRecord, read_feedback_jsonl, write_feedback_jsonl
from recommender.ranking import FEATURE_NAMES

FEATURES = {name: 0.5 for name in FEATURE_NAMES}


def record(**overrides) -> FeedbackRecord:
    fields = {"match_id": "m-1", "intake_ref": "case-1", "rank": 1, "service_id": "S1", "need": "childcare", "outcome": "accepted", "features": dict(FEATURES)}
    fields.update(overrides)
    return FeedbackRecord(**fields)


def test_positive_outcomes_are_the_take_ups() -> None:
    assert POSITIVE_OUTCOMES == {"accepted", "contacted", "service_used"}
    assert POSITIVE_OUTCOMES < set(OUTCOMES)
    assert record(outcome="service_used").positive and not record(outcome="rejected").positive


def test_json_round_trip() -> None:
    r = record(rank=3, outcome="contacted", features={"score": 0.25, "geo": 1.0})
    assert FeedbackRecord.from_json(json.loads(json.dumps(r.to_json()))) == r


def test_file_round_trip_keeps_order(tmp_path: Path) -> None:
    records = [record(match_id=f"m-{i}", rank=i + 1, outcome=o) for i, o in enumerate(OUTCOMES)]
    path = tmp_path / "fb.jsonl"
    assert write_feedback_jsonl(path, records) == len(records)
    assert read_feedback_jsonl(path) == records
    assert len(path.read_text(encoding="utf-8").splitlines()) == len(records)


def test_write_is_atomic(tmp_path: Path) -> None:
    path = tmp_path / "fb.jsonl"
    write_feedback_jsonl(path, [record()])

    def broken():
        yield record(match_id="new")
        raise RuntimeError("producer failed")

    with pytest.raises(RuntimeError):
        write_feedback_jsonl(path, broken())
    assert read_feedback_jsonl(path) == [record()]  # the old file is intact
    assert [p.name for p in tmp_path.iterdir()] == ["fb.jsonl"]  # no temporary left behind


def write_lines(path: Path, objs: list) -> Path:
    path.write_text("".join((o if isinstance(o, str) else json.dumps(o)) + "\n" for o in objs), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"outcome": "maybe"}, "outcome", "unknown outcome 'maybe'"),
        ({"features": None}, "features", "non-empty object"),
        ({"features": {}}, "features", "non-empty object"),
        ({"features": {"score": "high"}}, "features.score", "not a finite number"),
        ({"features": {"score": True}}, "features.score", "not a finite number"),
        ({"rank": 0}, "rank", "whole number >= 1"),
        ({"rank": "2"}, "rank", "whole number >= 1"),
        ({"service_id": ""}, "service_id", "non-empty string"),
    ],
)
def test_bad_line_is_named(tmp_path: Path, change: dict, field: str, words: str) -> None:
    good = record().to_json()
    path = write_lines(tmp_path / "fb.jsonl", [good, "", {**good, **change}])
    with pytest.raises(InputError) as err:
        read_feedback_jsonl(path)
    [issue] = err.value.issues
    assert (issue.line, issue.column) == (3, field)
    assert words in issue.reason
    assert str(path) in str(err.value) and "line 3" in str(err.value)


def test_missing_field_and_malformed_json_are_all_reported(tmp_path: Path) -> None:
    good = record().to_json()
    no_features = {k: v for k, v in good.items() if k != "features"}
    path = write_lines(tmp_path / "fb.jsonl", [no_features, "{not json", good, [1, 2]])
    with pytest.raises(InputError) as err:
        read_feedback_jsonl(path)
    assert [(i.line, i.column) for i in err.value.issues] == [(1, "features"), (2, None), (4, None)]
    assert "missing" in err.value.issues[0].reason and "malformed JSON" in err.value.issues[1].reason


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="file not found"):
        read_feedback_jsonl(tmp_path / "nope.jsonl")
