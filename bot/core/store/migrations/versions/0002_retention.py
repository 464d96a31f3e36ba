"""Bounded storage: when each text was stored, and the indexes the retention pass and /status
read by.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03

`bodies.stored_at` is empty for the texts stored before it: the retention pass takes those as
old, to be deleted once no delivery carries them (`store.retention`).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("bodies") as batch:
        batch.add_column(sa.Column("stored_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("outbox") as batch:
        # Finished deliveries by age: what the pass deletes, and what /status counts of a day.
        batch.create_index("ix_outbox_settled", ["state", "updated_at"])
        # Whether any delivery still carries a text.
        batch.create_index("ix_outbox_body", ["body"])
    with op.batch_alter_table("subscriptions") as batch:
        # /status's subscriptions by platform and state, from the index alone.
        batch.create_index("ix_subscription_platform", ["platform", "state"])
