"""Timeline picture benchmark: drawing time, a cache hit, the event loop meanwhile, memory held.

    python -m benchmarks.bench_timeline [--runs N] [--hits N] [--json FILE]

On one core (the process is pinned to one CPU where the system allows it): the first drawing
(matplotlib imported then), then the drawing of a 50-statement timeline of synthetic content
(`benchmarks.synthetic`: six lanes, made-up speakers) and of the shipped content in English and
Indonesian; a cache hit as /timeline meets it (the query resolved, the timeline built, the
picture found); how late a 5 ms timer runs on the event loop while a picture is drawn in the
worker thread; and what the cache holds, by its own count and as traced by `tracemalloc`, when
twice its bound of pictures went in. It reports and never fails: the exit code is 0.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import gc
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

from benchmarks.common import (
    CONTENT,
    Figure,
    load_average,
    machine,
    note_if_busy,
    percentile,
    print_meta,
    print_table,
    write_json,
)
from benchmarks.synthetic import generate
from bot.core.content.loading import load_catalog
from bot.core.models import LANGS
from bot.core.picture import draw
from bot.core.picture.cache import PictureCache
from bot.core.picture.pictures import Pictures
from bot.core.text.timeline import MAX_STATEMENTS, Timeline, timeline_of
from bot.core.text.whosaid import QuoteIndex

RENDER_TARGET_S = 1.5
HIT_TARGET_MS = 5.0
TICK = 0.005  # the timer whose lateness shows the event loop's stalls


def one_core() -> str:
    """Pin the process to one CPU, as the figures are for one core: which, or why not."""
    if not hasattr(os, "sched_setaffinity"):
        return "not pinned (no sched_setaffinity here)"
    cpu = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    return f"pinned to CPU {cpu}"


def drawn(index: QuoteIndex, query: str = "", lang: str = "en") -> Timeline:
    found = timeline_of(index, query, lang)  # type: ignore[arg-type]
    assert isinstance(found, Timeline), found
    return found


def synthetic_timeline(folder: Path) -> Timeline:
    """The newest 50 statements of a small synthetic folder: ten to a summary, so on few days."""
    catalog = load_catalog(generate(folder, summaries=40, statements_per_summary=10, people=60))
    timeline = drawn(QuoteIndex(catalog))
    assert len(timeline.entries) == MAX_STATEMENTS
    return timeline


def seconds(samples: Sequence[float], measure: str, target: float | None = None) -> list[Figure]:
    median, p95 = statistics.median(samples), percentile([round(s * 1e9) for s in samples], 95)
    return [Figure(measure, "median", median, "s"), Figure(measure, "p95", p95 / 1e9, "s", target)]


def measure_drawing(timeline: Timeline, runs: int, label: str) -> tuple[list[Figure], int]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        picture = draw.png(timeline)
        samples.append(time.perf_counter() - started)
    width, height = draw.png_size(picture)
    return seconds(samples, f"draw {label} ({width}×{height} px)", RENDER_TARGET_S), len(picture)


async def measure_hits(index: QuoteIndex, hits: int) -> list[Figure]:
    """/timeline's work on a cache hit: resolve the query, build the timeline, find the PNG."""
    pictures = Pictures()
    await pictures.timeline(drawn(index, "trump"))
    samples = []
    for _ in range(hits):
        started = time.perf_counter_ns()
        await pictures.timeline(drawn(index, "trump"))
        samples.append(time.perf_counter_ns() - started)
    assert pictures.cache.hits == hits
    median, p95 = statistics.median(samples) / 1e6, percentile(samples, 95) / 1e6
    return [
        Figure("cache hit (query → PNG)", "median", median, "ms"),
        Figure("cache hit (query → PNG)", "p95", p95, "ms", HIT_TARGET_MS),
    ]


