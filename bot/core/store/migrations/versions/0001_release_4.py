"""The schema as the releases before Alembic left it (their `schema_version` 4), frozen.

Revision ID: 0001
Revises:
Create Date: 2026-12-03

A new database gets every table here. A database made by one of those releases (versions 1 to 4
in the wild) joins here too: this is the one place that knows them. Each of its tables was made
with "create if missing" by the release that added it, so here each table is created only if it
is missing, and the two changes those releases made in place are made if not made yet: the
outbox's `epoch` (version 3) and the claim order of `ix_outbox_ready` (before version 2). Their
`schema_version` row is kept but set to 5 (`LEGACY_REFUSAL`), so that such a release, started on
this database by mistake, refuses it as "at schema version 5" rather than taking its tables as
its own (it would run on a schema it does not know).

No downgrade: a release goes back to an older schema by restoring a backup (README, Backups).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

LEGACY_REFUSAL = 5  # above every `schema_version` the releases before Alembic knew (1 to 4)
CLAIM_ORDER = ["state", "platform", "next_attempt_at", "lang", "id"]


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    there = set(inspector.get_table_names())

    if "subscriptions" not in there:
        op.create_table(
            "subscriptions",
            sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
            sa.Column("platform", sa.String(16), nullable=False),
            sa.Column("chat_id", sa.String(64), nullable=False),
            sa.Column("thread", sa.String(64), nullable=False),
            sa.Column("chat_kind", sa.String(8), nullable=False),
            sa.Column("chat_title", sa.String(200), nullable=False),
            sa.Column("languages", sa.String(4), nullable=False),
            sa.Column("times", sa.String(200), nullable=False),
            sa.Column("instant", sa.Boolean(), nullable=False),
            sa.Column("timezone", sa.String(64), nullable=False),
            sa.Column("state", sa.String(8), nullable=False),
            sa.Column("paused_reason", sa.String(500)),
            sa.Column("paused_at", sa.DateTime()),
            sa.Column("subscribed_by", sa.String(100), nullable=False),
            sa.Column("subscribed_at", sa.DateTime(), nullable=False),
            sa.Column("next_due", sa.DateTime()),
            sa.Column("last_edition", sa.String(64)),
            sa.Column("last_sent_at", sa.DateTime()),
            sa.UniqueConstraint("platform", "chat_id", "thread", name="uq_subscription_chat"),
        )
        op.create_index("ix_subscription_due", "subscriptions", ["state", "next_due"])

    if "outbox" not in there:
        op.create_table(
            "outbox",
            sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
            sa.Column("subscription_id", sa.Integer(), nullable=False),
            sa.Column("platform", sa.String(16), nullable=False),
            sa.Column("chat_id", sa.String(64), nullable=False),
            sa.Column("thread", sa.String(64), nullable=False),
            sa.Column("chat_kind", sa.String(8), nullable=False),
            sa.Column("key", sa.String(100), nullable=False),
            sa.Column("body", sa.String(100), nullable=False),
            sa.Column("lang", sa.String(2), nullable=False),
            sa.Column("kind", sa.String(16), nullable=False),
            sa.Column("state", sa.String(10), nullable=False),
            sa.Column("attempts", sa.Integer(), nullable=False),
            sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
            sa.Column("last_error", sa.String(500)),
            sa.Column("message_id", sa.String(64)),
            sa.Column("created_at", sa.DateTime(), nullable=False),
            sa.Column("updated_at", sa.DateTime(), nullable=False),
            sa.Column("epoch", sa.Integer(), nullable=False, server_default="0"),
            sa.UniqueConstraint("subscription_id", "key", "lang", name="uq_outbox_delivery"),
        )
        op.create_index("ix_outbox_ready", "outbox", CLAIM_ORDER)
        op.create_index("ix_outbox_key", "outbox", ["key", "state"])
    else:
        _bring_outbox_to_release_4(inspector)

    if "bodies" not in there:
        op.create_table(
            "bodies",
            sa.Column("body", sa.String(100), primary_key=True),
            sa.Column("lang", sa.String(2), primary_key=True),
            sa.Column("format", sa.String(10), primary_key=True),
            sa.Column("text", sa.Text(), nullable=False),
        )

    if "pushes" not in there:
        op.create_table(
            "pushes",
            sa.Column("id", sa.String(32), primary_key=True),
            sa.Column("summary_id", sa.String(100)),
            sa.Column("text_en", sa.Text()),
            sa.Column("text_id", sa.Text()),
            sa.Column("state", sa.String(10), nullable=False),
            sa.Column("created_by", sa.String(100), nullable=False),
            sa.Column("created_at", sa.DateTime(), nullable=False),
            sa.Column("sent_at", sa.DateTime()),
        )

    if "audit" not in there:
        op.create_table(
            "audit",
            sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
            sa.Column("at", sa.DateTime(), nullable=False),
            sa.Column("actor", sa.String(100), nullable=False),
            sa.Column("action", sa.String(32), nullable=False),
            sa.Column("detail", sa.String(1000), nullable=False),
        )

    if "markers" not in there:  # version 2
        op.create_table(
            "markers",
            sa.Column("name", sa.String(100), primary_key=True),
            sa.Column("value", sa.String(200), nullable=False),
        )

    if "leases" not in there:  # version 3, with choices and relayed_replies
        op.create_table(
            "leases",
            sa.Column("name", sa.String(100), primary_key=True),
            sa.Column("holder", sa.String(100), nullable=False),
            sa.Column("epoch", sa.Integer(), nullable=False),
            sa.Column("session", sa.Integer(), nullable=False),
            sa.Column("expires_at", sa.DateTime(), nullable=False),
        )

    if "choices" not in there:
        op.create_table(
            "choices",
            sa.Column("key", sa.String(40), primary_key=True),
            sa.Column("command", sa.Text(), nullable=False),
            sa.Column("created_at", sa.DateTime(), nullable=False),
        )

    if "relayed_replies" not in there:
        op.create_table(
            "relayed_replies",
            sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
            sa.Column("platform", sa.String(16), nullable=False),
            sa.Column("chat_id", sa.String(64), nullable=False),
            sa.Column("thread", sa.String(64), nullable=False),
            sa.Column("chat_kind", sa.String(8), nullable=False),
            sa.Column("text", sa.Text()),
            sa.Column("buttons", sa.JSON(), nullable=False),
            sa.Column("message_id", sa.String(64), nullable=False),
            sa.Column("photo", sa.LargeBinary()),
            sa.Column("photo_name", sa.String(100), nullable=False),
            sa.Column("state", sa.String(10), nullable=False),
            sa.Column("epoch", sa.Integer(), nullable=False),
            sa.Column("give_up_at", sa.DateTime(), nullable=False),
            sa.Column("outcome", sa.String(12)),
            sa.Column("detail", sa.String(500)),
            sa.Column("updated_at", sa.DateTime(), nullable=False),
        )
        op.create_index("ix_relayed_ready", "relayed_replies", ["state", "platform", "id"])

    if "chats" not in there:  # version 4, with follows and statements_seen
        op.create_table(
            "chats",
            sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
            sa.Column("platform", sa.String(16), nullable=False),
            sa.Column("chat_id", sa.String(64), nullable=False),
            sa.Column("thread", sa.String(64), nullable=False),
            sa.Column("chat_kind", sa.String(8), nullable=False),
            sa.Column("lang", sa.String(2), nullable=False),
            sa.Column("gone", sa.String(500)),
            sa.Column("gone_at", sa.DateTime()),
            sa.UniqueConstraint("platform", "chat_id", "thread", name="uq_chat"),
        )

    if "follows" not in there:
        op.create_table(
            "follows",
            sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
            sa.Column("chat", sa.Integer(), nullable=False),
            sa.Column("person", sa.String(100), nullable=False),
            sa.Column("topic", sa.String(200), nullable=False),
            sa.Column("followed_by", sa.String(100), nullable=False),
            sa.Column("followed_at", sa.DateTime(), nullable=False),
            sa.UniqueConstraint("chat", "person", "topic", name="uq_follow"),
        )
        op.create_index("ix_follow_person", "follows", ["person", "topic"])
        op.create_index("ix_follow_topic", "follows", ["topic"])

    if "statements_seen" not in there:
        op.create_table(
            "statements_seen",
            sa.Column("statement", sa.String(100), primary_key=True),
        )

    if "schema_version" not in there:
        op.create_table("schema_version", sa.Column("version", sa.Integer(), nullable=False))
    op.execute(sa.text("DELETE FROM schema_version"))
    op.execute(sa.text(f"INSERT INTO schema_version (version) VALUES ({LEGACY_REFUSAL})"))


def _bring_outbox_to_release_4(inspector: sa.Inspector) -> None:
    """An outbox made by an older release: the changes later ones made to it in place."""
    if "epoch" not in {column["name"] for column in inspector.get_columns("outbox")}:
        with op.batch_alter_table("outbox") as batch:
            batch.add_column(sa.Column("epoch", sa.Integer(), nullable=False, server_default="0"))
    ready = [
        index for index in inspector.get_indexes("outbox") if index["name"] == "ix_outbox_ready"
    ]
    if [index["column_names"] for index in ready] != [CLAIM_ORDER]:
        if ready:
            op.drop_index("ix_outbox_ready", "outbox")
        op.create_index("ix_outbox_ready", "outbox", CLAIM_ORDER)
