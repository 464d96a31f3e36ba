"""The bot's answers to interactions: the callback (within ``callback_deadline``, once), then the
follow-ups and edits through the interaction's webhook (until its token expires); and the
queries over them."""

from __future__ import annotations

import re
import time
from typing import Any

from aiohttp import web

from tests.standins.discord.constants import APPLICATION_ID, EPHEMERAL, LOADING, SUPPRESS_EMBEDS
from tests.standins.discord.errors import error
from tests.standins.discord.payloads import apply_edit
from tests.standins.discord.records import (
    Dispatched,
    Edit,
    Followup,
    InteractionResponse,
    attached,
)
from tests.standins.discord.rest import Rest, json_response, no_content
from tests.standins.discord.validation import validate_callback, validate_message
from tests.standins.discord.world import InteractionState


def _truthy(value: str | None) -> bool:
    return (value or "").lower() in ("1", "true", "yes")


def _edit_via(which: str) -> str:
    """How an edit of a webhook message is recorded: of the original response, or a follow-up."""
    return "original" if which == "@original" else "webhook"


class Responses(Rest):
    """The interaction-response routes (see the module docstring)."""

    def __init__(self, callback_deadline: float | None) -> None:
        # An interaction must be answered within this many seconds (None: no limit), as on
        # Discord (3 s); a test may change it at any time.
        self.callback_deadline = callback_deadline

    def responses_for(self, interaction: Dispatched | int | str) -> list[InteractionResponse]:
        token = self._token_of(interaction)
        return [r for r in self.interaction_responses if r.token == token]

    def followups_for(self, interaction: Dispatched | int | str) -> list[Followup]:
        token = self._token_of(interaction)
        return [f for f in self.followups if f.token == token]

    def original_response(self, interaction: Dispatched | int | str) -> dict[str, Any] | None:
        """The interaction's original response message as it stands (after edits), or None."""
        it = self._interactions.get(self._token_of(interaction))
        if it is None or it.original_id is None:
            return None
        return self._stored.get(it.original_id)

    async def _callback(self, request: web.Request, m: re.Match[str], body: Any) -> web.Response:
        it = self._interactions.get(m["token"])
        if it is None or it.id != int(m["id"]) or it.expired:
            raise error(404, "unknown_interaction")
        if self.callback_deadline is not None and time.monotonic() - it.at > self.callback_deadline:
            raise error(404, "unknown_interaction")
        if it.acknowledged is not None:
            raise error(400, "already_acknowledged")
        data = body if isinstance(body, dict) else {}
        if data.get("_files"):  # uploaded with a message response: part of the message
            data = {**data, "data": {**(data.get("data") or {}), "_files": data["_files"]}}
        validate_callback(it.type, data)
        kind: int = data["type"]
        inner = data.get("data") or {}
        at = time.monotonic()
        it.acknowledged = kind
        self.interaction_responses.append(
            InteractionResponse(it.id, it.token, kind, data.get("data"), at)
        )
        guild = self._channels.get(it.channel_id, (None, None))[0]
        message: dict[str, Any] | None = None
        if kind in (4, 5):
            message_id = self._snowflake()
            flags = int(inner.get("flags") or 0) & (EPHEMERAL | SUPPRESS_EMBEDS)
            content = inner if kind == 4 else {}
            message = self._message_payload(
                message_id,
                it.channel_id,
                dict(content, flags=flags | (LOADING if kind == 5 else 0)),
                guild=guild,
                type=20 if it.type in (2, 4) else 19,
                webhook=True,
                interaction=it,
            )
            self._stored[message_id] = message
            it.original_id = message_id
        elif kind in (6, 7) and it.source_message_id is not None:
            message = self._stored.get(it.source_message_id)
            if message is not None and kind == 7:
                apply_edit(message, inner)
            it.original_id = it.source_message_id
        if not _truthy(request.query.get("with_response")):
            return no_content()
        response: dict[str, Any] = {
            "interaction": {
                "id": str(it.id),
                "type": it.type,
                "response_message_loading": kind == 5,
                "response_message_ephemeral": bool(
                    message and int(message.get("flags") or 0) & EPHEMERAL
                ),
            },
            "resource": {"type": kind},
        }
        if message is not None:
            response["interaction"]["response_message_id"] = message["id"]
            response["resource"]["message"] = message
        return json_response(response)

    def _webhook_interaction(self, m: re.Match[str]) -> InteractionState:
        """The interaction whose webhook the path names, answered (a webhook exists only once
        it is), or raise what Discord answers."""
        it = self._interactions.get(m["token"])
        if int(m["app"]) != APPLICATION_ID or it is None or it.acknowledged is None:
            raise error(404, "unknown_webhook")
        if it.expired:
            raise error(401, "invalid_webhook_token")
        return it

    def _webhook_message(self, it: InteractionState, which: str) -> dict[str, Any]:
        """The interaction's original response ("@original") or one of its follow-ups."""
        if which == "@original":
            message_id = it.original_id
        else:
            message_id = int(which)
            if message_id not in it.followup_ids and message_id != it.original_id:
                message_id = None
        payload = self._stored.get(message_id) if message_id is not None else None
        if payload is None:
            raise error(404, "unknown_message")
        return payload

    async def _post_followup(
        self, request: web.Request, m: re.Match[str], body: Any
    ) -> web.Response:
        it = self._webhook_interaction(m)
        data = body if isinstance(body, dict) else {}
        validate_message(data)
        guild = self._channels.get(it.channel_id, (None, None))[0]
        message_id = self._snowflake()
        flags = int(data.get("flags") or 0) & (EPHEMERAL | SUPPRESS_EMBEDS)
        payload = self._message_payload(
            message_id,
            it.channel_id,
            dict(data, flags=flags),
            guild=guild,
            type=19,
            webhook=True,
            interaction=it,
        )
        self._stored[message_id] = payload
        it.followup_ids.append(message_id)
        self.followups.append(
            Followup(
                token=it.token,
                id=message_id,
                content=data.get("content"),
                embeds=list(data.get("embeds") or []),
                allowed_mentions=data.get("allowed_mentions"),
                flags=flags,
                components=list(data.get("components") or []),
                at=time.monotonic(),
                files=attached(data.get("_files")),
            )
        )
        if not _truthy(request.query.get("wait")):
            return no_content()
        return json_response(payload)

    async def _get_webhook_message(
        self, request: web.Request, m: re.Match[str], body: Any
    ) -> web.Response:
        it = self._webhook_interaction(m)
        return json_response(self._webhook_message(it, m["message"]))

    async def _patch_webhook_message(
        self, request: web.Request, m: re.Match[str], body: Any
    ) -> web.Response:
        it = self._webhook_interaction(m)
        payload = self._webhook_message(it, m["message"])
        data = body if isinstance(body, dict) else {}
        apply_edit(payload, data)
        self.edits.append(
            Edit(
                _edit_via(m["message"]),
                int(payload["id"]),
                dict(data),
                time.monotonic(),
                token=it.token,
            )
        )
        return json_response(payload)

    async def _delete_webhook_message(
        self, request: web.Request, m: re.Match[str], body: Any
    ) -> web.Response:
        it = self._webhook_interaction(m)
        payload = self._webhook_message(it, m["message"])
        message_id = int(payload["id"])
        del self._stored[message_id]
        self.edits.append(
            Edit(_edit_via(m["message"]), message_id, None, time.monotonic(), token=it.token)
        )
        return no_content()
