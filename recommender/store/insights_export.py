"""What the insights read of a tenant's stored matches: no ids, no notes, no evidence.

Only the columns a de-identified insight record needs are selected (day, comune, the need
codes with their source, the suggested service ids with their need, the coarse profile),
streamed in creation order with a server-side cursor on PostgreSQL (``yield_per``), so a
tenant with millions of matches is read in constant memory.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlalchemy import Engine, func, select

from recommender.store.schema import matches
from recommender.store.tenants import Tenant, utc


@dataclass(frozen=True)
class MatchFacts:
    day: date  # UTC day the match was made
    comune_istat: str
    catalogue_id: int
    top_k: int
    needs: list[tuple[str, str]]  # (need code, "stated" | "surfaced")
    suggested: list[tuple[str, str]]  # (service id, need), in rank order
    profile: dict | None  # household type and age bands; None for matches stored before 0004


def _window(tenant: Tenant, date_from: date | None, date_to: date | None) -> list:
    where = [matches.c.tenant_id == tenant.id]
    if date_from is not None:
        where.append(matches.c.created_at >= datetime.combine(date_from, time.min, UTC))
    if date_to is not None:
        # <= the day's last instant, not < the next day: 9999-12-31 has no next day
        where.append(matches.c.created_at <= datetime.combine(date_to, time.max, UTC))
    return where


def count_matches(engine: Engine, tenant: Tenant, date_from: date | None = None, date_to: date | None = None) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(matches).where(*_window(tenant, date_from, date_to))).scalar_one())


def iter_match_facts(
    engine: Engine, tenant: Tenant, date_from: date | None = None, date_to: date | None = None, batch: int = 1000,
) -> Iterator[MatchFacts]:
    """The tenant's matches made between ``date_from`` and ``date_to`` (UTC days, both
    included), oldest first."""
    q = (
        select(matches.c.created_at, matches.c.comune_istat, matches.c.catalogue_id, matches.c.top_k, matches.c.needs, matches.c.results, matches.c.profile)
        .where(*_window(tenant, date_from, date_to))
        .order_by(matches.c.created_at, matches.c.id)
    )
    with engine.connect() as conn:
        for row in conn.execution_options(yield_per=batch).execute(q):
            yield MatchFacts(
                day=utc(row.created_at).date(),
                comune_istat=row.comune_istat,
                catalogue_id=row.catalogue_id,
                top_k=row.top_k,
                needs=[(n.get("need"), n.get("source")) for n in row.needs or [] if isinstance(n, dict)],
                suggested=[(r.get("service_id"), r.get("need")) for r in row.results or [] if isinstance(r, dict)],
                profile=row.profile,
            )
