"""Core performance benchmark: load, index, compose, render and who-said-what at production scale.

    python -m benchmarks.bench_core [--summaries N] [--content DIR] [--json FILE] [--profile]

Generates the synthetic content folder of `benchmarks.synthetic` into a temporary folder (not
timed), then times each step of the core and prints one table, each figure beside its target.
It reports and never fails: the exit code is 0 whatever the figures.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import itertools
import random
import statistics
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path

from benchmarks.common import (
    Figure,
    machine,
    peak_rss_bytes,
    percentile,
    print_meta,
    print_profile,
    print_table,
    write_json,
)
from benchmarks.synthetic import TOPICS, generate, strip_diacritics
from bot.core.content.loading import load_catalog
from bot.core.models import LANGS, Catalog, Lang, Person
from bot.core.ports import Format
from bot.core.text.compose import Window, compose_digest
from bot.core.text.fitting import digest_message
from bot.core.text.whosaid import QuoteIndex

LOAD_TARGET_S = 3.0
COMPOSE_TARGET_MS = 5.0
WHOSAID_P95_TARGET_MS = 5.0

LOAD_RUNS = 3
INDEX_RUNS = 3
COMPOSE_RUNS = 200
QUERIES = 1_000
WARMUP_RUNS = 20
WARMUP_QUERIES = 100
QUERY_SEED = 7
WEEK = dt.timedelta(days=6)  # a 7-day window: the newest date and the six before it

# The mix of who-said-what queries: category → weight.
QUERY_MIX: dict[str, int] = {
    "exact name": 15,
    "alias": 15,
    "role phrase": 10,
    "no diacritics": 10,
    "typo (1 edit)": 15,
    "topic en": 8,
    "topic id": 7,
    "speaker+topic": 10,
    "nonsense": 10,
}


# --- figures ---


def in_ms(samples_ns: Sequence[int], measure: str, target: float | None = None) -> list[Figure]:
    """Median and p95 of nanosecond samples, in milliseconds; the target applies to the p95."""
    median = statistics.median(samples_ns) / 1e6
    p95 = percentile(samples_ns, 95) / 1e6
    return [Figure(measure, "median", median, "ms"), Figure(measure, "p95", p95, "ms", target)]


def in_seconds(
    samples_ns: Sequence[int], measure: str, target: float | None = None
) -> list[Figure]:
    """Best and median of a few slow runs, in seconds."""
    seconds = [sample / 1e9 for sample in samples_ns]
    runs = len(seconds)
    return [
        Figure(measure, f"best of {runs}", min(seconds), "s", target),
        Figure(measure, f"median of {runs}", statistics.median(seconds), "s", target),
    ]


# --- timing ---


def timed_ns(call: Callable[[], object]) -> int:
    start = time.perf_counter_ns()
    call()
    return time.perf_counter_ns() - start


def sample_ns(call: Callable[[], object], runs: int, warmup: int = WARMUP_RUNS) -> list[int]:
    for _ in range(warmup):
        call()
    return [timed_ns(call) for _ in range(runs)]


def measure_load(folder: Path) -> tuple[Catalog, list[Figure]]:
    """load_catalog, run LOAD_RUNS times (each from scratch): best and median."""
    samples: list[int] = []
    catalog: Catalog | None = None
    for _ in range(LOAD_RUNS):
        catalog = None  # free the previous catalog first, so that peak RSS counts one
        start = time.perf_counter_ns()
        catalog = load_catalog(folder)
        samples.append(time.perf_counter_ns() - start)
    assert catalog is not None
    rss = Figure("peak RSS after load", "", peak_rss_bytes() / 2**20, "MiB")
    return catalog, [*in_seconds(samples, "load_catalog", LOAD_TARGET_S), rss]


def measure_index(catalog: Catalog) -> tuple[QuoteIndex, list[Figure]]:
    samples = [timed_ns(lambda: QuoteIndex(catalog)) for _ in range(INDEX_RUNS)]
    return QuoteIndex(catalog), in_seconds(samples, "QuoteIndex build")


def windows(catalog: Catalog) -> dict[str, Window]:
    newest = catalog.newest_date
    assert newest is not None
    return {"all dates": Window(), "7 days": Window(newest - WEEK, newest)}


def measure_compose(catalog: Catalog) -> list[Figure]:
    figures = []
    for label, window in windows(catalog).items():
        for lang in LANGS:
            samples = sample_ns(partial(compose_digest, catalog, lang, window), COMPOSE_RUNS)
            figures += in_ms(samples, f"compose_digest {label}, {lang}", COMPOSE_TARGET_MS)
    return figures


def measure_messages(catalog: Catalog) -> list[Figure]:
    """digest_message (compose, then render) for the default window, languages alternating."""
    figures = []
    for fmt in (Format.TELEGRAM, Format.DISCORD):
        calls = itertools.cycle([partial(digest_message, catalog, lang, fmt) for lang in LANGS])
        samples = sample_ns(partial(_next_call, calls), COMPOSE_RUNS)
        figures += in_ms(samples, f"digest_message {fmt}, en+id")
    return figures


def _next_call(calls: Iterator[Callable[[], object]]) -> object:
    return next(calls)()


# --- who said what ---


@dataclass(frozen=True)
class Query:
    category: str
    text: str


class QueryMaker:
    """Seeded who-said-what queries in the proportions of QUERY_MIX, drawn from the catalog."""

    def __init__(self, catalog: Catalog, seed: int) -> None:
        self.rng = random.Random(seed)
        self.catalog = catalog
        self.people = list(catalog.people.values())
        self.individuals = [p for p in self.people if p.name.en == p.name.id]
        self.accented = [p for p in self.individuals if not p.name.en.isascii()]
        self.makers: dict[str, Callable[[], str]] = {
            "exact name": lambda: self._person().name.get(self._lang()),
            "alias": lambda: self.rng.choice(self._person().aliases),
            "role phrase": lambda: self._person(individual=True).role.get(self._lang()),
            "no diacritics": lambda: strip_diacritics(self.rng.choice(self.accented).name.en),
            "typo (1 edit)": lambda: one_edit(self.rng, self.rng.choice(self.individuals).name.en),
            "topic en": lambda: self.rng.choice(TOPICS)[0],
            "topic id": lambda: self.rng.choice(TOPICS)[1],
            "speaker+topic": self._speaker_and_topic,
            "nonsense": self._nonsense,
        }

    def queries(self, count: int) -> list[Query]:
        categories = self.rng.choices(list(QUERY_MIX), weights=list(QUERY_MIX.values()), k=count)
        return [Query(category, self.makers[category]()) for category in categories]

    def _lang(self) -> Lang:
        return self.rng.choice(LANGS)

    def _person(self, individual: bool = False) -> Person:
        """Half the time someone who speaks often (a random statement's speaker), else anyone.

        With `individual`, a person rather than a body ("Qatar officials" has no role phrase).
        """
        while True:
            if self.rng.random() < 0.5:
                statement = self.rng.choice(self.catalog.statements)
                person = self.catalog.people[statement.speakers[0]]
            else:
                person = self.rng.choice(self.people)
            if not individual or person.name.en == person.name.id:
                return person

    def _speaker_and_topic(self) -> str:
        """A statement's speaker and a topic it mentions, in either order and language."""
        statement = self.rng.choice(self.catalog.statements)
        lang = self._lang()
        text = statement.text.get(lang).casefold()
        index = LANGS.index(lang)
        topics = [pair[index] for pair in TOPICS if pair[index] in text] or [TOPICS[0][index]]
        name = self.catalog.people[statement.speakers[0]].name.get(lang)
        parts = [name, self.rng.choice(topics)]
        self.rng.shuffle(parts)
        return " ".join(parts)

    def _nonsense(self) -> str:
        words = ("".join(self.rng.choices("qxzjvk0123456789", k=6)) for _ in range(2))
        return " ".join(words)


def one_edit(rng: random.Random, text: str) -> str:
    """`text` with one letter substituted, deleted, inserted, or swapped with its neighbour."""
    while True:
        letters = [i for i, c in enumerate(text[:-1]) if c.isalpha() and text[i + 1].isalpha()]
        i = rng.choice(letters)
        letter = rng.choice("abcdefghijklmnopqrstuvwxyz")
        edited = rng.choice(
            (
                text[:i] + letter + text[i + 1 :],
                text[:i] + text[i + 1 :],
                text[:i] + letter + text[i:],
                text[:i] + text[i + 1] + text[i] + text[i + 2 :],
            )
        )
        if edited.casefold() != text.casefold():
            return edited


@dataclass
class CategoryStats:
    samples_ns: list[int]
    answers: Counter[str]

    def summary(self) -> dict[str, object]:
        return {
            "count": len(self.samples_ns),
            "p50_ms": percentile(self.samples_ns, 50) / 1e6,
            "p95_ms": percentile(self.samples_ns, 95) / 1e6,
            "max_ms": max(self.samples_ns) / 1e6,
            "answers": dict(self.answers.most_common()),
        }


def measure_whosaid(index: QuoteIndex) -> tuple[list[Figure], dict[str, CategoryStats]]:
    for query in QueryMaker(index.catalog, QUERY_SEED + 1).queries(WARMUP_QUERIES):
        index.who_said(query.text)
    by_category: dict[str, CategoryStats] = defaultdict(lambda: CategoryStats([], Counter()))
    everything: list[int] = []
    for query in QueryMaker(index.catalog, QUERY_SEED).queries(QUERIES):
        start = time.perf_counter_ns()
        answer = index.who_said(query.text)
        elapsed = time.perf_counter_ns() - start
        everything.append(elapsed)
        stats = by_category[query.category]
        stats.samples_ns.append(elapsed)
        stats.answers[type(answer).__name__] += 1
    measure = f"who_said, {QUERIES:,} mixed queries"
    figures = [
        Figure(measure, "p50", percentile(everything, 50) / 1e6, "ms"),
        Figure(measure, "p95", percentile(everything, 95) / 1e6, "ms", WHOSAID_P95_TARGET_MS),
        Figure(measure, "max", max(everything) / 1e6, "ms"),
    ]
    return figures, {name: by_category[name] for name in QUERY_MIX if name in by_category}


# --- output ---


def print_categories(categories: dict[str, CategoryStats]) -> None:
    rows = []
    for name, stats in categories.items():
        s = stats.summary()
        answers = ", ".join(f"{kind} {count}" for kind, count in stats.answers.most_common())
        rows.append(
            (name, str(s["count"]), f"{s['p50_ms']:.3f}", f"{s['p95_ms']:.3f}",
             f"{s['max_ms']:.3f}", answers)
        )  # fmt: skip
    print_table(("who_said query", "n", "p50 ms", "p95 ms", "max ms", "answers"), rows)


def folder_size(folder: Path) -> tuple[int, int]:
    files = [p for p in folder.rglob("*.yaml") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files)


def describe(folder: Path, catalog: Catalog) -> dict[str, object]:
    files, size = folder_size(folder)
    return {
        "content": str(folder),
        "files": files,
        "megabytes": round(size / 1e6, 1),
        "summaries": len(catalog.summaries),
        "statements": len(catalog.statements),
        "people": len(catalog.people),
        "sources": len(catalog.sources),
    }


# --- profiling, on request ---


def profile(label: str, call: Callable[[], object], lines: int = 15) -> None:
    profiler = cProfile.Profile()
    profiler.runcall(call)
    print_profile(label, profiler, lines)


def profile_all(folder: Path, index: QuoteIndex) -> None:
    queries = QueryMaker(index.catalog, QUERY_SEED).queries(QUERIES)
    profile("load_catalog", lambda: load_catalog(folder))
    profile("QuoteIndex build", lambda: QuoteIndex(index.catalog))
    profile("who_said mix", lambda: [index.who_said(q.text) for q in queries])
    catalog = index.catalog
    profile("compose_digest x200", lambda: [compose_digest(catalog, "en") for _ in range(200)])


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


def run(args: argparse.Namespace) -> dict[str, object]:
    with content_folder(args) as folder:
        rss_before = peak_rss_bytes() / 2**20
        catalog, figures = measure_load(folder)
        meta = {**describe(folder, catalog), **machine(), "peak_rss_before_load_mib": rss_before}
        print_meta(meta)
        index, index_figures = measure_index(catalog)
        figures += index_figures
        figures += measure_compose(catalog)
        figures += measure_messages(catalog)
        whosaid_figures, categories = measure_whosaid(index)
        figures += whosaid_figures
        print_table(("measure", "stat", "value", "target", ""), [f.row() for f in figures])
        print()
        print_categories(categories)
        if args.profile:
            profile_all(folder, index)
    return {
        "meta": meta,
        "figures": [{**asdict(f), "verdict": f.verdict} for f in figures],
        "whosaid_by_category": {name: s.summary() for name, s in categories.items()},
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--summaries", type=int, default=10_000, help="default: %(default)s")
    parser.add_argument("--content", type=Path, help="benchmark this folder instead of a new one")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--profile", action="store_true", help="then print cProfile summaries")
    args = parser.parse_args(argv)
    results = run(args)
    if args.json is not None:
        write_json(args.json, results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
