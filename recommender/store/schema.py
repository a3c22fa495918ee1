"""Table definitions. Every row that belongs to a platform carries its ``tenant_id``, and
every query of the store filters on it: that is how one platform never sees another's data.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

tenants = Table(
    "tenants",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    # Intake notes hold special-category data (health, disability, income): kept only if
    # the platform opts in, and then only for retention_days.
    Column("store_notes", Boolean, nullable=False, default=False),
    Column("retention_days", Integer, nullable=False, default=30),
    Column("catalogue_id", Integer, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", String(16), primary_key=True),
    Column("tenant_id", String(32), ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("secret_sha256", String(64), nullable=False),
    Column("label", String(100), nullable=False, default=""),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
    # An administrator key may also read the tenant's aggregate insights (GET /v1/insights).
    # Server default only: an ordinary key is inserted without the column (older schemas too).
    Column("admin", Boolean, nullable=False, server_default=false()),
)

catalogues = Table(
    "catalogues",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("tenant_id", String(32), ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("csv_text", Text, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("n_services", Integer, nullable=False),
    Column("uploaded_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("tenant_id", "version", name="uq_catalogues_tenant_version"),
)

matches = Table(
    "matches",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("tenant_id", String(32), ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False),
    Column("intake_ref", String(200), nullable=False),
    Column("comune_istat", String(6), nullable=False),
    Column("catalogue_id", Integer, ForeignKey("catalogues.id"), nullable=False),
    Column("as_of", Date, nullable=False),
    Column("top_k", Integer, nullable=False),
    Column("needs", JSON, nullable=False),
    Column("results", JSON, nullable=False),
    # Only when the tenant stores notes: the notes and the structured intake (household,
    # ISEE, funding); both are cleared by the retention purge.
    Column("notes", Text, nullable=True),
    Column("intake", JSON(none_as_null=True), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # The welfare manager who ran the match on the review page (NULL for API matches):
    # their history lists it. Users are disabled, never deleted, so the link stays.
    Column("created_by", String(32), ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    # The coarse profile of the people (household type and age bands, nothing else), kept
    # whatever the tenant's notes setting: what the insights need, and no more (0004).
    Column("profile", JSON(none_as_null=True), nullable=True),
    Index("ix_matches_tenant_created", "tenant_id", "created_at"),
    Index("ix_matches_created_by_created", "created_by", "created_at"),
)

feedback = Table(
    "feedback",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("match_id", String(36), ForeignKey("matches.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("tenant_id", String(32), ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("service_id", String(200), nullable=False),
    Column("rank", Integer, nullable=False),
    Column("need", String(40), nullable=False),
    Column("outcome", String(20), nullable=False),
    Column("reason", String(40), nullable=True),
    Column("comment", Text, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # The client's id of the event: a retry that re-sends it stores nothing new.
    Column("event_id", String(64), nullable=True),
    UniqueConstraint("match_id", "event_id", name="uq_feedback_match_event"),
)

# --- the review page's users and their sessions ---------------------------------------------

users = Table(
    "users",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("tenant_id", String(32), ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False, index=True),
    # Unique across tenants: a welfare manager logs in with the username alone.
    Column("username", String(64), nullable=False, unique=True),
    Column("display_name", String(100), nullable=False),
    # "scrypt$n$r$p$salt$hash" (base64): a slow hash with a per-user salt; see store/users.py.
    Column("password_hash", String(255), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("disabled_at", DateTime(timezone=True), nullable=True),
)

web_sessions = Table(
    "web_sessions",
    metadata,
    # SHA-256 of the random token in the cookie: a copy of the database opens no session.
    Column("id", String(64), primary_key=True),
    Column("user_id", String(32), ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_seen_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False, index=True),
)
