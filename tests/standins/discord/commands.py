"""Application commands: the bulk overwrite a command sync makes (validated as Discord does) and
the listing, global or a guild's; and how a command's options look in an interaction."""

from __future__ import annotations

import re
import time
from collections.abc import Mapping, Sequence
from typing import Any

from aiohttp import web

from tests.standins.discord.constants import APPLICATION_ID
from tests.standins.discord.errors import error
from tests.standins.discord.records import CommandSync
from tests.standins.discord.rest import Rest, json_response
from tests.standins.discord.validation import validate_commands


class Commands(Rest):
    """The application-command routes."""

    def _commands_guild(self, m: re.Match[str]) -> int | None:
        """The guild of an application-commands path (None: the global commands); 403 for
        another application or a guild the bot is not in."""
        if int(m["app"]) != APPLICATION_ID:
            raise error(403, "missing_access")
        guild_id = int(m["guild"]) if m.groupdict().get("guild") else None
        if guild_id is not None and all(g.id != guild_id for g in self.guilds):
            raise error(403, "missing_access")
        return guild_id

    async def _get_commands(
        self, request: web.Request, m: re.Match[str], body: Any
    ) -> web.Response:
        guild_id = self._commands_guild(m)
        return json_response(self.commands(guild_id))

    async def _put_commands(
        self, request: web.Request, m: re.Match[str], body: Any
    ) -> web.Response:
        guild_id = self._commands_guild(m)
        validate_commands(body)
        self.command_syncs.append(CommandSync(guild_id, [dict(c) for c in body], time.monotonic()))
        stored = []
        for command in body:
            kind = int(command.get("type", 1))
            out = {
                "id": str(self._command_id(guild_id, command["name"], kind)),
                "application_id": str(APPLICATION_ID),
                "version": str(self._snowflake()),
                "type": kind,
                "name": command["name"],
                "name_localizations": command.get("name_localizations"),
                "description": command.get("description", ""),
                "description_localizations": command.get("description_localizations"),
                "default_member_permissions": command.get("default_member_permissions"),
                "dm_permission": command.get("dm_permission", True),
                "contexts": command.get("contexts"),
                "integration_types": command.get("integration_types", [0]),
                "nsfw": bool(command.get("nsfw", False)),
            }
            if command.get("options"):
                out["options"] = command["options"]
            if guild_id is not None:
                out["guild_id"] = str(guild_id)
            stored.append(out)
        if guild_id is None:
            self._global_commands = stored
        else:
            self._guild_commands[guild_id] = stored
        return json_response(stored)


def build_options(
    command: dict[str, Any] | None,
    path: Sequence[str],
    options: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None,
    focused: str | None,
) -> list[dict[str, Any]]:
    """The options of an interaction with the command (None: not synced), nested under the
    subcommands in ``path``: given by name (typed as the command declares them, else by their
    values) or as the raw list; ``focused`` marks the option being typed (autocomplete)."""
    defs: list[dict[str, Any]] = list((command or {}).get("options") or [])
    chain: list[tuple[str, int]] = []
    for index, sub in enumerate(path):
        found = next((d for d in defs if d.get("name") == sub), None)
        kind = int(found["type"]) if found else (2 if index < len(path) - 1 else 1)
        chain.append((sub, kind))
        defs = list((found or {}).get("options") or [])
    leaf: list[dict[str, Any]]
    if options is None:
        leaf = []
    elif isinstance(options, Mapping):
        leaf = []
        for name, value in options.items():
            spec = next((d for d in defs if d.get("name") == name), None)
            entry: dict[str, Any] = {
                "name": name,
                "type": int(spec["type"]) if spec else _option_type(value),
                "value": value,
            }
            if name == focused:
                entry["focused"] = True
            leaf.append(entry)
    else:
        leaf = [dict(o) for o in options]
        for entry in leaf:
            if entry.get("name") == focused:
                entry["focused"] = True
    if focused is not None and not any(o.get("focused") for o in leaf):
        spec = next((d for d in defs if d.get("name") == focused), None)
        leaf.append(
            {
                "name": focused,
                "type": int(spec["type"]) if spec else 3,
                "value": "",
                "focused": True,
            }
        )
    for sub, kind in reversed(chain):
        leaf = [{"name": sub, "type": kind, "options": leaf}]
    return leaf


def _option_type(value: Any) -> int:
    """The option type of a value: boolean 5, integer 4, number 10, else string 3."""
    if isinstance(value, bool):
        return 5
    if isinstance(value, int):
        return 4
    if isinstance(value, float):
        return 10
    return 3
