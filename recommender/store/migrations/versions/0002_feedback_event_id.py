"""Feedback events get the client's optional event_id, unique per match (safe retries).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.add_column(sa.Column('event_id', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint('uq_feedback_match_event', ['match_id', 'event_id'])



def downgrade() -> None:
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.drop_constraint('uq_feedback_match_event', type_='unique')
        batch_op.drop_column('event_id')

