"""Ringkas's slash commands: names, options and descriptions in English and, for Discord's
Indonesian locale, in Indonesian. Each command only turns its options into the core's command
text and hands it over; the core does the rest."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any, Protocol, TypeVar

import discord
from discord import app_commands
from discord.app_commands import Choice, locale_str

from bot.core.commands.suggestions import Suggestion
from bot.core.text.strings import say


class Handler(Protocol):
    """What the commands call: the adapter."""

    async def run(self, interaction: discord.Interaction, text: str, private: bool) -> None: ...

    def people(self, interaction: discord.Interaction, typed: str) -> tuple[Suggestion, ...]: ...

    def zones(self, interaction: discord.Interaction, typed: str) -> tuple[Suggestion, ...]: ...

    def summaries(self, interaction: discord.Interaction, typed: str) -> tuple[Suggestion, ...]: ...


AUTOCOMPLETE_LIMIT = 25  # choices Discord shows

# Command and option names as Indonesian users see them (lower case, no spaces, as Discord asks).
NAMES_ID = {
    "help": "bantuan",
    "subscribe": "berlangganan",
    "unsubscribe": "berhenti-berlangganan",
    "settings": "pengaturan",
    "digest": "ringkasan",
    "whosaid": "siapa-mengatakan",
    "follow": "ikuti",
    "unfollow": "berhenti-ikuti",
    "following": "diikuti",
    "lang": "bahasa-obrolan",
    "timeline": "lini-masa",
    "push": "kirim",
    "status": "status",
    "reload": "muat-ulang",
    "language": "bahasa",
    "times": "jam",
    "zone": "zona",
    "query": "nama-atau-topik",
    "what": "ringkasan-atau-teks",
}


class Translations(app_commands.Translator):
    """Every string is made with its Indonesian form alongside (`locale_str(en, id=…)`)."""

    async def translate(
        self,
        string: locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        if locale is discord.Locale.indonesian:
            return string.extras.get("id")
        return None


def name(english: str) -> locale_str:
    return locale_str(english, id=NAMES_ID[english])


def text(key: str) -> locale_str:
    """A reply string (bot.core.replies) in both languages, trimmed to Discord's 100."""
    return locale_str(say("en", key)[:100], id=say("id", key)[:100])


def command_text(command: str, *arguments: str | None) -> str:
    """ "/subscribe id 07:00 WIB": the options as the core's command line."""
    return " ".join(["/" + command, *(a.strip() for a in arguments if a and a.strip())])


def choices(found: tuple[Suggestion, ...]) -> list[Choice[str]]:
    return [Choice(name=s.label, value=s.value) for s in found[:AUTOCOMPLETE_LIMIT]]


Suggest = Callable[[discord.Interaction, str], tuple[Suggestion, ...]]


def _completer(
    suggest: Suggest,
) -> Callable[[discord.Interaction, str], Coroutine[Any, Any, list[Choice[str]]]]:
    async def complete(interaction: discord.Interaction, typed: str) -> list[Choice[str]]:
        return choices(suggest(interaction, typed))

    return complete


Tree = app_commands.CommandTree[discord.Client]
T = TypeVar("T")


def anywhere(command: T) -> T:
    """A command a user may install for themselves and use wherever they are: in any server, in
    DMs with the bot, in DMs and group DMs between users. Reading commands only: what they
    answer changes nothing and needs the bot in no channel."""
    installs = app_commands.allowed_installs(guilds=True, users=True)
    contexts = app_commands.allowed_contexts(guilds=True, dms=True, private_channels=True)
    return installs(contexts(command))


def in_servers_and_dms(command: T) -> T:
    """A command of the servers that install the bot, and of DMs with it: what changes a
    channel's subscription, follows or language, and the admin commands."""
    installs = app_commands.allowed_installs(guilds=True, users=False)
    contexts = app_commands.allowed_contexts(guilds=True, dms=True, private_channels=False)
    return installs(contexts(command))


def install(tree: Tree, handler: Handler) -> None:
    """Add every command to `tree`, in the order of /help. Settings, admin commands and errors
    answer privately (ephemeral); digests and who-said answers are for the whole channel."""
    _install_subscription_commands(tree, handler)
    _install_reading_commands(tree, handler)
    _install_follow_commands(tree, handler)
    _install_admin_commands(tree, handler)


def _install_subscription_commands(tree: Tree, handler: Handler) -> None:
    @tree.command(name=name("help"), description=text("help_help"))
    @in_servers_and_dms
    async def help_(interaction: discord.Interaction) -> None:
        await handler.run(interaction, "/help", private=True)

    @tree.command(name=name("subscribe"), description=text("help_subscribe"))
    @app_commands.rename(language=name("language"), times=name("times"), zone=name("zone"))
    @app_commands.describe(
        language=text("arg_languages"), times=text("arg_times"), zone=text("arg_zone")
    )
    @app_commands.choices(
        language=[
            Choice(name=locale_str("English", id="Inggris"), value="en"),
            Choice(name=locale_str("Indonesian", id="Indonesia"), value="id"),
            Choice(name=locale_str("both", id="keduanya"), value="both"),
        ]
    )
    @app_commands.autocomplete(zone=_completer(handler.zones))
    @app_commands.default_permissions(manage_channels=True)
    @in_servers_and_dms
    async def subscribe(
        interaction: discord.Interaction,
        language: str | None = None,
        times: str | None = None,
        zone: str | None = None,
    ) -> None:
        await handler.run(
            interaction, command_text("subscribe", language, times, zone), private=True
        )

    @tree.command(name=name("unsubscribe"), description=text("help_unsubscribe"))
    @app_commands.default_permissions(manage_channels=True)
    @in_servers_and_dms
    async def unsubscribe(interaction: discord.Interaction) -> None:
        await handler.run(interaction, "/unsubscribe", private=True)

    @tree.command(name=name("settings"), description=text("help_settings"))
    @in_servers_and_dms
    async def settings(interaction: discord.Interaction) -> None:
        await handler.run(interaction, "/settings", private=True)


