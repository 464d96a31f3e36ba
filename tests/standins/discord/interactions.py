"""Interactions a test has users make: a slash command, an autocomplete, a press on a component
of the bot's message. Each is dispatched as INTERACTION_CREATE with what Discord puts in it (the
member and their permissions, the bot's permissions, the channel), and kept for its answers."""

from __future__ import annotations

import secrets
import time
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from tests.standins.discord.commands import build_options
from tests.standins.discord.constants import APPLICATION_ID, DM
from tests.standins.discord.gateway import Gateway
from tests.standins.discord.model import Guild, Member, User
from tests.standins.discord.payloads import member_payload
from tests.standins.discord.records import Dispatched
from tests.standins.discord.world import InteractionState


class Interactions(Gateway):
    """Dispatching interactions (see the module docstring)."""

    async def dispatch_interaction(
        self,
        name: str,
        options: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
        *,
        channel_id: int | None = None,
        user: User | Member | None = None,
        dm: bool = False,
        permissions: int | None = None,
        locale: str = "en-US",
        focused: str | None = None,
        install: Literal["guild", "user"] = "guild",
        private: bool = False,
    ) -> Dispatched:
        """Dispatch INTERACTION_CREATE for the slash command ``name`` ("group sub" for a
        subcommand), type 2, or an autocomplete (type 4) when ``focused`` names the option being
        typed. ``options`` maps names to values (types from the synced command, else from the
        values) or is the raw option list. In ``channel_id`` (default: the first guild's first
        text channel), or in the user's DM when ``dm``, or with ``private`` in a DM between the
        user and someone else, where the bot is not (a private channel). ``permissions``
        overrides the member's resolved permissions (a bit field, e.g. without
        MANAGE_CHANNELS). ``install`` is whose installation of the app the command comes from:
        the server's (or the bot's DM), or the user's own. A synced command that Discord would
        not offer there (its ``integration_types`` and ``contexts``) cannot be dispatched."""
        if private:
            guild, channel_id = None, channel_id or self._snowflake()
        else:
            guild, channel_id = self._where(channel_id, dm, user)
        parts = name.split()
        context = 2 if private else 0 if guild is not None else 1
        if install == "user" or private:
            # Only global commands reach a user's own install and DMs between users.
            command = self._find_command(parts[0], None)
            if command is None:
                raise AssertionError(f"no global /{parts[0]}: Discord offers it to no user install")
        else:
            command = self._find_command(parts[0], guild.id if guild else None)
        if command is not None:
            _check_offered(command, install, context)
        data: dict[str, Any] = {
            "id": str(command["id"]) if command else str(self._command_id(None, parts[0], 1)),
            "name": parts[0],
            "type": 1,
        }
        if command and command.get("guild_id"):
            data["guild_id"] = command["guild_id"]
        built = build_options(command, parts[1:], options, focused)
        if built:
            data["options"] = built
        kind = 4 if focused is not None else 2
        return await self._dispatch_interaction(
            kind,
            data,
            guild=guild,
            channel_id=channel_id,
            user=user,
            permissions=permissions,
            locale=locale,
            install=install,
            private=private,
        )

    async def dispatch_autocomplete(
        self,
        name: str,
        options: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None,
        focused: str,
        **kwargs: Any,
    ) -> Dispatched:
        """An autocomplete interaction (type 4): ``focused`` is the option being typed."""
        return await self.dispatch_interaction(name, options, focused=focused, **kwargs)

    async def dispatch_component(
        self,
        message_id: int,
        custom_id: str,
        *,
        user: User | Member | None = None,
        component_type: int = 2,
        values: Sequence[str] | None = None,
        permissions: int | None = None,
        locale: str = "en-US",
    ) -> Dispatched:
        """A press on a button (component_type 2) or a choice in a select menu (3, with ``values``)
        of a message the bot sent (through any route)."""
        message = self._stored.get(message_id)
        if message is None:
            raise AssertionError(f"no message {message_id} to press a component of")
        channel_id = int(message["channel_id"])
        guild, _ = self._channel(channel_id)
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": component_type}
        if values is not None:
            data["values"] = list(values)
        return await self._dispatch_interaction(
            3,
            data,
            guild=guild,
            channel_id=channel_id,
            user=user,
            permissions=permissions,
            locale=locale,
            message=message,
        )

    async def _dispatch_interaction(
        self,
        kind: int,
        data: dict[str, Any],
        *,
        guild: Guild | None,
        channel_id: int,
        user: User | Member | None,
        permissions: int | None,
        locale: str,
        message: dict[str, Any] | None = None,
        install: Literal["guild", "user"] = "guild",
        private: bool = False,
    ) -> Dispatched:
        interaction_id = self._snowflake()
        token = "aW50ZXJhY3Rpb246" + secrets.token_urlsafe(96)
        the_user = self._as_user(user)
        self._users.setdefault(the_user.id, the_user)
        payload: dict[str, Any] = {
            "id": str(interaction_id),
            "application_id": str(APPLICATION_ID),
            "type": kind,
            "data": data,
            "channel_id": str(channel_id),
            "token": token,
            "version": 1,
            "locale": locale,
            "app_permissions": str(self._app_permissions(guild, channel_id)),
            "entitlements": [],
            "entitlement_sku_ids": [],
            "attachment_size_limit": 10 * 1024 * 1024,
        }
        if private:
            # A DM between the user and someone else: the bot is not in it, only the app the
            # user installed, which answers through the interaction.
            other = User(self._snowflake(), "friend")
            payload.update(
                user=the_user.payload(),
                channel={
                    "id": str(channel_id),
                    "type": DM,
                    "last_message_id": None,
                    "flags": 0,
                    "recipients": [other.payload()],
                },
                authorizing_integration_owners={"1": str(the_user.id)},
                context=2,
            )
        elif guild is not None:
            _, channel = self._channels[channel_id]
            member = self._member(guild, user)
            resolved = (
                permissions if permissions is not None else self._resolve_permissions(guild, member)
            )
            payload.update(
                guild_id=str(guild.id),
                guild={"id": str(guild.id), "locale": guild.locale, "features": []},
                guild_locale=guild.locale,
                channel=dict(self._channel_payload(guild, channel), permissions=str(resolved)),
                member=member_payload(member, permissions=resolved),
                authorizing_integration_owners={"0": str(guild.id)},
                context=0,
            )
        else:
            dm_channel = self._channels[channel_id][1]
            payload.update(
                user=the_user.payload(),
                channel=self._dm_payload(dm_channel),
                authorizing_integration_owners={"0": "0"},
                context=1,
            )
        if install == "user":
            payload["authorizing_integration_owners"] = {"1": str(the_user.id)}
        if message is not None:
            payload["message"] = message
        it = InteractionState(
            id=interaction_id,
            token=token,
            type=kind,
            guild_id=guild.id if guild else None,
            channel_id=channel_id,
            user_id=the_user.id,
            at=time.monotonic(),
            source_message_id=int(message["id"]) if message is not None else None,
        )
        self._interactions[token] = it
        sessions = self._live_sessions(it.guild_id)
        if not sessions:
            raise AssertionError(
                "no gateway session to dispatch the interaction to (has the client identified?)"
            )
        for session in sessions:
            await self._dispatch(session, "INTERACTION_CREATE", payload)
        dispatched = Dispatched(interaction_id, token, kind, it.guild_id, channel_id, payload)
        self.dispatched.append(dispatched)
        return dispatched


_CONTEXT_NAMES = {0: "a server", 1: "a DM with the bot", 2: "a DM between users"}


def _check_offered(command: Mapping[str, Any], install: str, context: int) -> None:
    """Discord offers a command only where its installation and context allow: its
    ``integration_types`` (0 server, 1 user; [0] when not given) and ``contexts`` (0 server,
    1 the bot's DM, 2 a DM between users; every one when not given)."""
    installs = command.get("integration_types") or [0]
    contexts = command.get("contexts")
    wanted = 1 if install == "user" else 0
    if wanted not in installs or (contexts is not None and context not in contexts):
        raise AssertionError(
            f"Discord does not offer /{command['name']} in {_CONTEXT_NAMES[context]}"
            f" to a {install} install (integration_types {installs}, contexts {contexts})"
        )
