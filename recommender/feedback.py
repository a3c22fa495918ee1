"""The feedback vocabulary: what a welfare manager can say about one suggested service.

Outcomes are ordered by how far the suggestion went (``rejected`` aside): the learned
re-ranker treats ``accepted``, ``contacted`` and ``service_used`` as positive signals of
growing strength. Reason codes explain a rejection (or any outcome) in a way that can be
counted; the free-text comment is optional and falls under the retention purge.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from recommender.errors import InputError, Issue

OUTCOMES: dict[str, str] = {
    "accepted": "proposta accettata",
    "rejected": "proposta scartata",
    "contacted": "servizio contattato",
    "service_used": "servizio utilizzato",
}

REASONS: dict[str, str] = {
    "not_relevant": "non risponde al bisogno",
    "need_already_met": "bisogno già coperto",
    "not_eligible": "requisiti non soddisfatti",
    "too_far": "troppo lontano",
    "too_expensive": "costo troppo alto",
    "no_availability": "nessun posto disponibile",
    "quality_concern": "dubbi sulla qualità",
    "person_declined": "la persona non è interessata",
    "already_known": "servizio già noto o già in uso",
    "other": "altro",
}


# --- feedback as training data ----------------------------------------------------------------
#
# A ``FeedbackRecord`` is one outcome on one suggestion joined with the score components the
# ranker computed for it: what a re-ranker learns from. It carries no notes and no comment,
# so a file of records can leave the store (and outlive the retention purge) safely.

POSITIVE_OUTCOMES: frozenset[str] = frozenset({"accepted", "contacted", "service_used"})

_RECORD_FIELDS = ("match_id", "intake_ref", "rank", "service_id", "need", "outcome", "features")


@dataclass(frozen=True)
class FeedbackRecord:
    match_id: str
    intake_ref: str
    rank: int
    service_id: str
    need: str
    outcome: str
    features: dict[str, float] = field(hash=False)

    @property
    def positive(self) -> bool:
        return self.outcome in POSITIVE_OUTCOMES

    def to_json(self) -> dict:
        return {
            "match_id": self.match_id, "intake_ref": self.intake_ref, "rank": self.rank, "service_id": self.service_id,
            "need": self.need, "outcome": self.outcome, "features": dict(self.features),
        }

    @classmethod
    def from_json(cls, obj: object, line: int | None = None) -> FeedbackRecord:
        """Validate one decoded JSON object; ``InputError`` lists every bad field."""
        issues = _record_issues(obj, line)
        if issues:
            raise InputError(issues)
        assert isinstance(obj, Mapping)
        return cls(
            str(obj["match_id"]), str(obj["intake_ref"]), int(obj["rank"]), str(obj["service_id"]), str(obj["need"]),
            str(obj["outcome"]), {str(k): float(v) for k, v in obj["features"].items()},
        )


def is_feature_value(value: object) -> bool:
    # bool is an int to Python, but ``true`` as a feature value is a producer's bug
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _record_issues(obj: object, line: int | None) -> list[Issue]:
    if not isinstance(obj, Mapping):
        return [Issue("expected a JSON object", line=line)]
    issues = [Issue("missing", line=line, column=name) for name in _RECORD_FIELDS if name not in obj]
    for name in ("match_id", "service_id", "outcome"):
        if name in obj and (not isinstance(obj[name], str) or not obj[name].strip()):
            issues.append(Issue("must be a non-empty string", line=line, column=name))
    for name in ("intake_ref", "need"):
        if name in obj and not isinstance(obj[name], str):
            issues.append(Issue("must be a string", line=line, column=name))
    if "rank" in obj and (not isinstance(obj["rank"], int) or isinstance(obj["rank"], bool) or obj["rank"] < 1):
        issues.append(Issue(f"must be a whole number >= 1, got {obj['rank']!r}", line=line, column="rank"))
    outcome = obj.get("outcome")
    if isinstance(outcome, str) and outcome.strip() and outcome not in OUTCOMES:
        issues.append(Issue(f"unknown outcome '{outcome}' (expected one of {', '.join(OUTCOMES)})", line=line, column="outcome"))
    if "features" in obj:
        feats = obj["features"]
        if not isinstance(feats, Mapping) or not feats:
            issues.append(Issue("must be a non-empty object of numbers", line=line, column="features"))
        else:
            issues.extend(Issue(f"not a finite number: {v!r}", line=line, column=f"features.{k}") for k, v in feats.items() if not is_feature_value(v))
    return issues


def write_feedback_jsonl(path: Path | str, records: Iterable[FeedbackRecord]) -> int:
    """Write records one JSON object a line, atomically (no partial file on error); returns
    how many were written."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    n = 0
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            for rec in records:
                fh.write(json.dumps(rec.to_json(), ensure_ascii=False) + "\n")
                n += 1
        os.replace(tmp, out)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return n


def read_feedback_jsonl(path: Path | str) -> list[FeedbackRecord]:
    """Read and validate a whole file; ``InputError`` names every bad line and field."""
    src = Path(path)
    if not src.exists():
        raise InputError(Issue("file not found"), source=str(src))
    records: list[FeedbackRecord] = []
    issues: list[Issue] = []
    with open(src, encoding="utf-8") as fh:
        for n, text in enumerate(fh, start=1):
            if not text.strip():
                continue
            try:
                obj = json.loads(text)
            except json.JSONDecodeError as exc:
                issues.append(Issue(f"malformed JSON: {exc.msg}", line=n))
                continue
            bad = _record_issues(obj, n)
            if bad:
                issues.extend(bad)
            elif not issues:
                records.append(FeedbackRecord.from_json(obj, n))
    if issues:
        raise InputError(issues, source=str(src))
    return records
