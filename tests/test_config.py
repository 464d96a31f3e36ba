"""The config file: defaults without one, paths relative to it, and `path:line: message` errors."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from bot.config import DEFAULT_CONTENT, ConfigInvalid, Settings, load_settings
from bot.core.delivery.pacing import Rate
from bot.core.text.compose import DigestOptions


def write_config(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "ringkas.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def config_errors(path: Path) -> list[str]:
    """Every problem of the config file, with its folder dropped so expectations stay short."""
    with pytest.raises(ConfigInvalid) as caught:
        load_settings(path)
    lines = [str(error) for error in caught.value.errors]
    assert str(caught.value) == "\n".join(lines)
    assert not any("Traceback" in line for line in lines)
    return [line.removeprefix(f"{path.parent}{os.sep}") for line in lines]


def test_no_config_file_gives_the_defaults() -> None:
    settings = load_settings(None)

    assert settings == Settings()
    assert settings.content == DEFAULT_CONTENT == Path("digests")
    assert settings.language == "en"
    assert settings.digest.options() == DigestOptions()


def test_a_valid_file_sets_every_field(tmp_path: Path) -> None:
    path = write_config(
        tmp_path,
        "content: stories\nlanguage: id\ndigest:\n  max_chars: 500\n  max_items: 2\n"
        "  max_quotes: 1\n",
    )

    settings = load_settings(path)

    assert settings.content == tmp_path / "stories"
    assert settings.language == "id"
    assert settings.digest.options() == DigestOptions(max_chars=500, max_items=2, max_quotes=1)


def test_fields_left_out_keep_their_defaults(tmp_path: Path) -> None:
    settings = load_settings(write_config(tmp_path, "digest:\n  max_items: 3\n"))

    assert settings.language == "en"
    assert settings.digest.options() == DigestOptions(max_items=3)


def test_a_relative_content_folder_resolves_against_the_config_files_folder(
    tmp_path: Path,
) -> None:
    path = write_config(tmp_path / "conf", "content: ../shared/digests\n")

    settings = load_settings(path)

    assert settings.content.resolve() == (tmp_path / "shared" / "digests").resolve()


def test_the_default_content_folder_is_next_to_the_config_file(tmp_path: Path) -> None:
    settings = load_settings(write_config(tmp_path, "# nothing set\n"))

    assert settings.content == tmp_path / "digests"


def test_an_absolute_content_folder_is_kept(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"

    settings = load_settings(write_config(tmp_path / "conf", f"content: {elsewhere}\n"))

    assert settings.content == elsewhere


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "language: id\ncolour: red\n",
            "ringkas.yaml:2: unknown field 'colour'",
            id="unknown-key",
        ),
        pytest.param(
            "digest:\n  max_chars: 500\n  max_lines: 3\n",
            "ringkas.yaml:3: digest: unknown field 'max_lines'",
            id="unknown-nested-key",
        ),
        pytest.param(
            "language: fr\n",
            "ringkas.yaml:1: language: unknown language 'fr': expected 'en' or 'id'",
            id="bad-language",
        ),
        pytest.param(
            "language: id\ndigest:\n  max_chars: 5000\n",
            "ringkas.yaml:3: digest.max_chars: input should be less than or equal to 3000",
            id="max-chars-too-high",
        ),
        pytest.param(
            "digest:\n  max_chars: 299\n",
            "ringkas.yaml:2: digest.max_chars: input should be greater than or equal to 300",
            id="max-chars-too-low",
        ),
        pytest.param(
            'language: id\nops:\n  listen: "9464"\n',
            "ringkas.yaml:3: ops.listen: '9464' is not HOST:PORT: write, say, 127.0.0.1:9464",
            id="listen-without-host",
        ),
        pytest.param(
            "ops:\n  listen: localhost:70000\n",
            "ringkas.yaml:2: ops.listen: 'localhost:70000': the port must be from 1 to 65535",
            id="listen-port-out-of-range",
        ),
        pytest.param(
            "language: id\nlanguage: en\n",
            "ringkas.yaml:2: YAML syntax: duplicate key 'language'",
            id="duplicate-key",
        ),
    ],
)
def test_a_bad_setting_is_reported_with_its_line(tmp_path: Path, text: str, expected: str) -> None:
    assert config_errors(write_config(tmp_path, text)) == [expected]


def test_a_config_error_names_the_config_files_full_path(tmp_path: Path) -> None:
    path = write_config(tmp_path, "colour: red\n")

    with pytest.raises(ConfigInvalid) as caught:
        load_settings(path)

    [error] = caught.value.errors
    assert str(error) == f"{path}:1: unknown field 'colour'"


def test_every_bad_setting_is_reported_at_once(tmp_path: Path) -> None:
    path = write_config(tmp_path, "language: fr\ndigest:\n  max_quotes: 9\n")

    assert config_errors(path) == [
        "ringkas.yaml:1: language: unknown language 'fr': expected 'en' or 'id'",
        "ringkas.yaml:3: digest.max_quotes: input should be less than or equal to 3",
    ]


def test_a_yaml_syntax_error_is_reported_with_its_line(tmp_path: Path) -> None:
    [problem] = config_errors(write_config(tmp_path, "language: id\ncontent: a: b\n"))

    # The wording after "YAML syntax:" is PyYAML's own and differs between its C and Python parsers.
    assert problem.startswith("ringkas.yaml:2: YAML syntax: mapping values are not allowed")


def test_a_missing_config_file_is_reported_without_a_line(tmp_path: Path) -> None:
    assert config_errors(tmp_path / "ringkas.yaml") == ["ringkas.yaml: No such file or directory"]


def test_a_config_file_that_is_not_utf8_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "ringkas.yaml"
    path.write_bytes(b"language: id  # caf\xe9\n")

    [problem] = config_errors(path)
    assert problem.startswith("ringkas.yaml: ")


# --- the example config, the store, the schedule, the platforms and the admins ---


def _setting_names(model: type[Settings] | type, prefix: str = "") -> set[str]:
    """Every setting's dotted name; a section's fields are settings, a rate is one setting."""
    from pydantic import BaseModel

    names: set[str] = set()
    for field_name, field in model.model_fields.items():
        # A name Python cannot use is read under its alias ("for").
        name = field.validation_alias if isinstance(field.validation_alias, str) else field_name
        kind = field.annotation
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            names.add(prefix + name)
            names |= _setting_names(kind, f"{prefix}{name}.")
        else:
            names.add(prefix + name)
    return names


def _key_names(data: object, prefix: str = "") -> set[str]:
    names: set[str] = set()
    if isinstance(data, dict):
        for key, value in data.items():
            names.add(prefix + str(key))
            names |= _key_names(value, f"{prefix}{key}.")
    return names


def test_the_example_config_loads_as_the_defaults() -> None:
    from bot.config import DEFAULT_DATABASE
    from tests.conftest import REPO

    path = REPO / "config.example.yaml"

    settings = load_settings(path)

    assert settings.content == REPO / "digests"
    assert settings.database == str(REPO / "ringkas.sqlite3")
    assert (
        settings.model_copy(update={"content": DEFAULT_CONTENT, "database": DEFAULT_DATABASE})
        == Settings()
    )


def test_the_example_config_shows_every_setting() -> None:
    from bot.core.content import reader
    from tests.conftest import REPO

    shown = _key_names(reader.parse((REPO / "config.example.yaml").read_text("utf-8")))
    settings = _setting_names(Settings)

    assert settings - shown == set()
    # Nothing else, except inside a rate ({count: 30, seconds: 1}).
    assert {name for name in shown - settings if ".rate_limits." not in name} == set()


def test_a_relative_database_resolves_against_the_config_files_folder(tmp_path: Path) -> None:
    nested = load_settings(write_config(tmp_path / "conf", "database: data/ringkas.sqlite3\n"))
    default = load_settings(write_config(tmp_path / "other", "language: id\n"))

    assert nested.database == str(tmp_path / "conf" / "data" / "ringkas.sqlite3")
    assert default.database == str(tmp_path / "other" / "ringkas.sqlite3")


@pytest.mark.parametrize(
    "database",
    ["postgresql+asyncpg://u@h/db", "sqlite+aiosqlite:///var/lib/ringkas.sqlite3"],
)
def test_a_database_url_is_kept_as_given(tmp_path: Path, database: str) -> None:
    settings = load_settings(write_config(tmp_path, f"database: {database}\n"))

    assert settings.database == database


def test_an_absolute_database_file_is_kept(tmp_path: Path) -> None:
    elsewhere = tmp_path / "var" / "ringkas.sqlite3"

    settings = load_settings(write_config(tmp_path / "conf", f"database: {elsewhere}\n"))

    assert settings.database == str(elsewhere)


@pytest.mark.parametrize(
    ("listen", "address"),
    [
        ("127.0.0.1:9464", ("127.0.0.1", 9464)),
        ("metrics.internal:80", ("metrics.internal", 80)),
        ('"[::1]:9464"', ("::1", 9464)),
    ],
)
def test_ops_listen_is_a_host_and_port(
    tmp_path: Path, listen: str, address: tuple[str, int]
) -> None:
    settings = load_settings(write_config(tmp_path, f"ops:\n  listen: {listen}\n"))

    assert settings.ops.address() == address


def test_the_health_and_metrics_endpoints_are_off_by_default() -> None:
    assert Settings().ops.address() is None


@pytest.mark.parametrize(
    ("zone", "name"),
    [("WIB", "Asia/Jakarta"), ("wita", "Asia/Makassar"), ("asia/jayapura", "Asia/Jayapura")],
)
def test_a_timezone_may_be_an_indonesian_zone_or_any_case_of_its_name(
    tmp_path: Path, zone: str, name: str
) -> None:
    assert load_settings(write_config(tmp_path, f"timezone: {zone}\n")).timezone == name


def test_an_unknown_timezone_is_reported_with_its_line(tmp_path: Path) -> None:
    path = write_config(tmp_path, "language: id\ntimezone: Mars/Base\n")

    assert config_errors(path) == [
        "ringkas.yaml:2: timezone: unknown time zone 'Mars/Base': use WIB, WITA, WIT or Area/City"
    ]


def test_schedule_times_may_be_quoted_or_not(tmp_path: Path) -> None:
    import datetime as dt

    path = write_config(tmp_path, 'schedule:\n  times: [07:00, "19:30", "7.15"]\n')

    times = load_settings(path).schedule.times

    assert times == (dt.time(7, 0), dt.time(19, 30), dt.time(7, 15))
    assert all(t.tzinfo is None for t in times)


def test_no_schedule_times_means_instant(tmp_path: Path) -> None:
    settings = load_settings(write_config(tmp_path, "schedule:\n  times: []\n"))

    assert settings.schedule.times == ()


@pytest.mark.parametrize(
    ("times", "problem"),
    [
        ('["25:00"]', "schedule.times[0]: '25:00' is not a time of day (HH:MM)"),
        ("[07:00, 7pm]", "schedule.times[1]: '7pm' is not a time of day (HH:MM)"),
    ],
)
def test_a_bad_schedule_time_is_reported_with_its_line(
    tmp_path: Path, times: str, problem: str
) -> None:
    path = write_config(tmp_path, f"language: en\nschedule:\n  times: {times}\n")

    assert config_errors(path) == [f"ringkas.yaml:3: {problem}"]


@pytest.mark.parametrize(("times", "number"), [("[7]", "7"), ("[07.00]", "7.0"), ("[7.30]", "7.3")])
def test_a_schedule_time_written_as_a_number_is_refused(
    tmp_path: Path, times: str, number: str
) -> None:
    # Not read as minutes (7 → 00:07) nor as seconds (07.00 → 00:00:07), as it once was.
    path = write_config(tmp_path, f"schedule:\n  times: {times}\n")

    assert config_errors(path) == [
        f"ringkas.yaml:2: schedule.times[0]: {number} is a number, not a time: "
        'write the time in quotes, "07:00"'
    ]


@pytest.mark.parametrize("name", ["1BAD", "MY-TOKEN", "MY TOKEN", ""])
def test_a_token_env_that_is_no_variable_name_is_refused(tmp_path: Path, name: str) -> None:
    path = write_config(tmp_path, f'telegram:\n  base_url: https://x\n  token_env: "{name}"\n')

    [problem] = config_errors(path)

    assert problem.startswith("ringkas.yaml:3: telegram.token_env: ")


def test_a_bad_token_env_is_explained_as_a_variable_name(tmp_path: Path) -> None:
    path = write_config(tmp_path, "discord:\n  token_env: MY-TOKEN\n")

    # Not as a content id ("use lowercase letters, digits and hyphens"), as it once was.
    assert config_errors(path) == [
        "ringkas.yaml:2: discord.token_env: 'MY-TOKEN' is not an environment variable name: "
        "use letters, digits and underscores"
    ]


def test_a_token_env_names_the_variable_and_the_token_is_read_from_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.config import token

    path = write_config(tmp_path, "telegram:\n  token_env: MY_BOT_TOKEN_2\n")
    monkeypatch.setenv("MY_BOT_TOKEN_2", "  123:abc \n")
    monkeypatch.setenv("EMPTY_TOKEN", "   ")
    monkeypatch.delenv("UNSET_TOKEN", raising=False)

    settings = load_settings(path)

    assert settings.telegram.token_env == "MY_BOT_TOKEN_2"
    assert settings.discord.token_env == "RINGKAS_DISCORD_TOKEN"
    assert token(settings.telegram.token_env) == "123:abc"
    assert token("EMPTY_TOKEN") is None
    assert token("UNSET_TOKEN") is None


def test_admins_may_be_numbers_or_strings(tmp_path: Path) -> None:
    path = write_config(
        tmp_path,
        'admins:\n  telegram: [123456789, "987654321"]\n  discord: [80351110224678912]\n',
    )

    settings = load_settings(path)

    assert settings.admins.telegram == ("123456789", "987654321")
    assert settings.admins.discord == ("80351110224678912",)
    assert settings.admin_ids() == {
        "telegram": frozenset({"123456789", "987654321"}),
        "discord": frozenset({"80351110224678912"}),
        "console": frozenset({"local"}),  # the person at the terminal, unless left out
    }


def test_rate_limits_delivery_and_schedule_settings_reach_their_users(tmp_path: Path) -> None:
    from bot.core.delivery.dispatcher import RetryPolicy
    from bot.core.delivery.pacing import DISCORD_LIMITS, PlatformLimits, Rate

    path = write_config(
        tmp_path,
        "telegram:\n  rate_limits:\n    overall: {count: 10}\n    per_group: null\n"
        "delivery:\n  max_attempts: 3\n  backoff_seconds: 2\n  backoff_cap_seconds: 60\n"
        "schedule:\n  tick_seconds: 1\n  watch_seconds: 0\n  skip_unchanged: false\n"
        "retention:\n  days: 7\n",
    )

    settings = load_settings(path)

    assert settings.rate_limits() == {
        "telegram": PlatformLimits(Rate(10, 1.0), None, None),
        "discord": DISCORD_LIMITS,
    }
    assert settings.delivery.policy() == RetryPolicy(3, 2.0, 60.0)
    schedule = settings.schedule
    assert (schedule.tick_seconds, schedule.watch_seconds, schedule.skip_unchanged) == (1, 0, False)
    assert settings.retention.period() == dt.timedelta(days=7)
    assert Settings().retention.period() == dt.timedelta(days=30)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "schedule:\n  tick_seconds: 0.5\n",
            "ringkas.yaml:2: schedule.tick_seconds: input should be greater than or equal to 1",
        ),
        (
            "telegram:\n  rate_limits:\n    per_chat: {count: 0}\n",
            "ringkas.yaml:3: telegram.rate_limits.per_chat.count: "
            "input should be greater than or equal to 1",
        ),
        (
            "delivery:\n  in_flight: 0\n",
            "ringkas.yaml:2: delivery.in_flight: input should be greater than or equal to 1",
        ),
        (
            "retention:\n  days: 0\n",
            "ringkas.yaml:2: retention.days: input should be greater than or equal to 1",
        ),
    ],
    ids=["tick-too-short", "zero-rate", "no-in-flight", "no-retention"],
)
def test_a_bad_operating_setting_is_reported_with_its_line(
    tmp_path: Path, text: str, expected: str
) -> None:
    assert config_errors(write_config(tmp_path, text)) == [expected]


# --- platform settings: Telegram's webhook, polling and timeouts; Discord's guilds ---


def test_platform_settings_default_to_polling_global_commands_and_finite_timeouts() -> None:
    settings = Settings()

    assert settings.telegram.webhook is None
    assert settings.telegram.poll_timeout == 30
    timeouts = settings.telegram.timeouts
    assert (timeouts.connect, timeouts.read, timeouts.write, timeouts.pool) == (5, 10, 10, 5)
    assert settings.discord.guilds == ()
    assert settings.discord.shards == "auto"


@pytest.mark.parametrize(("text", "shards"), [("auto", "auto"), ("1", 1), ("16", 16)])
def test_discord_shards_are_auto_or_a_count(tmp_path: Path, text: str, shards: object) -> None:
    path = write_config(tmp_path, f"discord:\n  shards: {text}\n")

    assert load_settings(path).discord.shards == shards


def test_a_webhook_needs_only_its_url(tmp_path: Path) -> None:
    path = write_config(tmp_path, "telegram:\n  webhook:\n    url: https://bot.example.org/tg\n")

    webhook = load_settings(path).telegram.webhook

    assert webhook is not None
    assert webhook.url == "https://bot.example.org/tg"
    assert (webhook.listen, webhook.port) == ("127.0.0.1", 8443)
    assert webhook.secret_token_env == "RINGKAS_TELEGRAM_WEBHOOK_SECRET"


def test_every_webhook_setting_may_be_set(tmp_path: Path) -> None:
    path = write_config(
        tmp_path,
        "telegram:\n  webhook:\n    url: https://bot.example.org:8443/tg\n"
        "    listen: 0.0.0.0\n    port: 65535\n    secret_token_env: MY_HOOK_SECRET\n",
    )

    webhook = load_settings(path).telegram.webhook

    assert webhook is not None
    assert (webhook.url, webhook.listen, webhook.port, webhook.secret_token_env) == (
        "https://bot.example.org:8443/tg",
        "0.0.0.0",
        65535,
        "MY_HOOK_SECRET",
    )


@pytest.mark.parametrize(
    "url", ["http://bot.example.org/tg", "bot.example.org/tg", "https://", "https://a b"]
)
def test_a_webhook_url_must_be_https(tmp_path: Path, url: str) -> None:
    path = write_config(tmp_path, f'telegram:\n  webhook:\n    url: "{url}"\n')

    [problem] = config_errors(path)

    assert problem.startswith("ringkas.yaml:3: telegram.webhook.url: ")


def test_a_webhook_url_that_is_not_https_is_explained_as_such(tmp_path: Path) -> None:
    path = write_config(tmp_path, "telegram:\n  webhook:\n    url: http://bot.example.org/tg\n")

    [problem] = config_errors(path)

    assert problem.startswith("ringkas.yaml:3: telegram.webhook.url: ")
    assert "https" in problem  # the value given has none: the message must name the rule
    assert "lowercase letters, digits and hyphens" not in problem


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "telegram:\n  webhook:\n    listen: 0.0.0.0\n",
            "ringkas.yaml:2: telegram.webhook: missing field 'url'",
            id="webhook-without-url",
        ),
        pytest.param(
            "telegram:\n  webhook:\n    url: https://x.org\n    port: 0\n",
            "ringkas.yaml:4: telegram.webhook.port: input should be greater than or equal to 1",
            id="port-zero",
        ),
        pytest.param(
            "telegram:\n  webhook:\n    url: https://x.org\n    port: 70000\n",
            "ringkas.yaml:4: telegram.webhook.port: input should be less than or equal to 65535",
            id="port-too-high",
        ),
        pytest.param(
            "telegram:\n  webhook:\n    url: https://x.org\n    secret_token_env: MY-SECRET\n",
            "ringkas.yaml:4: telegram.webhook.secret_token_env: 'MY-SECRET' is not an "
            "environment variable name: use letters, digits and underscores",
            id="secret-env-name",
        ),
        pytest.param(
            "telegram:\n  webhook:\n    url: https://x.org\n    token: abc\n",
            "ringkas.yaml:4: telegram.webhook: unknown field 'token'",
            id="webhook-unknown-field",
        ),
        pytest.param(
            "telegram:\n  poll_timeout: 51\n",
            "ringkas.yaml:2: telegram.poll_timeout: input should be less than or equal to 50",
            id="poll-timeout-too-long",
        ),
        pytest.param(
            "telegram:\n  poll_timeout: -1\n",
            "ringkas.yaml:2: telegram.poll_timeout: input should be greater than or equal to 0",
            id="poll-timeout-negative",
        ),
        pytest.param(
            "telegram:\n  timeouts:\n    read: 0\n",
            "ringkas.yaml:3: telegram.timeouts.read: input should be greater than 0",
            id="read-timeout-zero",
        ),
        pytest.param(
            "telegram:\n  timeouts:\n    retry: 3\n",
            "ringkas.yaml:3: telegram.timeouts: unknown field 'retry'",
            id="timeouts-unknown-field",
        ),
        pytest.param(
            "discord:\n  guilds: [0]\n",
            "ringkas.yaml:2: discord.guilds[0]: input should be greater than 0",
            id="guild-zero",
        ),
        pytest.param(
            "discord:\n  guilds:\n    - 80351110224678912\n    - -5\n",
            "ringkas.yaml:4: discord.guilds[1]: input should be greater than 0",
            id="guild-negative",
        ),
        pytest.param(
            "discord:\n  shards: 0\n",
            "ringkas.yaml:2: discord.shards: 0 is not a shard count: write auto, or a whole "
            "number from 1",
            id="shards-zero",
        ),
        pytest.param(
            "discord:\n  shards: many\n",
            "ringkas.yaml:2: discord.shards: 'many' is not a shard count: write auto, or a whole "
            "number from 1",
            id="shards-word",
        ),
        pytest.param(
            "discord:\n  guilds: [my-server]\n",
            "ringkas.yaml:2: discord.guilds[0]: input should be a valid integer, "
            "unable to parse string as an integer",
            id="guild-name",
        ),
    ],
)
def test_a_bad_platform_setting_is_reported_with_its_line(
    tmp_path: Path, text: str, expected: str
) -> None:
    assert config_errors(write_config(tmp_path, text)) == [expected]


@pytest.mark.parametrize("seconds", [0, 50])
def test_poll_timeout_bounds_are_allowed(tmp_path: Path, seconds: int) -> None:
    path = write_config(tmp_path, f"telegram:\n  poll_timeout: {seconds}\n")

    assert load_settings(path).telegram.poll_timeout == seconds


def test_every_timeout_may_be_set_to_any_positive_seconds(tmp_path: Path) -> None:
    path = write_config(
        tmp_path,
        "telegram:\n  timeouts:\n    connect: 0.5\n    read: 60\n    write: 20\n    pool: 1\n",
    )

    timeouts = load_settings(path).telegram.timeouts

    assert (timeouts.connect, timeouts.read, timeouts.write, timeouts.pool) == (0.5, 60, 20, 1)


def test_every_zero_timeout_is_reported(tmp_path: Path) -> None:
    path = write_config(
        tmp_path, "telegram:\n  timeouts:\n    connect: 0\n    read: -1\n    pool: 0.0\n"
    )

    assert config_errors(path) == [
        "ringkas.yaml:3: telegram.timeouts.connect: input should be greater than 0",
        "ringkas.yaml:4: telegram.timeouts.read: input should be greater than 0",
        "ringkas.yaml:5: telegram.timeouts.pool: input should be greater than 0",
    ]


def test_discord_guilds_are_positive_ids(tmp_path: Path) -> None:
    path = write_config(tmp_path, "discord:\n  guilds: [80351110224678912, 1]\n")

    assert load_settings(path).discord.guilds == (80351110224678912, 1)


def test_paid_broadcast_is_off_by_default_and_covers_what_for_names(tmp_path: Path) -> None:
    default = load_settings(None)
    assert default.rate_limits()["telegram"].paid is None

    settings = load_settings(
        write_config(
            tmp_path, "telegram:\n  paid_broadcast: {enabled: true, for: [push, instant]}\n"
        )
    )

    limits = settings.rate_limits()["telegram"]
    assert limits.paid == Rate(1000, 1.0)
    assert limits.pays_for("push") and limits.pays_for("instant")
    assert not limits.pays_for("scheduled")
    assert limits.overall == Rate(30, 1.0)  # everything else stays at the free limits


def test_paid_broadcast_for_an_unknown_delivery_is_refused(tmp_path: Path) -> None:
    path = write_config(tmp_path, "telegram:\n  paid_broadcast: {enabled: true, for: [pushes]}\n")
    with pytest.raises(ConfigInvalid) as refused:
        load_settings(path)
    assert "paid_broadcast.for" in str(refused.value)
    assert "'scheduled', 'instant', 'push' or 'follow'" in str(refused.value)


# --- the database from the environment, and logging ---

PG_URL = "postgresql+asyncpg://ringkas:s3cret-pw@db.example.org:5432/ringkas"


def test_database_env_names_the_variable_whose_url_replaces_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.config import with_database_from_env

    path = write_config(tmp_path, "database: local.sqlite3\ndatabase_env: MY_DATABASE_URL\n")
    monkeypatch.setenv("MY_DATABASE_URL", f" {PG_URL}\n")

    settings = load_settings(path)

    assert settings.database == str(tmp_path / "local.sqlite3")  # read from the file only
    assert with_database_from_env(settings).database == PG_URL


def test_without_database_env_the_database_is_the_files(tmp_path: Path) -> None:
    from bot.config import with_database_from_env

    settings = load_settings(write_config(tmp_path, "database: local.sqlite3\n"))

    assert settings.database_env is None
    assert with_database_from_env(settings) is settings


def test_database_env_naming_an_unset_variable_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.config import DatabaseUnset, with_database_from_env

    monkeypatch.delenv("MY_DATABASE_URL", raising=False)
    settings = load_settings(write_config(tmp_path, "database_env: MY_DATABASE_URL\n"))

    with pytest.raises(DatabaseUnset) as caught:
        with_database_from_env(settings)

    assert str(caught.value).startswith("database_env: $MY_DATABASE_URL is not set: ")


def test_a_database_env_that_is_no_variable_name_is_refused(tmp_path: Path) -> None:
    path = write_config(tmp_path, "database_env: postgresql://x\n")

    assert config_errors(path) == [
        "ringkas.yaml:1: database_env: 'postgresql://x' is not an environment variable name: "
        "use letters, digits and underscores"
    ]


def test_logging_defaults_to_each_commands_level_as_text(tmp_path: Path) -> None:
    settings = load_settings(write_config(tmp_path, "language: en\n"))

    assert (settings.logging.level, settings.logging.format) == (None, "text")


def test_logging_level_and_format_may_be_set(tmp_path: Path) -> None:
    settings = load_settings(write_config(tmp_path, "logging: {level: debug, format: json}\n"))

    assert (settings.logging.level, settings.logging.format) == ("debug", "json")


@pytest.mark.parametrize(
    ("text", "key"), [("{level: verbose}", "level"), ("{format: xml}", "format")]
)
def test_a_bad_logging_setting_is_reported_with_its_line(
    tmp_path: Path, text: str, key: str
) -> None:
    [problem] = config_errors(write_config(tmp_path, f"language: en\nlogging: {text}\n"))

    assert problem.startswith(f"ringkas.yaml:2: logging.{key}: ")
