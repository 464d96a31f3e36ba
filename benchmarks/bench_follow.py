"""Inline answers and follows at production scale: the two figures issue 16 sets.

    python -m benchmarks.bench_follow [--summaries N] [--follows N] [--content DIR] [--json FILE]

Generates the synthetic content folder of `benchmarks.synthetic` (10,000 summaries, 100,000
statements, 5,000 people by default) into a temporary folder (not timed) and loads it as the bot
does, then measures:

- **inline answers**: 1,000 inline queries, worked out cold (nothing kept from an earlier
  answer): bench_core's mix of names, aliases, roles, typos, topics, speaker and topic, and
  nonsense, plus empty queries (the digest and the newest statements) and second pages. Timed
  twice: the core's answer, and the whole of it inside the bot, the answer then the Telegram
  articles built and turned into the JSON python-telegram-bot posts. Target: p95 ≤ 20 ms.
- **follows**: 100,000 follows of 50,000 chats in a SQLite store (60% a person, 30% a topic, 10%
  a person on a topic; people drawn as often as they speak, half the time; topics from the
  synthetic content's, in both languages); 20 new editions of 10 statements each, matched
  against them: the follows the new statements may match read from the store, and matched, up
  to each chat's share. Target: p95 ≤ 200 ms. Then one whole planning pass as a restart makes it
  (the statements seen read from the store, the messages made, stored and queued, the new
  statements marked seen), for scale.

It reports and never fails: the exit code is 0 whatever the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import random
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from benchmarks.bench_core import QUERY_SEED, QueryMaker
from benchmarks.common import (
    Figure,
    load_average,
    machine,
    note_if_busy,
    percentile,
    pick,
    print_meta,
    print_table,
    write_json,
)
from benchmarks.synthetic import TOPICS, generate
from bot.adapters.telegram.inline import articles
from bot.core.commands.inline import PAGE, InlineAnswers
from bot.core.content.names import normalize
from bot.core.delivery.follows import FollowNews, Matcher, matched
from bot.core.library import Library
from bot.core.models import LANGS, Statement
from bot.core.ports import ChatKind, Format
from bot.core.store import Store
from bot.core.store.tables import chats, follows
from bot.core.text.compose import DigestOptions
from bot.core.text.whosaid import topic_words

INLINE_P95_TARGET_MS = 20.0
MATCH_P95_TARGET_MS = 200.0

INLINE_QUERIES = 1_000
WARMUP_QUERIES = 100
EDITIONS = 20
NEW_STATEMENTS = 10  # what a curator's new summary or two bring
FOLLOWS_PER_CHAT = 2
FOLLOW_MIX = {"person": 60, "topic": 30, "person on topic": 10}
SEED = 16
NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


# --- inline answers ---


def inline_cases(library: Library, count: int, seed: int) -> list[tuple[str, str]]:
    """(query, offset): bench_core's who-said mix for nine in ten, empty queries (first and
    second pages) for the rest."""
    rng = random.Random(seed)
    queries = QueryMaker(library.catalog, seed).queries(count)
    cases = []
    for query in queries:
        roll = rng.random()
        if roll < 0.07:
            cases.append(("", ""))
        elif roll < 0.10:
            cases.append(("", str(PAGE)))
        else:
            cases.append((query.text, ""))
    return cases


def measure_inline(library: Library, count: int) -> tuple[list[Figure], dict[str, int]]:
    for query, offset in inline_cases(library, WARMUP_QUERIES, QUERY_SEED + 1):
        InlineAnswers(library).answer(query, "en", Format.TELEGRAM, offset)
    core: list[int] = []
    whole: list[int] = []
    results = 0
    rng = random.Random(SEED)
    for query, offset in inline_cases(library, count, QUERY_SEED):
        lang = rng.choice(LANGS)
        answers = InlineAnswers(library)  # cold: nothing kept from an earlier answer
        start = time.perf_counter_ns()
        answer = answers.answer(query, lang, Format.TELEGRAM, offset)
        answered = time.perf_counter_ns()
        json.dumps([article.to_dict() for article in articles(answer)])
        done = time.perf_counter_ns()
        core.append(answered - start)
        whole.append(done - start)
        results += len(answer.results)
    figures = [
        *_in_ms(core, f"inline answer (core), {count:,} queries"),
        *_in_ms(
            whole, f"inline answer + Telegram articles, {count:,} queries", INLINE_P95_TARGET_MS
        ),
    ]
    return figures, {"inline_results": results}


# --- follows ---


def follow_rows(
    library: Library, count: int, seed: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Chats and their follows, as the store keeps them: `count` follows, FOLLOWS_PER_CHAT a
    chat, one target each drawn from FOLLOW_MIX."""
    rng = random.Random(seed)
    catalog = library.catalog
    people = list(catalog.people)
    topics = sorted({" ".join(topic_words(normalize(t).split())) for pair in TOPICS for t in pair})

    def person() -> str:
        if rng.random() < 0.5:  # someone who speaks often, as often as they speak
            return rng.choice(catalog.statements).speakers[0]
        return rng.choice(people)

    chat_rows, rows = [], []
    for number in range(1, count // FOLLOWS_PER_CHAT + 1):
        chat_rows.append(
            {"id": number, "platform": "telegram", "chat_id": str(number), "thread": "",
             "chat_kind": ChatKind.PRIVATE, "lang": rng.choice(LANGS)}
        )  # fmt: skip
        for _ in range(FOLLOWS_PER_CHAT):
            kind = pick(rng, FOLLOW_MIX)
            who = person() if kind != "topic" else ""
            what = rng.choice(topics) if kind != "person" else ""
            rows.append(
                {"chat": number, "person": who, "topic": what, "followed_by": "bench",
                 "followed_at": NOW}
            )  # fmt: skip
    return chat_rows, rows


async def fill(store: Store, chat_rows: list[dict[str, Any]], rows: list[dict[str, Any]]) -> int:
    """Write the chats and their follows (a duplicate follow of one chat kept once)."""
    unique = list({(r["chat"], r["person"], r["topic"]): r for r in rows}.values())
    async with store.engine.begin() as connection:
        await connection.execute(insert(chats), chat_rows)
        await connection.execute(insert(follows), unique)
    return len(unique)


def new_editions(library: Library, editions: int, seed: int) -> list[tuple[Statement, ...]]:
    """Each edition's new statements: NEW_STATEMENTS drawn from the catalog, newest first."""
    rng = random.Random(seed)
    statements = library.catalog.statements
    return [
        tuple(statements[i] for i in sorted(rng.sample(range(len(statements)), NEW_STATEMENTS)))
        for _ in range(editions)
    ]


async def measure_matching(
    store: Store, editions: Sequence[tuple[Statement, ...]]
) -> tuple[list[Figure], dict[str, int]]:
    samples: list[int] = []
    reached: list[int] = []
    for new in editions:
        start = time.perf_counter_ns()
        shares = await matched(store, Matcher(new))
        samples.append(time.perf_counter_ns() - start)
        reached.append(len(shares))
    stats = {"chats_reached_median": sorted(reached)[len(reached) // 2], "editions": len(editions)}
    label = f"match {NEW_STATEMENTS} new statements against the follows"
    return _in_ms(samples, label, MATCH_P95_TARGET_MS), stats


async def measure_plan(
    store: Store, library: Library, new: tuple[Statement, ...]
) -> tuple[list[Figure], dict[str, int]]:
    """One planning pass as the first after a restart: every statement but `new` seen."""
    fresh = {s.id for s in new}
    await store.follows.see((s for s in library.catalog.statements_by_id if s not in fresh), NOW)
    start = time.perf_counter_ns()
    queued = await FollowNews(store, library).plan(NOW)
    elapsed = time.perf_counter_ns() - start
    figure = Figure("plan: seen read, messages made and queued (one pass)", "once",
                    elapsed / 1e6, "ms")  # fmt: skip
    return [figure], {"messages_queued": queued}


def _in_ms(samples_ns: Sequence[int], measure: str, target: float | None = None) -> list[Figure]:
    return [
        Figure(measure, "p50", percentile(samples_ns, 50) / 1e6, "ms"),
        Figure(measure, "p95", percentile(samples_ns, 95) / 1e6, "ms", target),
        Figure(measure, "max", max(samples_ns) / 1e6, "ms"),
    ]


# --- the run ---


@contextmanager
def content_folder(args: argparse.Namespace) -> Iterator[Path]:
    if args.content is not None:
        yield args.content
        return
    with tempfile.TemporaryDirectory(prefix="ringkas-bench-") as tmp:
        start = time.perf_counter()
        people = max(50, args.summaries // 2)
        folder = generate(Path(tmp) / "content", summaries=args.summaries, people=people)
        print(f"generated {folder} in {time.perf_counter() - start:.1f} s (not timed)")
        yield folder


async def run(args: argparse.Namespace) -> dict[str, object]:
    load_before = load_average()
    with content_folder(args) as folder, tempfile.TemporaryDirectory() as tmp:
        library = await Library.load(folder, DigestOptions(), NOW)
        catalog = library.catalog
        meta = {
            "statements": len(catalog.statements),
            "people": len(catalog.people),
            "follows": args.follows,
            **machine(),
            "load_before": load_before,
        }
        figures, stats = measure_inline(library, INLINE_QUERIES)
        async with await Store.open(Path(tmp) / "bench.sqlite3") as store:
            chat_rows, rows = follow_rows(library, args.follows, SEED)
            meta["follows"] = await fill(store, chat_rows, rows)
            meta["chats_following"] = len(chat_rows)
            del chat_rows, rows  # the bot holds no such lists: the collector need not walk them
            print_meta(meta)
            editions = new_editions(library, EDITIONS + 1, SEED)
            matched, match_stats = await measure_matching(store, editions[:EDITIONS])
            planned, plan_stats = await measure_plan(store, library, editions[EDITIONS])
        figures += matched + planned
        stats |= match_stats | plan_stats
    print_table(("measure", "stat", "value", "target", ""), [f.row() for f in figures])
    print()
    print(", ".join(f"{key}: {value:,}" for key, value in stats.items()))
    note_if_busy(load_before, "the figures may be slower than the machine can do")
    return {
        "meta": meta,
        "figures": [{**asdict(f), "verdict": f.verdict} for f in figures],
        "stats": stats,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--summaries", type=int, default=10_000, help="default: %(default)s")
    parser.add_argument("--follows", type=int, default=100_000, help="default: %(default)s")
    parser.add_argument("--content", type=Path, help="benchmark this folder instead of a new one")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    results = asyncio.run(run(args))
    if args.json is not None:
        write_json(args.json, results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
