"""What a delivery is for, its occasion: "<kind>:<detail>", unique per chat and language, so
planning the same occasion twice queues it once."""

from __future__ import annotations

import enum


class Occasion(enum.StrEnum):
    SCHEDULED = "scheduled"  # a chat's delivery time: "scheduled:2025-10-07T00:00Z"
    INSTANT = "instant"  # a new edition for instant subscribers: "instant:<selection>"
    PUSH = "push"  # an admin's push: "push:<push id>"
    FOLLOW = "follow"  # new statements for the chats following them: "follow:<statements>"

    def of(self, detail: str) -> str:
        return f"{self}:{detail}"


# A note to the admins: "alert:<kind>:<detail>" (`delivery.alerts`). Not a member of Occasion,
# whose members are what a paid broadcast may cover: an alert is never a broadcast.
ALERT = "alert"


def kind_of(occasion: str) -> str:
    """The kind of an occasion as stored ("push:1a2b" → "push")."""
    return occasion.partition(":")[0]
