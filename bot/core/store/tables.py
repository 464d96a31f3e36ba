"""The database schema. Portable SQL: SQLite by default, PostgreSQL too.

Times are stored as naive UTC (`UtcDateTime` converts), so comparisons work the same everywhere.
A change here needs a revision in `migrations/versions/` (README, Migrations): a test fails until
the migrated schema matches these tables.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any, Final

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Dialect,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator[dt.datetime]):
    """Aware datetimes in, aware UTC datetimes out; naive UTC in the column."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        return None if value is None else value.replace(tzinfo=dt.UTC)


metadata = MetaData()

# The releases before Alembic kept their schema's version here. Kept, and set above every version
# they knew (migrations/versions/0001), so that such a release started on this database refuses
# it rather than running on a schema it does not know.
schema_version = Table("schema_version", metadata, Column("version", Integer, nullable=False))

subscriptions = Table(
    "subscriptions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("platform", String(16), nullable=False),
    Column("chat_id", String(64), nullable=False),
    Column("thread", String(64), nullable=False, default=""),
    Column("chat_kind", String(8), nullable=False),
    Column("chat_title", String(200), nullable=False, default=""),
    Column("languages", String(4), nullable=False),  # en, id or both
    Column("times", String(200), nullable=False, default=""),  # "07:00 19:00", local wall time
    Column("instant", Boolean, nullable=False, default=False),
    Column("timezone", String(64), nullable=False),
    Column("state", String(8), nullable=False, default="active"),  # active or paused
    Column("paused_reason", String(500)),
    Column("paused_at", UtcDateTime),
    Column("subscribed_by", String(100), nullable=False),
    Column("subscribed_at", UtcDateTime, nullable=False),
    Column("next_due", UtcDateTime),  # the next scheduled delivery; None without times
    Column("last_edition", String(64)),  # the content edition last sent here
    Column("last_sent_at", UtcDateTime),
    UniqueConstraint("platform", "chat_id", "thread", name="uq_subscription_chat"),
    Index("ix_subscription_due", "state", "next_due"),
    # /status counts the subscriptions by platform and state: read from this index alone, not
    # from the whole table (75 ms of /status's 100 at 100,000 subscriptions).
    Index("ix_subscription_platform", "platform", "state"),
)


class OutboxState(enum.StrEnum):
    """Where a delivery stands: pending → sending → delivered, or it ends failed or cancelled."""

    PENDING = "pending"  # waiting for its next attempt
    SENDING = "sending"  # claimed by a dispatcher: the only rows a crash leaves in doubt
    DELIVERED = "delivered"
    FAILED = "failed"  # given up, with the reason recorded
    CANCELLED = "cancelled"  # the chat unsubscribed or moved before it went out


# The states a row ends in: nothing more happens to it.
FINISHED: Final = (OutboxState.DELIVERED, OutboxState.FAILED, OutboxState.CANCELLED)


outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("subscription_id", Integer, nullable=False),
    Column("platform", String(16), nullable=False),
    Column("chat_id", String(64), nullable=False),
    Column("thread", String(64), nullable=False),
    Column("chat_kind", String(8), nullable=False),
    # What the delivery is for ("scheduled:<slot>", "instant:<edition>", "push:<id>"): unique to
    # its chat and language, so planning the same occasion twice queues it once.
    Column("key", String(100), nullable=False, key="occasion"),
    Column("body", String(100), nullable=False, key="body_id"),  # which stored text it carries
    Column("lang", String(2), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("state", String(10), nullable=False, default=OutboxState.PENDING),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UtcDateTime, nullable=False),
    Column("last_error", String(500)),
    Column("message_id", String(64)),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    # The fencing epoch of the sender lease under which the row was last claimed: a takeover
    # releases the rows of older epochs, and a holder that lost its lease records only its own.
    Column("epoch", Integer, nullable=False, server_default="0"),
    UniqueConstraint("subscription_id", "occasion", "lang", name="uq_outbox_delivery"),
    # Claims take rows in this order; `lang` is in it so that the English and Indonesian copies
    # for one chat land in different batches rather than one waiting a second on the other.
    Index("ix_outbox_ready", "state", "platform", "next_attempt_at", "lang", "id"),
    Index("ix_outbox_key", "occasion", "state"),
    # The retention pass (`store.retention`): finished rows by their last update, and whether
    # any row still carries a body.
    Index("ix_outbox_settled", "state", "updated_at"),
    Index("ix_outbox_body", "body_id"),
)

bodies = Table(
    "bodies",
    metadata,
    Column("body", String(100), primary_key=True, key="body_id"),
    Column("lang", String(2), primary_key=True),
    Column("format", String(10), primary_key=True),
    Column("text", Text, nullable=False),
    # When it was last stored (every store of the same text touches it): retention deletes a body
    # no delivery carries only once it is older than the cutoff, so one just stored, about to
    # be queued, stays. None: stored before retention existed (revision 0002), as old as any.
    Column("stored_at", UtcDateTime),
)

