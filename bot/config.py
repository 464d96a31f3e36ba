"""The config file → validated settings. Relative paths resolve against the config file's folder.

Secrets are never in the file: it names the environment variables that hold them."""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from bot import logs
from bot.core import timing
from bot.core.content import reader
from bot.core.content.problems import ContentError, describe, read_yaml
from bot.core.delivery.alerts import Thresholds
from bot.core.delivery.dispatcher import RetryPolicy
from bot.core.delivery.occasions import Occasion
from bot.core.delivery.pacing import DISCORD_LIMITS, TELEGRAM_LIMITS, PlatformLimits, Rate
from bot.core.models import Lang
from bot.core.text.compose import DigestOptions

DEFAULT_CONTENT = Path("digests")
DEFAULT_DATABASE = "ringkas.sqlite3"


class ConfigInvalid(Exception):
    def __init__(self, errors: list[ContentError]) -> None:
        self.errors = tuple(errors)
        super().__init__("\n".join(map(str, errors)))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


_DEFAULT_DIGEST = DigestOptions()


class DigestSettings(_Strict):
    max_chars: Annotated[int, Field(ge=300, le=3000)] = _DEFAULT_DIGEST.max_chars
    max_items: Annotated[int, Field(ge=1, le=10)] = _DEFAULT_DIGEST.max_items
    max_quotes: Annotated[int, Field(ge=1, le=3)] = _DEFAULT_DIGEST.max_quotes

    def options(self) -> DigestOptions:
        return DigestOptions(self.max_chars, self.max_items, self.max_quotes)


class RateSettings(_Strict):
    """`count` messages per `seconds`."""

    count: Annotated[int, Field(ge=1)]
    seconds: Annotated[float, Field(gt=0)] = 1.0

    def rate(self) -> Rate:
        return Rate(self.count, self.seconds)


def _rates(limits: PlatformLimits) -> dict[str, RateSettings | None]:
    return {
        name: None if rate is None else RateSettings(count=rate.count, seconds=rate.seconds)
        for name, rate in (
            ("overall", limits.overall),
            ("per_chat", limits.per_chat),
            ("per_group", limits.per_group),
        )
    }


class RateLimitSettings(_Strict):
    overall: RateSettings | None = None
    per_chat: RateSettings | None = None
    per_group: RateSettings | None = None  # groups and channels

    def limits(self) -> PlatformLimits:
        overall, per_chat, per_group = (
            None if r is None else r.rate() for r in (self.overall, self.per_chat, self.per_group)
        )
        return PlatformLimits(overall, per_chat, per_group)