async def measure_loop_while_drawing(timeline: Timeline, cores: str) -> list[Figure]:
    """How late a 5 ms timer fires while the worker thread draws: they share the GIL, and on
    one core the CPU as well."""
    loop = asyncio.get_running_loop()
    lateness: list[float] = []
    drawing = asyncio.ensure_future(Pictures().timeline(timeline))
    while not drawing.done():
        due = loop.time() + TICK
        await asyncio.sleep(TICK)
        lateness.append(loop.time() - due)
    await drawing
    worst = max(lateness) * 1e3
    return [
        Figure(f"event loop during a drawing, {cores}: 5 ms timer late by", "max", worst, "ms"),
        Figure(f"event loop during a drawing, {cores}: timer ticks", "count", len(lateness), ""),
    ]


def measure_cache_memory(timeline: Timeline, picture: bytes) -> list[Figure]:
    """Twice as many pictures as the byte bound holds, each under its own timeline: what stays."""
    cache: PictureCache[Timeline] = PictureCache()
    count = 2 * cache.max_bytes // len(picture) + 1
    tracemalloc.start()
    before, _ = tracemalloc.get_traced_memory()
    for number in range(count):
        key = dataclasses.replace(timeline, subject=f"query {number}")
        cache.put(key, bytes(memoryview(picture)))  # a copy: each its own bytes, as drawn
    held, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    mib = 1024 * 1024
    bound = cache.max_bytes / mib
    return [
        Figure(f"cache after {count} pictures: pictures held", "count", len(cache), ""),
        Figure("cache: bytes of the pictures held", "sum", cache.bytes / mib, "MiB", bound),
        Figure("cache: memory held (tracemalloc)", "total", (held - before) / mib, "MiB"),
    ]


def run(args: argparse.Namespace) -> dict[str, object]:
    load_before = load_average()
    had = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else set()
    pinned = one_core()
    try:
        return measure(args, pinned, had, load_before)
    finally:  # its CPUs as they were: a caller (the smoke test) goes on in the process
        if had:
            os.sched_setaffinity(0, had)


def measure(
    args: argparse.Namespace, pinned: str, cpus: set[int], load_before: float
) -> dict[str, object]:
    imported = "matplotlib" in sys.modules
    shipped = QuoteIndex(load_catalog(CONTENT))
    with tempfile.TemporaryDirectory() as folder:
        synthetic = synthetic_timeline(Path(folder))
    # As the bot's library does after a load (and, like it, for good): what lives until the
    # next load is kept out of the garbage collector's walks, whose pauses would show as the
    # event loop's.
    gc.collect()
    gc.freeze()
    meta = {**machine(), "cpu": pinned, "statements": len(synthetic.entries)}
    print_meta(meta)
    started = time.perf_counter()
    draw.png(drawn(shipped, "rubio"))
    first = time.perf_counter() - started
    what = "matplotlib already imported" if imported else "imports matplotlib"
    figures = [Figure(f"first drawing ({what})", "once", first, "s")]
    found, size = measure_drawing(synthetic, args.runs, f"{len(synthetic.entries)} statements")
    figures += found
    sizes = {"50 statements": size}
    for lang in LANGS:
        found, sizes[f"shipped {lang}"] = measure_drawing(
            drawn(shipped, lang=lang), args.runs, f"shipped content, {lang}"
        )
        figures += found
    figures += asyncio.run(measure_hits(shipped, args.hits))
    figures += asyncio.run(measure_loop_while_drawing(synthetic, "one core"))
    if len(cpus) > 1:  # as the bot runs: the loop and the drawing thread on the cores there are
        os.sched_setaffinity(0, cpus)
        figures += asyncio.run(measure_loop_while_drawing(synthetic, f"{len(cpus)} cores"))
    figures += measure_cache_memory(synthetic, draw.png(synthetic))
    figures += [
        Figure(f"PNG size, {name}", "bytes", value / 1024, "KiB") for name, value in sizes.items()
    ]
    print_table(("measure", "stat", "value", "target", ""), [f.row() for f in figures])
    note_if_busy(load_before, "the drawing times may be high")
    return {"meta": meta, "figures": [{**asdict(f), "verdict": f.verdict} for f in figures]}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="drawings per timeline (%(default)s)")
    parser.add_argument("--hits", type=int, default=1000, help="cache hits timed (%(default)s)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    results = run(args)
    if args.json is not None:
        write_json(args.json, results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
