"""A deterministic synthetic content folder at production scale, for the core benchmarks.

The same arguments always write byte-identical files: every choice comes from one seeded
`random.Random`, and nothing depends on set order or string hashing. The folder has the layout of
`digests/`: `story.yaml`, `people.yaml`, `sources.yaml`, and `summaries/` split into files of
100 summaries each, and it passes `load_catalog` with no problems.

    python -m benchmarks.synthetic OUT_DIR [--summaries N] [--statements-per-summary N]
        [--people N] [--seed N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import random
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

SEED = 20251006
START = dt.date(2024, 1, 1)
DAYS = 730  # about two years of summaries
SOURCES = 50
SUMMARIES_PER_FILE = 100
VOCABULARY_SIZE = 3000  # words per language, real and made up

# Topics as (English, Indonesian) pairs: a statement about one names it in both of its texts,
# so a topic query finds the same statements in either language.
TOPICS: tuple[tuple[str, str], ...] = (
    ("hostages", "sandera"),
    ("ceasefire", "gencatan senjata"),
    ("talks", "perundingan"),
    ("negotiations", "negosiasi"),
    ("humanitarian aid", "bantuan kemanusiaan"),
    ("prisoners", "tahanan"),
    ("withdrawal", "penarikan"),
    ("border crossing", "perlintasan perbatasan"),
    ("mediators", "mediator"),
    ("airstrikes", "serangan udara"),
    ("troops", "pasukan"),
    ("reconstruction", "rekonstruksi"),
    ("sanctions", "sanksi"),
    ("refugees", "pengungsi"),
    ("famine", "kelaparan"),
    ("hospitals", "rumah sakit"),
    ("elections", "pemilu"),
    ("security guarantees", "jaminan keamanan"),
    ("peace plan", "rencana perdamaian"),
    ("blockade", "blokade"),
    ("evacuation", "evakuasi"),
    ("civilians", "warga sipil"),
    ("delegation", "delegasi"),
    ("agreement", "kesepakatan"),
)


def _words(text: str) -> list[str]:
    return text.split()


# The most frequent words first: they head the Zipf-weighted vocabulary.
_COMMON_EN = _words(
    """
the of and to in a that on for is was with said by as at from has will it be have are would
not this their its which after they were but had an government officials minister week plan
phase first second new security forces city region report people leaders meeting statement
president prime state international talks part deal group side day days month end war fighting
military attack call return calls support also more than over into about against including
"""
)
_COMMON_ID = _words(
    """
yang dan di itu dengan untuk tidak ini dari dalam akan pada juga ke bahwa oleh telah para
kata pemerintah pejabat menteri pekan rencana tahap pertama kedua baru keamanan pasukan kota
wilayah laporan warga pemimpin pertemuan pernyataan presiden perdana negara internasional
pembicaraan bagian kesepakatan pihak hari bulan akhir perang pertempuran militer serangan
seruan dukungan lebih sekitar terhadap termasuk setelah mereka namun sudah masih
"""
)

_SYLLABLES_EN = _words(
    """
ba be bi bo bra bri cal can cor da de del dor dra en er fa fen gar gor ha hal in is jo ka
ker la lan len lor ma mar mel min mo na nor or pa par pel pri ra ral ren ro sa sel sen sor
ta tal ten tor tra ul va val ver vin wa wen
"""
)
_SYLLABLES_ID = _words(
    """
ba ban be ber bu ca da dan di du ga gan ha ja ka kan ke ki ku la lu ma man me mem men
na nang nya pa pe pen per ra ran ri ru sa san se si su ta tan te ti tu wa ya
"""
)
_NAME_SYLLABLES = _words(
    """