class PaidBroadcastSettings(_Strict):
    """Telegram's paid broadcast: up to 1,000 messages a second, charged in Stars above the free
    30; off unless enabled. `for` names the deliveries it covers: push, scheduled, instant."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    enabled: bool = False
    overall: RateSettings = RateSettings(count=1000, seconds=1.0)
    covers: tuple[Occasion, ...] = Field(
        default=(Occasion.PUSH,), validation_alias="for", min_length=1
    )


_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _env_name(value: str) -> str:
    if not _ENV_NAME.fullmatch(value):
        raise ValueError(
            f"{value!r} is not an environment variable name: use letters, digits and underscores"
        )
    return value


EnvName = Annotated[str, AfterValidator(_env_name)]


class TimeoutSettings(_Strict):
    """Seconds an HTTP request to the platform may take, by phase."""

    connect: Annotated[float, Field(gt=0)] = 5.0
    read: Annotated[float, Field(gt=0)] = 10.0
    write: Annotated[float, Field(gt=0)] = 10.0
    pool: Annotated[float, Field(gt=0)] = 5.0  # waiting for a free connection


def _https_url(value: str) -> str:
    if not re.fullmatch(r"https://[^/\s]+\S*", value):
        raise ValueError(f"{value!r} is not a public https:// URL, which Telegram requires")
    return value


class WebhookSettings(_Strict):
    """Telegram posts updates to `url`; a reverse proxy forwards them to `listen`:`port`."""

    url: Annotated[str, AfterValidator(_https_url)]
    listen: str = "127.0.0.1"
    port: Annotated[int, Field(ge=1, le=65535)] = 8443
    # The variable holding the secret Telegram sends with every update; unset: a random one per run.
    secret_token_env: EnvName = "RINGKAS_TELEGRAM_WEBHOOK_SECRET"


class TelegramSettings(_Strict):
    token_env: EnvName = "RINGKAS_TELEGRAM_TOKEN"  # the variable holding the token, never the token
    base_url: str = "https://api.telegram.org/bot"
    base_file_url: str = "https://api.telegram.org/file/bot"
    # Updates by long polling (the default), or by a webhook when this is set.
    webhook: WebhookSettings | None = None
    poll_timeout: Annotated[int, Field(ge=0, le=50)] = 30  # seconds one getUpdates call may wait
    timeouts: TimeoutSettings = TimeoutSettings()
    rate_limits: RateLimitSettings = RateLimitSettings(**_rates(TELEGRAM_LIMITS))
    paid_broadcast: PaidBroadcastSettings = PaidBroadcastSettings()

    def limits(self) -> PlatformLimits:
        limits = self.rate_limits.limits()
        paid = self.paid_broadcast
        if not paid.enabled:
            return limits
        return replace(limits, paid=paid.overall.rate(), paid_for=frozenset(paid.covers))


def _shard_count(value: object) -> object:
    if value == "auto" or (type(value) is int and value > 0):
        return value
    raise ValueError(f"{value!r} is not a shard count: write auto, or a whole number from 1")


# 429s shorter than this discord.py waits out itself (its client's `max_ratelimit_timeout`), which
# keeps it in charge of Discord's per-route buckets; a longer one comes back as an outcome, so the
# outbox waits instead of a task. Here, not in the adapter, because a clean stop's bound
# (`bot.app`) counts it without importing discord.py.
DISCORD_RATELIMIT_WAIT = 30.0
# The longest one Discord send may take, its 429 waits included: discord.py's HTTP session has
# no timeout shorter than aiohttp's 5 minutes, so the sender sets this one (a send cut by it is
# retried with its nonce, which Discord does not show twice).
DISCORD_SEND_TIMEOUT = DISCORD_RATELIMIT_WAIT + 10.0


class DiscordSettings(_Strict):
    token_env: EnvName = "RINGKAS_DISCORD_TOKEN"
    api_base: str = "https://discord.com/api/v10"
    gateway_url: str = "wss://gateway.discord.gg"
    # Guilds (server ids) to sync the slash commands to, where changes show at once: for
    # testing. Empty: global commands, which Discord may take up to an hour to show.
    guilds: tuple[Annotated[int, Field(gt=0)], ...] = ()
    # Gateway shards: "auto" takes the count Discord recommends (GET /gateway/bot); a number
    # fixes it. Several instances share the shards out (see the README's Discord sharding).
    shards: Annotated[Literal["auto"] | int, BeforeValidator(_shard_count)] = "auto"
    rate_limits: RateLimitSettings = RateLimitSettings(**_rates(DISCORD_LIMITS))


UserId = Annotated[str, BeforeValidator(lambda v: str(v) if isinstance(v, int) else v)]


class AdminSettings(_Strict):
    telegram: tuple[UserId, ...] = ()
    discord: tuple[UserId, ...] = ()
    # The person at the terminal ("local") is a bot admin unless left out: `console: []` lets a
    # curator try the console as an ordinary reader would see it.
    console: tuple[UserId, ...] = ("local",)


def _time(value: object) -> object:
    if isinstance(value, int | float):  # 7 or 07.00 unquoted: YAML reads a number, not a time
        raise ValueError(f'{value!r} is a number, not a time: write the time in quotes, "07:00"')
    if isinstance(value, str):
        parsed = timing.parse_time(value)
        if parsed is None:
            raise ValueError(f"{value!r} is not a time of day (HH:MM)")
        return parsed
    return value


class ScheduleSettings(_Strict):
    # Delivery times of a new subscription that names none; empty means instant.
    times: tuple[Annotated[dt.time, BeforeValidator(_time)], ...] = (dt.time(7, 0),)
    tick_seconds: Annotated[float, Field(ge=1, le=3600)] = 30
    watch_seconds: Annotated[float, Field(ge=0, le=3600)] = 10  # 0: no hot reload
    skip_unchanged: bool = True


class DeliverySettings(_Strict):
    in_flight: Annotated[int, Field(ge=1, le=1000)] = 50
    max_attempts: Annotated[int, Field(ge=1, le=100)] = 8
    backoff_seconds: Annotated[float, Field(gt=0)] = 5
    backoff_cap_seconds: Annotated[float, Field(gt=0)] = 3600

    def policy(self) -> RetryPolicy:
        return RetryPolicy(self.max_attempts, self.backoff_seconds, self.backoff_cap_seconds)


class AlertSettings(_Strict):
    """When the admins are alerted (each alert goes to their private chats through the outbox):
    this many chats paused, or deliveries given up, within so many minutes; a platform's sending
    held by one 429 this long, or by its 429s this long in all within so many minutes. An alert
    of a kind is not repeated within `cooldown_minutes`."""

    paused_chats: Annotated[int, Field(ge=1)] = 20
    paused_minutes: Annotated[float, Field(gt=0)] = 10
    failed_deliveries: Annotated[int, Field(ge=1)] = 20
    failed_minutes: Annotated[float, Field(gt=0)] = 10
    hold_seconds: Annotated[float, Field(gt=0)] = 60
    hold_total_seconds: Annotated[float, Field(gt=0)] = 300
    hold_minutes: Annotated[float, Field(gt=0)] = 10
    cooldown_minutes: Annotated[float, Field(ge=0)] = 60

    def thresholds(self) -> Thresholds:
        def minutes(count: float) -> dt.timedelta:
            return dt.timedelta(minutes=count)

        return Thresholds(
            self.paused_chats,
            minutes(self.paused_minutes),
            self.failed_deliveries,
            minutes(self.failed_minutes),
            self.hold_seconds,
            self.hold_total_seconds,
            minutes(self.hold_minutes),
            minutes(self.cooldown_minutes),
        )


class RetentionSettings(_Strict):
    # Days a finished delivery (and a text no delivery carries any more) is kept; at least one,
    # so that a text stored for a delivery about to be queued is never taken for an old one.
    days: Annotated[int, Field(ge=1)] = 30

    def period(self) -> dt.timedelta:
        return dt.timedelta(days=self.days)


def _zone(value: object) -> object:
    if isinstance(value, str):
        name = timing.zone_name(value)
        if name is None:
            raise ValueError(f"unknown time zone {value!r}: use WIB, WITA, WIT or Area/City")
        return name
    return value


class LoggingSettings(_Strict):
    """What the long-running commands log, on stderr; `--log-level` and `--log-format` win."""

    # Unset: each command's own (`run` info; `chat`, `deliver` and the operators' tools warning).
    level: logs.Level | None = None
    format: logs.LogFormat = "text"  # or json: one object a line, for a log collector


def _host_port(value: str) -> tuple[str, int]:
    """ "HOST:PORT" → (host, port): the host a name, an IPv4 address or a bracketed IPv6 one
    ("[::1]:9464", brackets taken off)."""
    host, sep, port = value.rpartition(":")
    bracketed = host.startswith("[") and host.endswith("]")
    host = host[1:-1] if bracketed else host
    if not sep or not host or (":" in host and not bracketed) or not port.isdigit():
        raise ValueError(f"{value!r} is not HOST:PORT: write, say, 127.0.0.1:9464")
    if not 1 <= int(port) <= 65535:
        raise ValueError(f"{value!r}: the port must be from 1 to 65535")
    return host, int(port)


def _listen(value: str) -> str:
    _host_port(value)
    return value


class OpsSettings(_Strict):
    # Where the health and metrics endpoints listen (README: Operations); None: not served.
    listen: Annotated[str, AfterValidator(_listen)] | None = None

    def address(self) -> tuple[str, int] | None:
        """(host, port) to listen on; None when the endpoints are off."""
        return None if self.listen is None else _host_port(self.listen)


class Settings(_Strict):
    content: Path = DEFAULT_CONTENT
    database: str = DEFAULT_DATABASE  # a SQLite file, or a database URL
    # The variable holding the database URL, password included: it overrides `database` when
    # set, and keeps the password out of the file.
    database_env: EnvName | None = None
    timezone: Annotated[str, BeforeValidator(_zone)] = "Asia/Jakarta"
    language: Lang = "en"
    admins: AdminSettings = AdminSettings()
    telegram: TelegramSettings = TelegramSettings()
    discord: DiscordSettings = DiscordSettings()
    schedule: ScheduleSettings = ScheduleSettings()
    delivery: DeliverySettings = DeliverySettings()
    digest: DigestSettings = DigestSettings()
    alerts: AlertSettings = AlertSettings()
    logging: LoggingSettings = LoggingSettings()
    ops: OpsSettings = OpsSettings()
    retention: RetentionSettings = RetentionSettings()

    def rate_limits(self) -> dict[str, PlatformLimits]:
        return {
            "telegram": self.telegram.limits(),
            "discord": self.discord.rate_limits.limits(),
        }

    def admin_ids(self) -> dict[str, frozenset[str]]:
        return {
            "telegram": frozenset(self.admins.telegram),
            "discord": frozenset(self.admins.discord),
            "console": frozenset(self.admins.console),
        }


def token(env_name: str) -> str | None:
    """A platform token from the environment variable the config names; None if unset."""
    value = os.environ.get(env_name, "").strip()
    return value or None


class DatabaseUnset(Exception):
    """`database_env` names a variable that is not set."""

    def __init__(self, env_name: str) -> None:
        super().__init__(
            f"database_env: ${env_name} is not set: put the database URL in it "
            "(postgresql+asyncpg://USER:PASSWORD@HOST/DATABASE), or leave database_env out "
            "to use `database`"
        )


def with_database_from_env(settings: Settings) -> Settings:
    """The settings with `database` taken from the variable `database_env` names, if any: for
    the commands that open the store (the content's commands need no database)."""
    if settings.database_env is None:
        return settings
    url = token(settings.database_env)
    if url is None:
        raise DatabaseUnset(settings.database_env)
    return settings.model_copy(update={"database": url})


def load_settings(path: Path | None) -> Settings:
    """Settings from `path`, or the defaults (content in ./digests) when no file is given."""
    if path is None:
        return Settings()
    name = str(path)
    read = read_yaml(path)
    if isinstance(read, ContentError):
        raise ConfigInvalid([read])
    text, data = read
    try:
        settings = Settings.model_validate(data or {})
    except ValidationError as exc:
        lines = reader.line_map(text)
        raise ConfigInvalid(
            [
                ContentError(name, reader.line_of(lines, e["loc"]), describe(e, e["loc"]))
                for e in exc.errors(include_url=False)
            ]
        ) from None
    database = settings.database
    if "://" not in database:
        database = str(path.parent / database)
    return settings.model_copy(
        update={"content": path.parent / settings.content, "database": database}
    )
