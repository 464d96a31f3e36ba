"""The benchmarks stay runnable: the synthetic content is valid, and a small run reports figures."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest

from benchmarks import (
    bench_core,
    bench_discord,
    bench_draft,
    bench_failover,
    bench_follow,
    bench_load,
    bench_retention,
    bench_runtime,
    bench_stop,
    bench_telegram,
    bench_timeline,
)
from benchmarks.broadcast import Figures
from benchmarks.common import subscription_row
from benchmarks.soak import probes
from benchmarks.soak import run as soak
from benchmarks.synthetic import generate
from bot.app import CLEAN_STOP_SECONDS
from bot.core.content.loading import load_catalog
from bot.core.ports import ChatKind, MessageKind
from bot.core.store import Store
from tests.core.store.conftest import POSTGRES


def test_the_synthetic_content_is_valid_and_of_the_asked_size(tmp_path: Path) -> None:
    catalog = load_catalog(generate(tmp_path, summaries=30, statements_per_summary=4, people=20))

    assert len(catalog.summaries) == 30
    assert len(catalog.statements) == 120
    assert len(catalog.people) == 20


def test_the_synthetic_content_is_the_same_for_the_same_seed(tmp_path: Path) -> None:
    first, second = (generate(tmp_path / n, summaries=10, people=8) for n in ("a", "b"))

    assert [p.read_bytes() for p in sorted(first.rglob("*.yaml"))] == [
        p.read_bytes() for p in sorted(second.rglob("*.yaml"))
    ]


def test_a_small_benchmark_run_reports_every_figure_with_a_verdict(tmp_path: Path) -> None:
    report = tmp_path / "figures.json"

    assert bench_core.main(["--summaries", "40", "--json", str(report)]) == 0

    figures = json.loads(report.read_text())["figures"]
    measures = {figure["measure"] for figure in figures}
    assert {"load_catalog", "QuoteIndex build"} <= measures
    assert any(m.startswith("compose_digest") for m in measures)
    assert any(m.startswith("who_said") for m in measures)
    assert all(f["verdict"] in {"PASS", "FAIL", ""} for f in figures)


def test_a_small_runtime_benchmark_run_reports_every_target_with_a_number(tmp_path: Path) -> None:
    report = tmp_path / "runtime.json"
    tiny = ["--subscriptions", "200", "--small", "20", "--json", str(report)]

    assert bench_runtime.main(tiny) == 0

    figures = json.loads(report.read_text())["figures"]
    targeted = [f for f in figures if f["target"] is not None]
    assert [f["unit"] for f in targeted] == ["ms", "MB", "ms"]  # due-scan, memory, dispatcher
    assert all(isinstance(f["value"], float) and f["verdict"] in {"PASS", "FAIL"} for f in targeted)
    assert sum("in_flight" in f["measure"] for f in figures) >= 3
    assert all(f["value"] >= 0 for f in figures if f["unit"] != "MB")


def test_a_small_telegram_benchmark_run_reaches_every_chat_once(tmp_path: Path) -> None:
    report = tmp_path / "telegram.json"
    tiny = ["--chats", "30", "--limits", "200", "--json", str(report)]

    assert bench_telegram.main(tiny) == 0

    runs = json.loads(report.read_text())["runs"]
    ours = [run for run in runs if run["limiter"] == bench_telegram.RINGKAS]
    assert len(ours) == 1
    assert len(runs) == (1 if bench_telegram.aio_rate_limiter_missing() else 2)
    assert all(run["lost"] == 0 and run["duplicated"] == 0 for run in runs)
    assert all(run["sent"] == 30 and run["sent_rate"] > 0 for run in runs)
    assert all(run["verdict"] in {"PASS", "FAIL"} for run in runs)


def test_a_small_discord_benchmark_run_reaches_every_channel_once(tmp_path: Path) -> None:
    report = tmp_path / "discord.json"
    tiny = ["--channels", "30", "--limit", "200", "--capacity", "--json", str(report)]

    assert bench_discord.main(tiny) == 0

    runs = json.loads(report.read_text())["runs"]
    pacings = [run["pacing"] for run in runs]
    assert pacings == [bench_discord.RINGKAS, bench_discord.BASELINE, bench_discord.CAPACITY]
    assert all(run["lost"] == 0 and run["duplicated"] == 0 for run in runs)
    assert all(run["sent"] == 30 and run["sent_rate"] > 0 for run in runs)
    assert [run["verdict"] in {"PASS", "FAIL"} for run in runs] == [True, True, False]


def test_a_small_load_benchmark_run_answers_every_command_and_reaches_every_chat(
    tmp_path: Path,
) -> None:
    report = tmp_path / "load.json"
    tiny = [
        "--users", "20", "--chats", "30", "--paid-chats", "60", "--commanders", "3",
        "--commands-per-second", "3", "--sends", "20", "--rounds", "1", "--at-once", "1", "5",
        "--scenarios", *bench_load.SCENARIOS, "--json", str(report),
    ]  # fmt: skip

    assert bench_load.main(tiny) == 0

    scenarios = {s["scenario"]: s for s in json.loads(report.read_text())["scenarios"]}
    assert list(scenarios) == list(bench_load.SCENARIOS)  # the run before too
    figures = {
        (name, figure["figure"]): figure
        for name, scenario in scenarios.items()
        for figure in scenario["figures"]
    }
    assert all(f["verdict"] in {"PASS", "FAIL", ""} for f in figures.values())
    for name in ("telegram-burst", "discord-burst"):
        assert scenarios[name]["answered"] == 20
    for name in ("telegram-mix", "discord-mix"):
        assert scenarios[name]["answered"] == scenarios[name]["commands"] > 0
    for name in ("telegram-mix", "telegram-paid", "telegram-paid-httpx", "discord-mix"):
        assert figures[name, "push chats lost"]["value"] == 0
        assert figures[name, "push chats duplicated"]["value"] == 0
    paid = ("telegram-paid", "telegram-paid-httpx")
    assert [scenarios[name]["paid_sent"] for name in paid] == [60, 60]
    costs = scenarios["sender-cost"]["costs"]
    assert len(costs) == (3 + 2) * 2  # the paths of each platform, 1 and 5 at a time
    assert all(c["failed"] == 0 and len(c["cpu_us"]) == 1 and c["cpu_us"][0] > 0 for c in costs)


def test_a_small_retention_benchmark_run_stays_bounded_and_reports_every_target(
    tmp_path: Path,
) -> None:
    report = tmp_path / "retention.json"
    tiny = [
        "--subscriptions", "200", "--days", "9", "--retention-days", "2", "--sample-every", "1",
        "--status-runs", "3", "--json", str(report),
    ]  # fmt: skip

    assert bench_retention.main(tiny) == 0

    results = json.loads(report.read_text())
    targeted = {f["measure"].split(",")[0]: f for f in results["figures"] if f["target"]}
    assert set(targeted) == {
        "file growth", "retention", "due-scan", "/status", "GET /metrics over HTTP",
    }  # fmt: skip
    assert all(f["verdict"] in {"PASS", "FAIL"} and f["value"] >= 0 for f in targeted.values())
    samples = results["samples"]
    assert [s["day"] for s in samples] == list(range(1, 10))
    # A day writes two digests to each active subscription (day 7 a push too, one each); kept
    # are the last two days' (retention 2): never more than day 2 held, and a push.
    written = [s["outbox"] for s in samples]
    assert max(written) <= written[1] + written[0] // 2
    assert written[-1] < sum(s["deleted"] for s in samples)
    assert results["end"]["status"].startswith("<b>Ringkas status</b>")


def test_the_broadcast_timeline_rates_the_accepted_span_and_counts_its_stalls() -> None:
    run = bench_discord.Run("Ringkas pacer", 50, 50, 5, rejected_429=1, send_requests=6)

    run.take_timeline([0.0, 0.02, 0.04, 0.34, 0.36], stall=0.1)

    assert (run.sent, round(run.sent_span_s, 9), round(run.sent_rate, 6)) == (5, 0.36, 13.888889)
    assert (run.stalls, round(run.stalled_s, 9), round(run.max_gap_ms, 6)) == (1, 0.3, 300.0)
    assert run.rejected_share == 1 / 6


def test_a_broadcast_run_writes_what_it_was_first_and_the_report_last() -> None:
    keys = list(bench_telegram.Run(bench_telegram.RINGKAS, 200, 50, 30).as_json())

    assert keys[:4] == ["limiter", "limit", "in_flight", "chats"]
    assert keys.index("stalled_s") < keys.index("first_429_s") < keys.index("report")
    assert keys[-5:] == ["report", "sent_rate", "ratio", "rejected_share", "verdict"]
    assert {f for f in Figures.__dataclass_fields__} <= set(keys)


def test_a_tiny_soak_run_loses_nothing_repeats_nothing_and_reports_every_figure(
    tmp_path: Path,
) -> None:
    report = tmp_path / "soak.json"
    tiny = ["--minutes", "3", "--warm-up", "1", "--subscriptions", "300", "--json", str(report)]

    assert soak.main(tiny) == 0

    results = json.loads(report.read_text())
    assert (results["lost"], results["duplicated"], results["unexpected"]) == (0, 0, 0)
    assert results["unrecognised"] == 0 and results["edition_surprises"] == []
    assert results["deliveries_telegram"] > 0 and results["deliveries_discord"] > 0
    assert results["deliveries"] == results["expected"] == results["queued"]
    assert results["expected_instant"] > 0 and results["expected_skipped_slots"] > 0
    assert results["outbox_missing"] == results["outbox_extra"] == 0
    assert results["rss_start_bytes"] > 0 and results["rss_end_bytes"] > 0
    assert results["fds_start"] > 0 and results["fds_end"] > 0
    assert results["wall_s"] > 0 and len(results["minutes_log"]) == 1 + 3 + 1
    figures = {figure["figure"]: figure for figure in results["figures"]}
    assert {"lost", "duplicated", "RSS growth", "open fds start → end"} <= set(figures)
    assert all(figure["verdict"] in {"PASS", "FAIL", ""} for figure in figures.values())


async def test_queueing_batches_of_many_sizes_keeps_sqlite_memory_flat(tmp_path: Path) -> None:
    if probes.sqlite_memory_bytes() is None:
        pytest.skip("SQLite's memory figures are not reachable from here")
    now = dt.datetime(2025, 10, 7, tzinfo=dt.UTC)
    rows = [
        subscription_row("telegram", n, str(n + 1), ChatKind.PRIVATE, "", now) for n in range(200)
    ]
    store = await Store.open(tmp_path / "store.sqlite3")
    try:
        await store.subscriptions.add_many(rows)
        subscriptions = [sub async for sub in store.subscriptions.all()]
        before = probes.sqlite_memory_bytes() or 0
        for size in range(1, len(subscriptions) + 1):  # as plan passes queue: a new count each
            entries = [(sub, f"scheduled:{size}") for sub in subscriptions[:size]]
            await store.outbox.enqueue(entries, "digest:x", MessageKind.DIGEST, now)
        growth = (probes.sqlite_memory_bytes() or 0) - before
    finally:
        await store.close()

    # About 33 MB with sqlite3's default statement cache (128 per connection); some 2 MB, the
    # page cache filling, with the store's few slots.
    assert growth < 6_000_000


def test_a_draft_benchmark_run_scores_every_kind_in_both_languages(tmp_path: Path) -> None:
    report = tmp_path / "draft.json"

    assert bench_draft.main(["--set", "holdout", "--json", str(report)]) == 0

    figures = json.loads(report.read_text())["figures"]
    rows = {(f["language"], f["kind"]) for f in figures}
    assert rows == {(lang, kind) for lang in ("en", "id", "both")
                    for kind in ("direct", "paraphrase", "reported", "all")}  # fmt: skip
    assert all(f["verdict"] in {"PASS", "FAIL"} and 0 <= f["recall"] <= 1 for f in figures)
    assert sum(f["gold"] for f in figures if f["language"] == "both" and f["kind"] == "all") > 30


def test_every_labelled_statement_is_in_its_articles_words() -> None:
    """The gold set's labels quote their articles: a typo in one would score a right answer
    as a miss."""
    for _, path in bench_draft.gold_articles("all"):
        words = bench_draft.words(path.read_text(encoding="utf-8"))
        _, _, labels = bench_draft.read_gold(path.with_suffix(".gold.yaml"))
        for label in labels:
            assert bench_draft.words(label.text) <= words, (path.name, label.text)


def test_a_small_follow_benchmark_run_reports_every_figure_with_a_verdict(tmp_path: Path) -> None:
    report = tmp_path / "figures.json"

    assert bench_follow.main(["--summaries", "40", "--follows", "200", "--json", str(report)]) == 0

    results = json.loads(report.read_text())
    measures = {f["measure"] for f in results["figures"]}
    assert any(m.startswith("inline answer + Telegram articles") for m in measures)
    assert any(m.startswith("match 10 new statements") for m in measures)
    targets = [f for f in results["figures"] if f["target"] is not None]
    assert len(targets) == 2 and all(f["verdict"] in {"PASS", "FAIL"} for f in targets)
    assert results["stats"]["messages_queued"] >= 0


def test_a_small_failover_benchmark_run_reports_each_scenario(tmp_path: Path) -> None:
    if not POSTGRES:
        pytest.skip("several instances need PostgreSQL: set RINGKAS_TEST_POSTGRES")
    report = tmp_path / "failover.json"

    assert bench_failover.main([
        "--kills", "1", "--chats", "90", "--channels", "20", "--cut-chats", "90",
        "--database", POSTGRES, "--json", str(report),
    ]) == 0  # fmt: skip

    runs = json.loads(report.read_text())["runs"]
    assert len(runs["kills"]["failover_s"]) == 1 and runs["kills"]["failover_s"][0] > 0
    assert runs["shard_0"]["failover_s"] > 0 and runs["shard_0"]["channels_shown_once"] == 20
    assert runs["cut"]["failover_s"] > 0


def test_a_small_stop_benchmark_run_stops_cleanly(tmp_path: Path) -> None:
    report = tmp_path / "stop.json"

    assert bench_stop.main([
        "--stops", "1", "--chats", "40", "--in-flight", "5", "--send-ms", "30",
        "--json", str(report),
    ]) == 0  # fmt: skip

    [result] = json.loads(report.read_text())["results"]
    assert result["exit_codes"] == [0] and result["left_sending"] == 0
    assert 0 < result["worst_s"] < CLEAN_STOP_SECONDS


def test_the_timeline_benchmark_reports_every_figure_and_gives_the_process_its_cpus_back(
    tmp_path: Path,
) -> None:
    report = tmp_path / "figures.json"
    cpus = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None

    assert bench_timeline.main(["--runs", "1", "--hits", "5", "--json", str(report)]) == 0

    figures = {f["measure"]: f for f in json.loads(report.read_text())["figures"]}
    assert any(m.startswith("draw 50 statements") for m in figures)
    assert figures["cache: bytes of the pictures held"]["verdict"] == "PASS"
    assert figures["cache hit (query → PNG)"]["verdict"] in {"PASS", "FAIL"}
    if cpus is not None:
        assert os.sched_getaffinity(0) == cpus
