"""Matches keep a coarse profile of the people (household type and age bands) for the
insights; API keys get an administrator flag (GET /v1/insights).

Existing matches get no profile (the insights read them as "non noto"); existing keys are
not administrators.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('matches', schema=None) as batch_op:
        batch_op.add_column(sa.Column('profile', sa.JSON(none_as_null=True), nullable=True))

    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        batch_op.add_column(sa.Column('admin', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        batch_op.drop_column('admin')

    with op.batch_alter_table('matches', schema=None) as batch_op:
        batch_op.drop_column('profile')
