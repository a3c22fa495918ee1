"""Welfare managers' accounts for the review page: one tenant each, a username and a password.

Passwords are stored as ``hashlib.scrypt`` hashes with a random per-user salt (standard
library only: nothing to pin, nothing to build). A login for an unknown or disabled user
still computes one hash, so the answer takes the same time whether the username exists or
not. Users are disabled, never deleted: the matches they ran keep pointing at them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, delete, select, update
from sqlalchemy.exc import IntegrityError

from recommender.errors import InputError, Issue
from recommender.store.schema import tenants, users, web_sessions
from recommender.store.tenants import now, require_tenant, utc

# scrypt cost: 2**14 x 8 uses 16 MiB and about 50 ms per hash on one core; enough to make
# an offline guess of a stolen hash expensive, cheap enough for a login.
_LOG2_N, _R, _P, _DKLEN = 14, 8, 1, 32
_USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,63}$")
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 200


@dataclass(frozen=True)
class User:
    id: str
    tenant_id: str
    tenant_name: str
    username: str
    display_name: str
    created_at: datetime
    disabled_at: datetime | None

    @property
    def active(self) -> bool:
        return self.disabled_at is None


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_password(password: str, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=2**_LOG2_N, r=_R, p=_P, dklen=_DKLEN)
    return f"scrypt${_LOG2_N}${_R}${_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    """Constant-time comparison with a stored hash (its own cost parameters)."""
    try:
        scheme, log2_n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        got = hashlib.scrypt(password.encode("utf-8"), salt=base64.b64decode(salt), n=2 ** int(log2_n), r=int(r), p=int(p), dklen=len(expected))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, expected)


# Compared against when the user does not exist, so that both paths cost one scrypt.
_DUMMY_HASH = hash_password(secrets.token_urlsafe(16))


def normalize_username(username: str) -> str:
    return (username or "").strip().lower()


def check_username(username: str) -> str:
    name = normalize_username(username)
    if not _USERNAME_RE.match(name):
        raise InputError(Issue("use 2-64 lowercase letters, digits, '.', '_', '@' or '-', starting with a letter or digit", column="username"))
    return name


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InputError(Issue(f"must be at least {MIN_PASSWORD_LENGTH} characters long", column="password"))
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InputError(Issue(f"must be at most {MAX_PASSWORD_LENGTH} characters long", column="password"))
    if not password.strip():
        raise InputError(Issue("must not be only spaces", column="password"))
    return password


def _check_display_name(display_name: str, username: str) -> str:
    name = " ".join((display_name or "").split())
    if len(name) > 100:
        raise InputError(Issue("must be at most 100 characters long", column="display_name"))
    return name or username


def _user(row) -> User:
    return User(row.id, row.tenant_id, row.tenant_name, row.username, row.display_name, utc(row.created_at), utc(row.disabled_at))


def _select_users():
    return select(users, tenants.c.name.label("tenant_name")).join(tenants, tenants.c.id == users.c.tenant_id)


def create_user(engine: Engine, tenant_name: str, username: str, password: str, display_name: str = "") -> User:
    tenant = require_tenant(engine, tenant_name)
    name = check_username(username)
    check_password(password)
    shown = _check_display_name(display_name, name)
    uid = uuid.uuid4().hex
    try:
        with engine.begin() as conn:
            if conn.execute(select(users.c.id).where(users.c.username == name)).first():
                raise InputError(Issue(f"a user named '{name}' already exists", column="username"))
            conn.execute(users.insert().values(id=uid, tenant_id=tenant.id, username=name, display_name=shown,
                                               password_hash=hash_password(password), created_at=now(), disabled_at=None))
    except IntegrityError:  # created concurrently between the check and the insert
        raise InputError(Issue(f"a user named '{name}' already exists", column="username")) from None
    return require_user(engine, name)


def get_user(engine: Engine, username: str) -> User | None:
    with engine.connect() as conn:
        row = conn.execute(_select_users().where(users.c.username == normalize_username(username))).first()
    return _user(row) if row else None


def get_user_by_id(engine: Engine, user_id: str) -> User | None:
    with engine.connect() as conn:
        row = conn.execute(_select_users().where(users.c.id == user_id)).first()
    return _user(row) if row else None


def require_user(engine: Engine, username: str) -> User:
    user = get_user(engine, username)
    if user is None:
        raise InputError(Issue(f"no user named '{normalize_username(username)}'", column="username"))
    return user


def list_users(engine: Engine, tenant_name: str | None = None) -> list[User]:
    q = _select_users().order_by(tenants.c.name, users.c.username)
    if tenant_name is not None:
        q = q.where(tenants.c.id == require_tenant(engine, tenant_name).id)
    with engine.connect() as conn:
        return [_user(r) for r in conn.execute(q)]


def disable_user(engine: Engine, username: str) -> User:
    """Disable the account and end all its sessions at once (they are server-side)."""
    user = require_user(engine, username)
    with engine.begin() as conn:
        if user.disabled_at is None:
            conn.execute(update(users).where(users.c.id == user.id).values(disabled_at=now()))
        conn.execute(delete(web_sessions).where(web_sessions.c.user_id == user.id))
    return require_user(engine, username)


def reset_user(engine: Engine, tenant_name: str, username: str, password: str, display_name: str = "") -> User:
    """Create the user, or give an existing one of the same tenant this password and enable
    it again (``serve --demo`` uses it for the demo account)."""
    existing = get_user(engine, username)
    if existing is None:
        return create_user(engine, tenant_name, username, password, display_name)
    tenant = require_tenant(engine, tenant_name)
    if existing.tenant_id != tenant.id:
        raise InputError(Issue(f"user '{existing.username}' belongs to tenant '{existing.tenant_name}', not '{tenant_name}'", column="username"))
    check_password(password)
    with engine.begin() as conn:
        conn.execute(update(users).where(users.c.id == existing.id).values(
            password_hash=hash_password(password), disabled_at=None, display_name=_check_display_name(display_name, existing.username),
        ))
    return require_user(engine, username)


def authenticate(engine: Engine, username: str, password: str) -> User | None:
    """The active user with this username and password; ``None`` otherwise, after the same
    work (one scrypt) whether the username exists or not."""
    name = normalize_username(username)
    row = None
    if _USERNAME_RE.match(name) and len(password) <= MAX_PASSWORD_LENGTH:
        with engine.connect() as conn:
            row = conn.execute(_select_users().where(users.c.username == name)).first()
    stored = row.password_hash if row is not None else _DUMMY_HASH
    ok = verify_password(password[:MAX_PASSWORD_LENGTH], stored)
    if row is None or not ok or row.disabled_at is not None:
        return None
    return _user(row)