pushes = Table(
    "pushes",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("summary_id", String(100)),
    Column("text_en", Text),
    Column("text_id", Text),
    Column("state", String(10), nullable=False),  # draft, sent or cancelled
    Column("created_by", String(100), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("sent_at", UtcDateTime),
)

audit = Table(
    "audit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", UtcDateTime, nullable=False),
    Column("actor", String(100), nullable=False),
    Column("action", String(32), nullable=False),
    Column("detail", String(1000), nullable=False, default=""),
)

# Small facts the bot keeps between runs, by name: the hash of the slash commands last synced
# to Discord, so that they are synced only when they change.
markers = Table(
    "markers",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("value", String(200), nullable=False),
)


# Roles that one instance at a time holds (see `store.leases`): who holds each, under which
# fencing epoch (raised at every takeover), its session on the database and until when its
# holder last promised to be alive. Also turns (`Leases.turn`: a Discord IDENTIFY bucket's),
# which run out at `expires_at` by themselves (session 0 on PostgreSQL).
leases = Table(
    "leases",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("holder", String(100), nullable=False),
    Column("epoch", Integer, nullable=False),
    Column("session", Integer, nullable=False),  # the holder's backend pid (PostgreSQL)
    Column("expires_at", UtcDateTime, nullable=False),
)


# The commands of buttons too long for the platform's button data, by the short key the button
# carries instead: in the store, so that a press reaches any instance (and survives a restart).
choices = Table(
    "choices",
    metadata,
    Column("key", String(40), primary_key=True),
    Column("command", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),  # when a button last carried it
)


class RelayState(enum.StrEnum):
    """Where a relayed reply stands: pending → sending → answered (its outcome recorded)."""

    PENDING = "pending"  # waiting for the sender's holder to claim it
    SENDING = "sending"  # claimed under a sender-lease epoch: a newer holder takes it over
    ANSWERED = "answered"  # sent or given up: `outcome` says which


# Replies to commands an instance took without holding the platform's sender lease, handed to the
# instance that holds it (see `store.relay`): what to send, until when to keep trying, and what it
# came to. A row lives until its asker has read the outcome (or, its asker gone, about an hour).
relayed_replies = Table(
    "relayed_replies",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("platform", String(16), nullable=False),
    Column("chat_id", String(64), nullable=False),
    Column("thread", String(64), nullable=False),
    Column("chat_kind", String(8), nullable=False),
    Column("text", Text),  # None: an edit that only takes the buttons away
    Column("buttons", JSON, nullable=False),  # [[label, data], ...]
    Column("message_id", String(64), nullable=False),  # the message to edit; "" for a new one
    Column("photo", LargeBinary),  # a picture the text is the caption of (PNG)
    Column("photo_name", String(100), nullable=False, default=""),
    Column("state", String(10), nullable=False),
    Column("epoch", Integer, nullable=False),  # of the sender lease it was last claimed under
    Column("give_up_at", UtcDateTime, nullable=False),  # by the database's clock
    Column("outcome", String(12)),  # delivered, retry_after, chat_gone, chat_moved, transient
    Column("detail", String(500)),  # its message id, seconds or reason
    Column("updated_at", UtcDateTime, nullable=False),
    Index("ix_relayed_ready", "state", "platform", "id"),
)

# A chat's own settings, apart from a subscription: its language (/lang, or the language of the
# first follow made there), and why it is gone if sending there failed for good. Follows belong
# to a chat here, so a chat may follow without subscribing.
chats = Table(
    "chats",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("platform", String(16), nullable=False),
    Column("chat_id", String(64), nullable=False),
    Column("thread", String(64), nullable=False, default=""),
    Column("chat_kind", String(8), nullable=False),
    Column("lang", String(2), nullable=False),
    Column("gone", String(500)),  # why sending there cannot succeed; None while it can
    Column("gone_at", UtcDateTime),
    UniqueConstraint("platform", "chat_id", "thread", name="uq_chat"),
)

# What chats follow: a person (an id from the content), a topic (normalised words), or both (a
# person on a topic); "" for the part not given.
follows = Table(
    "follows",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("chat", Integer, nullable=False),  # chats.id
    Column("person", String(100), nullable=False, default=""),
    Column("topic", String(200), nullable=False, default=""),
    Column("followed_by", String(100), nullable=False),
    Column("followed_at", UtcDateTime, nullable=False),
    UniqueConstraint("chat", "person", "topic", name="uq_follow"),
    Index("ix_follow_person", "person", "topic"),
    Index("ix_follow_topic", "topic"),
)

# The statements already matched against the follows, by id: a statement not here is new.
statements_seen = Table(
    "statements_seen",
    metadata,
    Column("statement", String(100), primary_key=True),
)