a al an ar ba bel da del do el fa far ga ha han i ka kar ke la le li lo ma mar me mi mo
na nel ni no o ra rah ri ro sa sal se si so ta te to u va vi yo za
"""
)
_ACCENTS = {"a": "á", "e": "é", "i": "í", "o": "ö", "u": "ü", "n": "ñ", "s": "š", "c": "ç"}

# Titles as (English, Indonesian); a role is a title of one country.
_TITLES: tuple[tuple[str, str], ...] = (
    ("President", "Presiden"),
    ("Vice President", "Wakil Presiden"),
    ("Prime Minister", "Perdana Menteri"),
    ("Foreign Minister", "Menteri Luar Negeri"),
    ("Defence Minister", "Menteri Pertahanan"),
    ("Finance Minister", "Menteri Keuangan"),
    ("Interior Minister", "Menteri Dalam Negeri"),
    ("Health Minister", "Menteri Kesehatan"),
    ("Justice Minister", "Menteri Kehakiman"),
    ("Energy Minister", "Menteri Energi"),
    ("Trade Minister", "Menteri Perdagangan"),
    ("Education Minister", "Menteri Pendidikan"),
    ("National Security Adviser", "Penasihat Keamanan Nasional"),
    ("Army Chief of Staff", "Kepala Staf Angkatan Darat"),
    ("Government Spokesperson", "Juru Bicara Pemerintah"),
    ("Ambassador to the UN", "Duta Besar untuk PBB"),
    ("Special Envoy", "Utusan Khusus"),
    ("Opposition Leader", "Pemimpin Oposisi"),
    ("Speaker of Parliament", "Ketua Parlemen"),
    ("Intelligence Chief", "Kepala Intelijen"),
    ("Chief Negotiator", "Kepala Perunding"),
    ("Mayor of the Capital", "Wali Kota Ibu Kota"),
    ("Central Bank Governor", "Gubernur Bank Sentral"),
    ("Police Chief", "Kepala Kepolisian"),
    ("Foreign Ministry Spokesperson", "Juru Bicara Kementerian Luar Negeri"),
    ("Deputy Prime Minister", "Wakil Perdana Menteri"),
    ("Minister of Aid", "Menteri Bantuan"),
    ("Minister of Planning", "Menteri Perencanaan"),
    ("Parliamentary Leader", "Pemimpin Fraksi"),
    ("Former President", "Mantan Presiden"),
)
_REAL_COUNTRIES: tuple[tuple[str, str], ...] = (
    ("Egypt", "Mesir"),
    ("the United States", "Amerika Serikat"),
    ("Israel", "Israel"),
    ("Qatar", "Qatar"),
    ("Turkey", "Turki"),
    ("Jordan", "Yordania"),
    ("Saudi Arabia", "Arab Saudi"),
    ("Germany", "Jerman"),
    ("France", "Prancis"),
    ("Indonesia", "Indonesia"),
    ("Japan", "Jepang"),
    ("the United Kingdom", "Inggris"),
)
_COUNTRIES = 200  # real ones first, then made-up ones: 30 titles × 200 countries = 6,000 roles
_UNNAMED = {"en": "Not named by the source", "id": "Tidak disebutkan namanya oleh sumber"}
_GROUP_SHARE = 0.02  # speakers that are bodies ("Qatar officials"), named in both languages
_DIACRITIC_SHARE = 0.25  # people whose name has diacritics; an alias spells it without

_OUTLETS = ("BBC News", "Reuters", "Al Jazeera", "Kompas", "Tempo", "Antara", "AP", "AFP")
_PLATFORMS = ("Truth Social", "X", "Telegram", "Instagram")
_PLACES: tuple[tuple[str, str], ...] = (
    ("a press conference in Cairo", "konferensi pers di Kairo"),
    ("a cabinet meeting", "rapat kabinet"),
    ("the UN Security Council", "Dewan Keamanan PBB"),
    ("a televised address", "pidato di televisi"),
    ("an interview", "sebuah wawancara"),
    ("a briefing in Doha", "pengarahan di Doha"),
)
_REPORTERS = ("aides", "officials close to the talks", "two diplomats", *_OUTLETS)
_KINDS = ("direct", "paraphrase", "reported")
_KIND_WEIGHTS = (45, 40, 15)
_PRIORITY_WEIGHTS = (10, 20, 40, 20, 10)  # priorities 1..5
_STORY_TITLE = {
    "en": "Israel–Hamas negotiations (synthetic)",
    "id": "Negosiasi Israel–Hamas (sintetis)",
}


def generate(
    out_dir: Path,
    summaries: int = 10_000,
    statements_per_summary: int = 10,
    people: int = 5_000,
    seed: int = SEED,
) -> Path:
    """Write the content folder into `out_dir` (created if need be) and return it."""
    rng = random.Random(seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    world = _World.build(rng, people)
    _dump(out_dir / "story.yaml", {"story": {"title": _STORY_TITLE}})
    _dump(out_dir / "people.yaml", {"people": [p.entry() for p in world.people]})
    _dump(out_dir / "sources.yaml", {"sources": [s.entry() for s in world.sources]})
    writer = _SummaryWriter(rng, world, statements_per_summary)
    dates = sorted(START + dt.timedelta(days=rng.randrange(DAYS)) for _ in range(summaries))
    folder = out_dir / "summaries"
    folder.mkdir(exist_ok=True)
    for number, chunk in enumerate(_chunks(dates, SUMMARIES_PER_FILE)):
        entries = [writer.summary(date) for date in chunk]
        _dump(folder / f"{chunk[0].isoformat()}-{number:03d}.yaml", {"summaries": entries})
    return out_dir


# --- words ---


class _Vocabulary:
    """One language's words, drawn with Zipf weights: common words often, made-up ones rarely."""

    def __init__(self, rng: random.Random, common: Sequence[str], syllables: Sequence[str]) -> None:
        words = list(dict.fromkeys(common))
        seen = set(words)
        while len(words) < VOCABULARY_SIZE:
            word = "".join(rng.choices(syllables, k=rng.randint(2, 4)))
            if word not in seen:
                seen.add(word)
                words.append(word)
        self.words = words
        self.cum_weights = list(
            itertools.accumulate(1 / (rank + 2.7) for rank in range(len(words)))
        )

    def sentence(self, rng: random.Random, length: int, inserts: Sequence[str]) -> str:
        """About `length` characters of words with `inserts` (topics, names) placed among them."""
        words: list[str] = []
        size = sum(len(w) + 1 for w in inserts)
        while size < length or not words:
            batch = rng.choices(self.words, cum_weights=self.cum_weights, k=8)
            for word in batch:
                words.append(word)
                size += len(word) + 1
                if size >= length:
                    break
        for insert in inserts:
            words.insert(rng.randint(1, len(words)), insert)
        text = " ".join(words)
        return text[0].upper() + text[1:]


