"""The errors Discord answers with, raised as a ``Reply`` anywhere below a route handler (a lookup,
a check, a fault) and turned into the response by the request handler."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

# Error bodies Discord answers with (message, code).
ERRORS: dict[str, tuple[str, int]] = {
    "unknown_channel": ("Unknown Channel", 10003),
    "unknown_message": ("Unknown Message", 10008),
    "unknown_webhook": ("Unknown Webhook", 10015),
    "invalid_webhook_token": ("Invalid Webhook Token", 50027),
    "unknown_user": ("Unknown User", 10013),
    "unknown_interaction": ("Unknown interaction", 10062),
    "missing_access": ("Missing Access", 50001),
    "missing_permissions": ("Missing Permissions", 50013),
    "cannot_dm": ("Cannot send messages to this user", 50007),
    "empty_message": ("Cannot send an empty message", 50006),
    "not_author": ("Cannot edit a message authored by another user", 50005),
    "non_text": ("Cannot send messages in a non-text channel", 50008),
    "already_acknowledged": ("Interaction has already been acknowledged.", 40060),
    "entity_too_large": ("Request entity too large", 40005),
}


class Reply(Exception):
    """Raised by a route handler to answer with an error."""

    def __init__(self, status: int, body: Any, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(status, body)
        self.status = status
        self.body = body
        self.headers = dict(headers or {})


def error(status: int, key: str) -> Reply:
    message, code = ERRORS[key]
    return Reply(status, {"message": message, "code": code})


def form_error(errors: dict[str, Any]) -> Reply:
    """400 Invalid Form Body with ``errors``, the tree ``put_error`` builds."""
    return Reply(400, {"message": "Invalid Form Body", "code": 50035, "errors": errors})


def put_error(tree: dict[str, Any], path: Sequence[str | int], code: str, message: str) -> None:
    """Add an error at ``path`` (keys and list positions) of an Invalid Form Body tree, where
    Discord puts it: ``{"embeds": {"0": {"title": {"_errors": [...]}}}}``."""
    node = tree
    for key in path:
        node = node.setdefault(str(key), {})
    node.setdefault("_errors", []).append({"code": code, "message": message})
