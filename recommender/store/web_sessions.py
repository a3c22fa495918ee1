"""Server-side sessions of the review page.

The browser holds a random token (256 bits) in an HttpOnly cookie; the store keeps only its
SHA-256 (so a copy of the database opens no session), the user, the session's CSRF token and
its times. Because the session lives here, logging out, disabling the user or the idle
timeout end it for real: a copied cookie stops working at once.

A session ends after ``IDLE`` without requests, and in any case ``ABSOLUTE`` after the
login. Expired rows are deleted at each login (and by ``purge_expired_sessions``).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, select, update

from recommender.store.schema import tenants, users, web_sessions
from recommender.store.tenants import Tenant, now, utc
from recommender.store.users import User

IDLE = timedelta(hours=8)
ABSOLUTE = timedelta(hours=12)
# last_seen_at is rewritten at most this often: one write per page view would be wasted I/O
TOUCH_EVERY = timedelta(seconds=60)


@dataclass(frozen=True)
class WebSession:
    id: str  # sha256 of the cookie's token
    user: User
    tenant: Tenant
    csrf_token: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime


def session_id(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _expiry(created: datetime, seen: datetime) -> datetime:
    return min(seen + IDLE, created + ABSOLUTE)


def create_session(engine: Engine, user: User) -> tuple[str, WebSession]:
    """Open a session for an authenticated user; return ``(cookie token, session)``."""
    token = secrets.token_urlsafe(32)
    created = now()
    csrf = secrets.token_urlsafe(32)
    sid = session_id(token)
    with engine.begin() as conn:
        conn.execute(delete(web_sessions).where(web_sessions.c.expires_at < created))
        conn.execute(web_sessions.insert().values(id=sid, user_id=user.id, csrf_token=csrf, created_at=created,
                                                  last_seen_at=created, expires_at=_expiry(created, created)))
    session = get_session(engine, token)
    assert session is not None  # just written, and the user is active
    return token, session


def get_session(engine: Engine, token: str | None) -> WebSession | None:
    """The live session of this cookie token, refreshing its idle timer; ``None`` if there is
    none, it expired, or its user has been disabled."""
    if not token or len(token) > 128:
        return None
    sid = session_id(token)
    q = (
        select(
            web_sessions, users.c.tenant_id, users.c.username, users.c.display_name, users.c.created_at.label("user_created_at"),
            users.c.disabled_at, tenants.c.name.label("tenant_name"), tenants.c.store_notes, tenants.c.retention_days, tenants.c.catalogue_id,
        )
        .join(users, users.c.id == web_sessions.c.user_id)
        .join(tenants, tenants.c.id == users.c.tenant_id)
        .where(web_sessions.c.id == sid)
    )
    with engine.connect() as conn:
        row = conn.execute(q).first()
    if row is None:
        return None
    at = now()
    created, seen, expires = utc(row.created_at), utc(row.last_seen_at), utc(row.expires_at)
    if row.disabled_at is not None or expires <= at:
        end_session(engine, token)
        return None
    if at - seen >= TOUCH_EVERY:
        seen, expires = at, _expiry(created, at)
        with engine.begin() as conn:
            conn.execute(update(web_sessions).where(web_sessions.c.id == sid).values(last_seen_at=seen, expires_at=expires))
    user = User(row.user_id, row.tenant_id, row.tenant_name, row.username, row.display_name, utc(row.user_created_at), None)
    tenant = Tenant(row.tenant_id, row.tenant_name, bool(row.store_notes), int(row.retention_days), row.catalogue_id)
    return WebSession(sid, user, tenant, row.csrf_token, created, seen, expires)


def end_session(engine: Engine, token: str | None) -> bool:
    """Delete the session (logout); ``True`` if there was one."""
    if not token:
        return False
    with engine.begin() as conn:
        return bool(conn.execute(delete(web_sessions).where(web_sessions.c.id == session_id(token))).rowcount)


def count_sessions(engine: Engine, user_id: str) -> int:
    with engine.connect() as conn:
        return len(conn.execute(select(web_sessions.c.id).where(web_sessions.c.user_id == user_id)).all())


def purge_expired_sessions(engine: Engine, at: datetime | None = None) -> int:
    with engine.begin() as conn:
        return conn.execute(delete(web_sessions).where(web_sessions.c.expires_at < (utc(at) or now()))).rowcount or 0