@dataclass(frozen=True)
class _Texts:
    en: _Vocabulary
    id: _Vocabulary

    def pair(
        self,
        rng: random.Random,
        lengths: Sequence[int],
        inserts: Sequence[tuple[str, str]],
        end: str = ".",
    ) -> dict[str, str]:
        """Sentences of about `lengths` characters in both languages, each ending with `end`.

        The (English, Indonesian) inserts go one per sentence, the rest into the last sentence.
        """
        last = len(lengths) - 1
        spread = [[insert] for insert in inserts[:last]]
        spread += [[] for _ in range(last - len(spread))] + [list(inserts[last:])]
        texts = {}
        for index, (lang, vocabulary) in enumerate((("en", self.en), ("id", self.id))):
            sentences = (
                vocabulary.sentence(rng, length, [pair[index] for pair in group]) + end
                for length, group in zip(lengths, spread, strict=True)
            )
            texts[lang] = " ".join(sentences)
        return texts


def _made_up(rng: random.Random, syllables: Sequence[str], low: int, high: int) -> str:
    return "".join(rng.choices(syllables, k=rng.randint(low, high))).capitalize()


def _accented(rng: random.Random, name: str) -> str:
    """The name with one letter given a diacritic: "Marela" → "Marélá"-like spellings."""
    spots = [i for i, letter in enumerate(name) if letter in _ACCENTS]
    if not spots:
        return name
    chosen = set(rng.sample(spots, min(len(spots), rng.randint(1, 2))))
    return "".join(_ACCENTS[c] if i in chosen else c for i, c in enumerate(name))


