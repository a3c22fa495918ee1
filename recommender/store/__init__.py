"""Durable store of tenants, API keys, catalogues, matches and feedback (SQLAlchemy Core).

SQLite by default (a file under the project's data directory), PostgreSQL when
``DATABASE_URL`` points to one. The schema is created and upgraded by Alembic migrations
(``recommender db upgrade``; the API server upgrades on start).
"""
