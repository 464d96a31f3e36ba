"""The checks Discord makes on what a bot sends, answered as Discord does (400 Invalid Form Body,
errors keyed by where they are): a message's lengths and its embeds' sizes, an interaction
response's type and autocomplete choices, and a bulk overwrite of application commands (names,
descriptions, localizations, options)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from tests.standins.discord.constants import LOCALES
from tests.standins.discord.errors import error, form_error, put_error

ATTACHMENT_LIMIT = 10 * 1024 * 1024  # a file's bytes (an interaction's attachment_size_limit)
_COMMAND_NAME = re.compile(r"^[-_'\w]{1,32}$")


def validate_message(data: Mapping[str, Any], *, edit: bool = False) -> None:
    """Raise Discord's answer to a message (or an ``edit`` of one, which may be empty) that is too
    long, has too many or too large embeds, or has nothing in it."""
    content = data.get("content")
    embeds = data.get("embeds") or []
    errors: dict[str, Any] = {}
    if content is not None and len(content) > 2000:
        put_error(errors, ["content"], "BASE_TYPE_MAX_LENGTH", "Must be 2000 or fewer in length.")
    if len(embeds) > 10:
        put_error(errors, ["embeds"], "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.")
    total = 0
    for index, embed in enumerate(embeds):
        for key, limit in (("title", 256), ("description", 4096)):
            text = embed.get(key) or ""
            total += len(text)
            if len(text) > limit:
                put_error(
                    errors,
                    ["embeds", index, key],
                    "BASE_TYPE_MAX_LENGTH",
                    f"Must be {limit} or fewer in length.",
                )
        fields = embed.get("fields") or []
        if len(fields) > 25:
            put_error(
                errors,
                ["embeds", index, "fields"],
                "BASE_TYPE_MAX_LENGTH",
                "Must be 25 or fewer in length.",
            )
        for fi, fld in enumerate(fields):
            total += len(fld.get("name") or "") + len(fld.get("value") or "")
            if len(fld.get("value") or "") > 1024:
                put_error(
                    errors,
                    ["embeds", index, "fields", fi, "value"],
                    "BASE_TYPE_MAX_LENGTH",
                    "Must be 1024 or fewer in length.",
                )
        total += len((embed.get("footer") or {}).get("text") or "") + len(
            (embed.get("author") or {}).get("name") or ""
        )
    if total > 6000:
        put_error(
            errors,
            ["embeds"],
            "MAX_EMBED_SIZE_EXCEEDED",
            "Embed size exceeds maximum size of 6000",
        )
    if errors:
        raise form_error(errors)
    if any(f["size"] > ATTACHMENT_LIMIT for f in data.get("_files") or []):
        raise error(413, "entity_too_large")
    if not edit and not (
        content
        or embeds
        or data.get("components")
        or data.get("_files")
        or data.get("sticker_ids")
        or data.get("poll")
    ):
        raise error(400, "empty_message")


# The response types (4 message, 5 deferred message, 6 deferred update, 7 update, 8 autocomplete,
# 9 modal) each interaction type (2 command, 3 component, 4 autocomplete, 5 modal) may get.
_RESPONSE_TYPES = {2: {4, 5, 9}, 3: {4, 5, 6, 7, 9}, 4: {8}, 5: {4, 5, 6, 7}}


def validate_callback(interaction_type: int, data: Mapping[str, Any]) -> None:
    """Raise Discord's answer to an interaction response of a type the interaction cannot get, a
    message response that is no valid message, or more than 25 autocomplete choices."""
    kind = data.get("type")
    if kind not in _RESPONSE_TYPES.get(interaction_type, set()):
        errors: dict[str, Any] = {}
        put_error(
            errors,
            ["type"],
            "INTERACTION_RESPONSE_TYPE_INVALID",
            "Interaction response type is invalid",
        )
        raise form_error(errors)
    inner = data.get("data") or {}
    if kind == 4:
        validate_message(inner)
    if kind == 8 and len(inner.get("choices") or []) > 25:
        errors = {}
        put_error(
            errors,
            ["data", "choices"],
            "BASE_TYPE_MAX_LENGTH",
            "Must be 25 or fewer in length.",
        )
        raise form_error(errors)


def validate_commands(body: Any) -> None:
    """Raise Discord's answer to a bulk overwrite of application commands that is no array, or
    has commands a bot can get wrong (errors keyed by position)."""
    if not isinstance(body, list):
        raise form_error({"_errors": [{"code": "BASE_TYPE_ARRAY", "message": "Must be an array."}]})
    errors = _command_errors(body)
    if errors:
        raise form_error(errors)


def _command_errors(commands: Sequence[Any]) -> dict[str, Any]:
    errors: dict[str, Any] = {}
    seen: set[tuple[str, int]] = set()
    chat_inputs = 0
    for index, command in enumerate(commands):
        if not isinstance(command, Mapping):
            put_error(
                errors, [index], "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType"
            )
            continue
        kind = int(command.get("type", 1))
        name = command.get("name")
        if kind == 1:
            chat_inputs += 1
            _check_name(errors, [index, "name"], name)
            _check_description(errors, [index, "description"], command.get("description"))
        elif not isinstance(name, str) or not 1 <= len(name) <= 32:
            put_error(
                errors,
                [index, "name"],
                "BASE_TYPE_BAD_LENGTH",
                "Must be between 1 and 32 in length.",
            )
        elif command.get("description"):
            put_error(
                errors,
                [index, "description"],
                "APPLICATION_COMMAND_INVALID_DESCRIPTION",
                "Context menu commands cannot have description",
            )
        _check_localizations(errors, [index], command, names=kind == 1)
        if isinstance(name, str):
            if (name, kind) in seen:
                put_error(
                    errors,
                    [index, "name"],
                    "APPLICATION_COMMANDS_DUPLICATE_NAME",
                    f"Application command names must be unique: {name}",
                )
            seen.add((name, kind))
        _check_options(errors, [index, "options"], command.get("options") or [])
        _check_install_contexts(errors, [index], command)
    if chat_inputs > 100:
        put_error(errors, [], "BASE_TYPE_MAX_LENGTH", "Must be 100 or fewer in length.")
    return errors


# Where a command may be installed (0 server, 1 user) and used (0 server, 1 the bot's DM, 2 a DM
# or group DM between users).
_INTEGRATION_TYPES = frozenset({0, 1})
_CONTEXTS = frozenset({0, 1, 2})


def _check_install_contexts(
    errors: dict[str, Any], path: list[str | int], command: Mapping[str, Any]
) -> None:
    for key, valid in (("integration_types", _INTEGRATION_TYPES), ("contexts", _CONTEXTS)):
        values = command.get(key)
        if values is None:
            continue
        if not isinstance(values, list) or not values:
            put_error(errors, [*path, key], "BASE_TYPE_BAD_LENGTH", "Must be a non-empty array.")
            continue
        for at, value in enumerate(values):
            if value not in valid:
                put_error(
                    errors,
                    [*path, key, at],
                    "ENUM_TYPE_COERCE",
                    f'Value "{value}" is not a valid enum value.',
                )


def _check_name(errors: dict[str, Any], path: list[str | int], name: Any) -> None:
    if not isinstance(name, str) or not _COMMAND_NAME.match(name) or name != name.lower():
        put_error(
            errors, path, "APPLICATION_COMMAND_INVALID_NAME", f"Command name is invalid: {name!r}"
        )


def _check_description(errors: dict[str, Any], path: list[str | int], description: Any) -> None:
    if not isinstance(description, str) or not 1 <= len(description) <= 100:
        put_error(errors, path, "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")


def _check_localizations(
    errors: dict[str, Any], path: list[str | int], item: Mapping[str, Any], *, names: bool = True
) -> None:
    for key, check in (
        ("name_localizations", _check_name),
        ("description_localizations", _check_description),
    ):
        values = item.get(key) or {}
        if not isinstance(values, Mapping):
            put_error(
                errors,
                [*path, key],
                "DICT_TYPE_CONVERT",
                "Only dictionaries may be used in a DictType",
            )
            continue
        for locale, value in values.items():
            if locale not in LOCALES:
                put_error(errors, [*path, key], "LOCALE_INVALID", f"Invalid locale: {locale}")
            elif key == "description_localizations" or names:
                check(errors, [*path, key, locale], value)


def _check_options(errors: dict[str, Any], path: list[str | int], options: Sequence[Any]) -> None:
    if len(options) > 25:
        put_error(errors, path, "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
    names: set[str] = set()
    optional_seen = False
    for index, option in enumerate(options):
        if not isinstance(option, Mapping):
            continue
        where = [*path, index]
        _check_name(errors, [*where, "name"], option.get("name"))
        _check_description(errors, [*where, "description"], option.get("description"))
        _check_localizations(errors, where, option)
        if option.get("name") in names:
            put_error(
                errors,
                [*where, "name"],
                "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS",
                "Option names must be unique",
            )
        names.add(str(option.get("name")))
        kind = int(option.get("type", 3))
        if kind in (1, 2):
            _check_options(errors, [*where, "options"], option.get("options") or [])
            continue
        if option.get("required"):
            if optional_seen:
                put_error(
                    errors,
                    [*where, "required"],
                    "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                    "Required options must be placed before non-required options",
                )
        else:
            optional_seen = True
        choices = option.get("choices") or []
        if len(choices) > 25:
            put_error(
                errors,
                [*where, "choices"],
                "BASE_TYPE_MAX_LENGTH",
                "Must be 25 or fewer in length.",
            )
        if choices and option.get("autocomplete"):
            put_error(
                errors,
                [*where, "autocomplete"],
                "APPLICATION_COMMAND_OPTION_CHOICES_AUTOCOMPLETE",
                "Autocomplete cannot be set for options with choices",
            )