def _install_reading_commands(tree: Tree, handler: Handler) -> None:
    @tree.command(name=name("digest"), description=text("help_digest"))
    @anywhere
    async def digest(interaction: discord.Interaction) -> None:
        await handler.run(interaction, "/digest", private=False)

    @tree.command(name=name("whosaid"), description=text("help_whosaid"))
    @app_commands.rename(query=name("query"))
    @app_commands.describe(query=text("arg_name_or_topic"))
    @app_commands.autocomplete(query=_completer(handler.people))
    @anywhere
    async def whosaid(interaction: discord.Interaction, query: str) -> None:
        await handler.run(interaction, command_text("whosaid", query), private=False)

    @tree.command(name=name("timeline"), description=text("help_timeline"))
    @app_commands.rename(query=name("query"))
    @app_commands.describe(query=text("arg_name_or_topic"))
    @app_commands.autocomplete(query=_completer(handler.people))
    @anywhere
    async def timeline(interaction: discord.Interaction, query: str | None = None) -> None:
        await handler.run(interaction, command_text("timeline", query), private=False)


def _install_follow_commands(tree: Tree, handler: Handler) -> None:
    """/follow, /unfollow and /lang change the channel's settings: Manage Channels, as for the
    subscription; /following is anyone's to ask."""

    @tree.command(name=name("follow"), description=text("help_follow"))
    @app_commands.rename(query=name("query"))
    @app_commands.describe(query=text("arg_name_or_topic"))
    @app_commands.autocomplete(query=_completer(handler.people))
    @app_commands.default_permissions(manage_channels=True)
    @in_servers_and_dms
    async def follow(interaction: discord.Interaction, query: str) -> None:
        await handler.run(interaction, command_text("follow", query), private=True)

    @tree.command(name=name("unfollow"), description=text("help_unfollow"))
    @app_commands.rename(query=name("query"))
    @app_commands.describe(query=text("arg_name_or_topic"))
    @app_commands.autocomplete(query=_completer(handler.people))
    @app_commands.default_permissions(manage_channels=True)
    @in_servers_and_dms
    async def unfollow(interaction: discord.Interaction, query: str | None = None) -> None:
        # Without `query`: what the channel follows, as buttons.
        await handler.run(interaction, command_text("unfollow", query), private=True)

    @tree.command(name=name("following"), description=text("help_following"))
    @in_servers_and_dms
    async def following(interaction: discord.Interaction) -> None:
        await handler.run(interaction, "/following", private=True)

    @tree.command(name=name("lang"), description=text("help_lang"))
    @app_commands.rename(language=name("language"))
    @app_commands.describe(language=text("help_lang"))
    @app_commands.choices(
        language=[
            Choice(name=locale_str("English", id="Inggris"), value="en"),
            Choice(name=locale_str("Indonesian", id="Indonesia"), value="id"),
        ]
    )
    @app_commands.default_permissions(manage_channels=True)
    @in_servers_and_dms
    async def lang(interaction: discord.Interaction, language: str | None = None) -> None:
        # Without `language`: the channel's language as it is.
        await handler.run(interaction, command_text("lang", language), private=True)


def _install_admin_commands(tree: Tree, handler: Handler) -> None:
    """Bot admins are users named in the config, which Discord cannot know: the run-time check is
    the gate. Manage Server as the default only hides the admin commands from a server's
    ordinary members; bot admins still reach them in a DM with the bot, or where a server
    grants them in its Integrations settings."""

    @tree.command(name=name("push"), description=text("help_push"))
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.rename(what=name("what"))
    @app_commands.describe(what=text("arg_push_what"))
    @app_commands.autocomplete(what=_completer(handler.summaries))
    @in_servers_and_dms
    async def push(interaction: discord.Interaction, what: str | None = None) -> None:
        # Without `what`: the digest as it stands.
        await handler.run(interaction, command_text("push", what), private=True)

    @tree.command(name=name("status"), description=text("help_status"))
    @app_commands.default_permissions(manage_guild=True)
    @in_servers_and_dms
    async def status(interaction: discord.Interaction) -> None:
        await handler.run(interaction, "/status", private=True)

    @tree.command(name=name("reload"), description=text("help_reload"))
    @app_commands.default_permissions(manage_guild=True)
    @in_servers_and_dms
    async def reload(interaction: discord.Interaction) -> None:
        await handler.run(interaction, "/reload", private=True)
