"""Stored matches and the feedback welfare managers give on them.

Feedback is append-only: a suggestion can be ``contacted`` today and ``service_used``
next month, and both events are kept with their time. Each call's events are committed
in one transaction before the API answers, so an acknowledged feedback is never lost.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import Engine, and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from recommender.privacy import redact_needs, redact_results
from recommender.store.schema import feedback, matches, tenants
from recommender.store.tenants import Tenant, now, utc


@dataclass(frozen=True)
class FeedbackEvent:
    service_id: str
    outcome: str
    reason: str | None = None
    comment: str | None = None
    event_id: str | None = None


@dataclass(frozen=True)
class StoredFeedback:
    id: int
    service_id: str
    rank: int
    need: str
    outcome: str
    reason: str | None
    comment: str | None
    created_at: datetime
    event_id: str | None = None


def _feedback_row(f) -> StoredFeedback:
    return StoredFeedback(f.id, f.service_id, f.rank, f.need, f.outcome, f.reason, f.comment, utc(f.created_at), f.event_id)


@dataclass
class StoredMatch:
    id: str
    tenant_id: str
    intake_ref: str
    comune_istat: str
    catalogue_id: int
    as_of: date
    top_k: int
    needs: list[dict]
    results: list[dict]
    notes: str | None
    intake: dict | None
    created_at: datetime
    feedback: list[StoredFeedback] = field(default_factory=list)
    created_by: str | None = None  # the welfare manager (users.id) who ran it on the review page


@dataclass(frozen=True)
class NewMatch:
    intake_ref: str
    comune_istat: str
    as_of: date
    top_k: int
    needs: list[dict]
    results: list[dict]
    notes: str | None = None
    intake: dict | None = None
    profile: dict | None = None  # household type and age bands only (insights.records.profile_of)


def save_matches(engine: Engine, tenant: Tenant, catalogue_id: int, items: list[NewMatch], created_by: str | None = None) -> list[str]:
    """Store matches in one transaction. Notes, the structured intake and any excerpt of the
    notes (need evidence, explanation quotes) are kept only if the tenant opted in.
    ``created_by`` is the review page's user who ran them (``None`` for API calls)."""
    ids = [str(uuid.uuid4()) for _ in items]
    if not items:
        return ids
    created = now()
    with_profile = any(m.profile is not None for m in items)  # one set of columns for the whole insert
    rows = [
        {
            "id": mid, "tenant_id": tenant.id, "intake_ref": m.intake_ref, "comune_istat": m.comune_istat,
            "catalogue_id": catalogue_id, "as_of": m.as_of, "top_k": m.top_k,
            "needs": m.needs if tenant.store_notes else redact_needs(m.needs, m.notes or ""),
            "results": m.results if tenant.store_notes else redact_results(m.results, m.notes or ""),
            "notes": m.notes if tenant.store_notes else None,
            "intake": m.intake if tenant.store_notes else None,
            "created_at": created,
            # only when given, like created_by: a store still on an older schema takes the row
            **({"profile": m.profile} if with_profile else {}),
            # only when set: API matches write exactly the columns they always wrote
            **({"created_by": created_by} if created_by is not None else {}),
        }
        for mid, m in zip(ids, items)
    ]
    with engine.begin() as conn:
        conn.execute(matches.insert(), rows)
    return ids


def _valid_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except (ValueError, AttributeError, TypeError):
        return False
    return True


def get_match(engine: Engine, tenant: Tenant, match_id: str) -> StoredMatch | None:
    """The tenant's match with its feedback; ``None`` if it does not exist *for this tenant*."""
    if not _valid_uuid(match_id):
        return None
    with engine.connect() as conn:
        row = conn.execute(select(matches).where(matches.c.id == match_id, matches.c.tenant_id == tenant.id)).first()
        if row is None:
            return None
        fb = conn.execute(
            select(feedback).where(feedback.c.match_id == match_id, feedback.c.tenant_id == tenant.id).order_by(feedback.c.id)
        ).all()
    return StoredMatch(
        row.id, row.tenant_id, row.intake_ref, row.comune_istat, row.catalogue_id, row.as_of, row.top_k,
        row.needs, row.results, row.notes, row.intake, utc(row.created_at),
        [_feedback_row(f) for f in fb], row.created_by,
    )


@dataclass(frozen=True)
class MatchSummary:
    """One line of a welfare manager's history."""

    id: str
    intake_ref: str
    comune_istat: str
    needs: list[str]  # need codes, in the match's order
    n_results: int
    n_feedback: int
    created_at: datetime