def slug(text: str) -> str:
    """An id from a name: "Ayşe Kára" → "ayse-kara"."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")


def strip_diacritics(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


# --- people and sources ---


@dataclass(frozen=True)
class _Person:
    id: str
    name: str | dict[str, str]
    role: dict[str, str]
    aliases: tuple[str, ...]
    last: str  # what texts call them

    def entry(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "role": self.role, "aliases": list(self.aliases)}


@dataclass(frozen=True)
class _Source:
    id: str
    language: str
    published: dt.date | None
    published_time: str | None
    reports_on: dt.date | None
    cites: tuple[str, ...]

    @property
    def date(self) -> dt.date:
        date = self.published or self.reports_on
        assert date is not None
        return date

    def entry(self) -> dict[str, Any]:
        fields = {
            "id": self.id,
            "language": self.language,
            "published": self.published,
            "published_time": self.published_time,
            "reports_on": self.reports_on,
            "cites": list(self.cites),
        }
        return {key: value for key, value in fields.items() if value not in (None, [])}


@dataclass(frozen=True)
class _World:
    texts: _Texts
    people: list[_Person]
    speaker_weights: list[float]  # cumulative: a few people speak often, most rarely
    sources: list[_Source]  # oldest first

    @classmethod
    def build(cls, rng: random.Random, count: int) -> _World:
        texts = _Texts(
            _Vocabulary(rng, _COMMON_EN + _topic_words(0), _SYLLABLES_EN),
            _Vocabulary(rng, _COMMON_ID + _topic_words(1), _SYLLABLES_ID),
        )
        people = _people(rng, count)
        weights = list(itertools.accumulate(1 / (rank + 1) ** 0.8 for rank in range(len(people))))
        return cls(texts, people, weights, _sources(rng))

    def source_before(self, date: dt.date) -> int:
        """The index of the newest source dated on or before `date` (the oldest if none is)."""
        dated = [i for i, source in enumerate(self.sources) if source.date <= date]
        return dated[-1] if dated else 0


def _topic_words(lang: int) -> list[str]:
    return [word for pair in TOPICS for word in pair[lang].split()]


def _countries(rng: random.Random) -> list[tuple[str, str]]:
    countries = list(_REAL_COUNTRIES)
    names = {en for en, _ in countries}
    while len(countries) < _COUNTRIES:
        name = _made_up(rng, _NAME_SYLLABLES, 2, 3) + rng.choice(("ia", "land", "stan", "a", ""))
        if name not in names:
            names.add(name)
            countries.append((name, name))
    return countries


def _people(rng: random.Random, count: int) -> list[_Person]:
    countries = _countries(rng)
    groups = [_group(country) for country in countries[: round(count * _GROUP_SHARE)]]
    roles = [(title, country) for country in countries for title in _TITLES]
    picked = (
        rng.sample(roles, count)
        if count <= len(roles)
        else [rng.choice(roles) for _ in range(count)]
    )
    firsts = list(dict.fromkeys(_made_up(rng, _NAME_SYLLABLES, 2, 3) for _ in range(700)))
    lasts = list(dict.fromkeys(_made_up(rng, _NAME_SYLLABLES, 2, 4) for _ in range(4000)))
    names: set[tuple[str, str]] = set()
    people: list[_Person] = []
    for title, country in picked[: count - len(groups)]:
        first, last = rng.choice(firsts), rng.choice(lasts)
        while (first, last) in names:
            first, last = rng.choice(firsts), rng.choice(lasts)
        names.add((first, last))
        people.append(_person(rng, first, last, title, country))
    # Bodies are cited now and then among the people, not all at the end of the list.
    for group in groups:
        people.insert(rng.randint(0, len(people)), group)
    return people


def _person(
    rng: random.Random, first: str, last: str, title: tuple[str, str], country: tuple[str, str]
) -> _Person:
    plain = f"{first} {last}"
    name = plain
    if rng.random() < _DIACRITIC_SHARE:
        first, last = _accented(rng, first), _accented(rng, last)
        name = f"{first} {last}"
    role = {"en": f"{title[0]} of {country[0]}", "id": f"{title[1]} {country[1]}"}
    # As the curators do: the surname and the role in both languages, the name without its
    # diacritics, then some of the other ways the sources write it.
    must = [plain] if plain != name else []
    must += [last, role["en"], role["id"]]
    optional = [name, f"{title[0]} {last}", f"{title[1]} {last}"]
    extra = max(0, rng.randint(3, 6) - len(must))
    return _Person(slug(plain), name, role, (*must, *rng.sample(optional, extra)), last)


def _group(country: tuple[str, str]) -> _Person:
    en, id_ = country
    name = {"en": f"{en} officials".removeprefix("the "), "id": f"Pejabat {id_}"}
    aliases = (name["en"], f"officials in {en}", f"pejabat {id_}")
    return _Person(f"{slug(en)}-officials", name, _UNNAMED, aliases, name["en"])


def _sources(rng: random.Random) -> list[_Source]:
    sources = []
    for number in range(SOURCES):
        date = START + dt.timedelta(days=number * DAYS // SOURCES + rng.randrange(7))
        language = rng.choice(("en", "id"))
        published = date if rng.random() < 0.6 else None
        time = f"{rng.randrange(24):02d}:{rng.randrange(60):02d}" if published else None
        sources.append(
            _Source(
                id=f"report-{language}-{date.isoformat()}-{number:02d}",
                language=language,
                published=published,
                published_time=time if rng.random() < 0.5 else None,
                reports_on=None if published else date,
                cites=tuple(rng.sample(_OUTLETS, rng.randint(0, 2))),
            )
        )
    return sorted(sources, key=lambda s: s.date)


# --- summaries and statements ---


class _SummaryWriter:
    def __init__(self, rng: random.Random, world: _World, statements: int) -> None:
        self.rng, self.world, self.statements = rng, world, statements
        self.summary_count = 0
        self.statement_count = 0

    def summary(self, date: dt.date) -> dict[str, Any]:
        rng, world = self.rng, self.world
        newest = world.source_before(date)
        sources = [world.sources[newest]]
        if newest > 0 and rng.random() < 0.3:
            sources.append(world.sources[newest - 1])
        topic = rng.choice(TOPICS)
        speakers = [self._speaker() for _ in range(self.statements)]
        named = (speakers[0].last, speakers[0].last) if speakers else None
        title_inserts = [topic, named] if named and rng.random() < 0.5 else [topic]
        self.summary_count += 1
        return {
            "id": f"{date.isoformat()}-{slug(topic[0])}-{self.summary_count:05d}",
            "date": date,
            "priority": rng.choices(range(1, 6), weights=_PRIORITY_WEIGHTS)[0],
            "title": world.texts.pair(rng, [rng.randint(40, 70)], title_inserts, end=""),
            "text": world.texts.pair(
                rng, [rng.randint(70, 160) for _ in range(rng.randint(2, 4))], [topic]
            ),
            "sources": [source.id for source in sources],
            "statements": [self._statement(person, sources, topic) for person in speakers],
        }

    def _speaker(self) -> _Person:
        return self.rng.choices(self.world.people, cum_weights=self.world.speaker_weights)[0]

    def _statement(
        self, person: _Person, sources: list[_Source], topic: tuple[str, str]
    ) -> dict[str, Any]:
        rng = self.rng
        self.statement_count += 1
        source = rng.choice(sources)
        speakers = [person.id]
        if rng.random() < 0.05:
            other = self._speaker()
            if other.id != person.id:
                speakers.append(other.id)
        kind = rng.choices(_KINDS, weights=_KIND_WEIGHTS)[0]
        own_topic = topic if rng.random() < 0.7 else rng.choice(TOPICS)
        entry: dict[str, Any] = {
            "id": f"{person.id[:50]}-{slug(own_topic[0])}-{self.statement_count}",
            "speaker": speakers[0] if len(speakers) == 1 else speakers,
            "kind": kind,
        }
        if kind == "reported":
            entry["reported_by"] = rng.choice(_REPORTERS)
        other_language = "id" if source.language == "en" else "en"
        entry["original"] = source.language if rng.random() < 0.8 else other_language
        lengths = [rng.randint(50, 110) for _ in range(rng.randint(1, 2))]
        entry["text"] = self.world.texts.pair(rng, lengths, [own_topic])
        entry.update(self._when(source))
        venue = self._venue()
        if venue is not None:
            entry["venue"] = venue
        entry["source"] = source.id
        if rng.random() < 0.15:
            entry["key"] = True
        return entry

    def _when(self, source: _Source) -> dict[str, Any]:
        """A 'source' date is the source's own; a 'said' one is up to three days before it."""
        if self.rng.random() < 0.3:
            return {"date": source.date, "date_basis": "source"}
        return {"date": source.date - dt.timedelta(days=self.rng.randint(0, 3))}

    def _venue(self) -> str | dict[str, str] | None:
        draw = self.rng.random()
        if draw < 0.1:
            return self.rng.choice(_PLATFORMS)
        if draw < 0.2:
            en, id_ = self.rng.choice(_PLACES)
            return {"en": en, "id": id_}
        return None


# --- files ---


def _chunks(items: Sequence[dt.date], size: int) -> Iterator[Sequence[dt.date]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


try:
    _BaseDumper: type[yaml.SafeDumper] = yaml.CSafeDumper  # type: ignore[assignment]
except AttributeError:  # PyYAML without libyaml: the same files, only slower
    _BaseDumper = yaml.SafeDumper


class _Dumper(_BaseDumper):  # type: ignore[misc, valid-type]
    """Plain values written out each time: no `&id001` anchors for dates that repeat."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _dump(path: Path, data: dict[str, Any]) -> None:
    with path.open("w", encoding="utf-8") as file:
        yaml.dump(data, file, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--summaries", type=int, default=10_000)
    parser.add_argument("--statements-per-summary", type=int, default=10)
    parser.add_argument("--people", type=int, default=5_000)
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    out = generate(
        args.out_dir, args.summaries, args.statements_per_summary, args.people, args.seed
    )
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
