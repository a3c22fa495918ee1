"""A tenant's stored feedback as training records for the re-ranker.

Each feedback event is joined with the score components stored with the suggestion it is
about (``matches.results[*].features``, by match and service). Feedback is append-only, so
a suggestion can have several events: the latest one is the manager's final word (first
``contacted``, then ``rejected`` is a rejection). Suggestions stored before the components
were kept cannot be learned from; they are skipped and counted, not guessed.

Only numbers and codes leave the store: no notes, no structured intake, no comment, no
reason text.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, select

from recommender.feedback import FeedbackRecord, is_feature_value
from recommender.store.schema import feedback, matches
from recommender.store.tenants import require_tenant


@dataclass(frozen=True)
class FeedbackExport:
    records: list[FeedbackRecord]
    events: int  # feedback rows read, before keeping the latest per suggestion
    skipped_without_features: int  # suggestions whose stored result has no usable features


def export_feedback_report(engine: Engine, tenant_name: str) -> FeedbackExport:
    """The tenant's records with what was read and skipped; unknown tenant: ``InputError``."""
    tenant = require_tenant(engine, tenant_name)
    # Only the columns needed: the comment and the notes are never even read.
    q = (
        select(
            feedback.c.id, feedback.c.match_id, feedback.c.service_id, feedback.c.rank, feedback.c.need,
            feedback.c.outcome, feedback.c.created_at, matches.c.intake_ref, matches.c.results,
        )
        .join(matches, matches.c.id == feedback.c.match_id)
        .where(feedback.c.tenant_id == tenant.id, matches.c.tenant_id == tenant.id)
        # created_at ties within one API call; the autoincrement id keeps the sent order
        .order_by(feedback.c.created_at, feedback.c.id)
    )
    latest: dict[tuple[str, str], object] = {}
    events = 0
    with engine.connect() as conn:
        for row in conn.execute(q):
            events += 1
            latest[(row.match_id, row.service_id)] = row  # later rows overwrite earlier ones

    records: list[FeedbackRecord] = []
    skipped = 0
    for (match_id, service_id), row in sorted(latest.items(), key=lambda kv: (kv[1].created_at, kv[1].id)):
        feats = next((r.get("features") for r in row.results or [] if r.get("service_id") == service_id), None)
        if not isinstance(feats, dict) or not feats or not all(is_feature_value(v) for v in feats.values()):
            skipped += 1
            continue
        records.append(FeedbackRecord(match_id, row.intake_ref, int(row.rank), service_id, row.need, row.outcome, {k: float(v) for k, v in feats.items()}))
    return FeedbackExport(records, events, skipped)


def export_feedback(engine: Engine, tenant_name: str) -> list[FeedbackRecord]:
    """The tenant's feedback, one record per suggestion with feedback (its latest event)."""
    return export_feedback_report(engine, tenant_name).records