def list_user_matches(engine: Engine, tenant: Tenant, user_id: str, limit: int = 50) -> list[MatchSummary]:
    """The matches this user ran for this tenant, newest first."""
    n_feedback = (
        select(func.count(feedback.c.id))
        .where(feedback.c.match_id == matches.c.id, feedback.c.tenant_id == tenant.id)
        .scalar_subquery()
    )
    q = (
        select(matches.c.id, matches.c.intake_ref, matches.c.comune_istat, matches.c.needs, matches.c.results, matches.c.created_at, n_feedback.label("n_feedback"))
        .where(matches.c.tenant_id == tenant.id, matches.c.created_by == user_id)
        .order_by(matches.c.created_at.desc(), matches.c.id)
        .limit(limit)
    )
    with engine.connect() as conn:
        rows = conn.execute(q).all()
    return [
        MatchSummary(r.id, r.intake_ref, r.comune_istat, [n["need"] for n in r.needs], len(r.results), int(r.n_feedback or 0), utc(r.created_at))
        for r in rows
    ]


def add_feedback(engine: Engine, match: StoredMatch, events: list[FeedbackEvent]) -> list[StoredFeedback]:
    """Append events for services the match suggested (the caller has checked them).

    An event whose ``event_id`` is already stored for this match is a retry: the stored
    event is returned and nothing new is written, so a client that timed out can safely
    send the same call again.
    """
    by_service = {r["service_id"]: r for r in match.results}
    for attempt in range(2):
        try:
            return _insert_feedback(engine, match, events, by_service)
        except IntegrityError:
            # a concurrent retry stored the same event_id between our check and our insert
            if attempt:
                raise
    raise AssertionError("unreachable")


def _insert_feedback(engine: Engine, match: StoredMatch, events: list[FeedbackEvent], by_service: dict) -> list[StoredFeedback]:
    created = now()
    ids = [e.event_id for e in events if e.event_id]
    with engine.begin() as conn:
        known = {}
        if ids:
            known = {
                f.event_id: _feedback_row(f)
                for f in conn.execute(select(feedback).where(feedback.c.match_id == match.id, feedback.c.event_id.in_(ids)))
            }
        rows = [
            {
                "match_id": match.id, "tenant_id": match.tenant_id, "service_id": e.service_id,
                "rank": by_service[e.service_id]["rank"], "need": by_service[e.service_id]["need"],
                "outcome": e.outcome, "reason": e.reason, "comment": e.comment, "created_at": created,
                "event_id": e.event_id,
            }
            for e in events
            if not e.event_id or e.event_id not in known
        ]
        # RETURNING, not "the last n rows of the match": those can be another request's
        # events committed meanwhile (PostgreSQL, read committed)
        stored = conn.execute(feedback.insert().returning(*feedback.c, sort_by_parameter_order=True), rows).all() if rows else []
    new = iter(_feedback_row(f) for f in stored)
    return [known[e.event_id] if e.event_id and e.event_id in known else next(new) for e in events]


@dataclass(frozen=True)
class PurgeReport:
    notes_cleared: int
    comments_cleared: int


def purge(engine: Engine, days: int | None = None, as_of: datetime | None = None, dry_run: bool = False) -> PurgeReport:
    """Clear stored notes, structured intakes, excerpts of the notes (need evidence,
    explanation quotes) and feedback comments older than the retention period (each
    tenant's ``retention_days``, or ``days`` for all tenants).

    Needs, results and feedback outcomes stay: they carry no free text and are what the
    engine learns from.
    """
    # In UTC: SQLite compares the stored UTC wall-clock text, not instants.
    when = utc(as_of) or now()
    notes_cleared = comments_cleared = 0
    with engine.begin() as conn:
        for t in conn.execute(select(tenants.c.id, tenants.c.retention_days)).all():
            cutoff = when - timedelta(days=days if days is not None else t.retention_days)
            m_where = and_(matches.c.tenant_id == t.id, matches.c.created_at < cutoff, or_(matches.c.notes.is_not(None), matches.c.intake.is_not(None)))
            f_where = and_(feedback.c.tenant_id == t.id, feedback.c.created_at < cutoff, feedback.c.comment.is_not(None))
            if dry_run:
                notes_cleared += len(conn.execute(select(matches.c.id).where(m_where)).all())
                comments_cleared += len(conn.execute(select(feedback.c.id).where(f_where)).all())
                continue
            for row in conn.execute(select(matches.c.id, matches.c.notes, matches.c.needs, matches.c.results).where(m_where)).all():
                notes = row.notes or ""
                conn.execute(
                    update(matches)
                    .where(matches.c.id == row.id)
                    .values(notes=None, intake=None, needs=redact_needs(row.needs, notes), results=redact_results(row.results, notes))
                )
                notes_cleared += 1
            comments_cleared += conn.execute(update(feedback).where(f_where).values(comment=None)).rowcount or 0
    return PurgeReport(notes_cleared, comments_cleared)

