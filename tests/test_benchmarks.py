"""The benchmarks stay runnable: the synthetic content is valid, and a small run reports figures."""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks import bench_core, bench_runtime
from benchmarks.synthetic import generate
from bot.core.content import load_catalog


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
