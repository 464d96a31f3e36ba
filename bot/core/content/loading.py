"""Content folder → validated, immutable Catalog, or every problem as `path:line: message`."""

from __future__ import annotations

import os
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from types import MappingProxyType
from typing import Any, Generic, TypeVar

import yaml
from pydantic import BaseModel, ValidationError
from rapidfuzz import process

from bot.core.content import reader
from bot.core.content.agreement import Agreement
from bot.core.content.problems import ContentError, ContentWarning, describe, dotted, read_yaml
from bot.core.content.schema import (
    SECTIONS,
    GroupEntry,
    LocalizedText,
    PersonEntry,
    SourceEntry,
    StatementEntry,
    StoryEntry,
    SummaryEntry,
)
from bot.core.heap import collector_paused
from bot.core.models import (
    Catalog,
    DateBasis,
    Group,
    Localized,
    Person,
    Source,
    Statement,
    Story,
    Summary,
)

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)

# Where a record stands: its file and its path inside that file's YAML.
_Origin = tuple[str, reader.Path]


class ContentInvalid(Exception):
    """The content has problems; `errors` lists every one of them, in file and line order."""

    def __init__(self, errors: Iterable[ContentError]) -> None:
        self.errors = tuple(sorted(errors))
        super().__init__("\n".join(map(str, self.errors)))


def load_catalog(directory: Path | str) -> Catalog:
    """Load and validate every YAML file under `directory`; raise ContentInvalid on any problem."""
    with collector_paused():
        return _CatalogBuilder(Path(directory)).build()


@dataclass(frozen=True, slots=True)
class Checked:
    """Valid content as `ringkas check` sees it: the catalog, and what it warns about."""

    catalog: Catalog
    warnings: tuple[ContentError, ...]


def check_content(directory: Path | str) -> Checked:
    """Load as `load_catalog` does, and more strictly: every file's syntax as PyYAML reads it
    (the bot's loads leave that cost out), then a warning for each number, date or name that
    one language's text of a summary or statement has and the other's lacks (`agreement`)."""
    with collector_paused():
        builder = _CatalogBuilder(Path(directory), strict=True)
        catalog = builder.build()
        return Checked(catalog, tuple(sorted(builder.disagreements(catalog))))


@dataclass(frozen=True, slots=True)
class _Problem:
    origin: _Origin
    message: str
    # Another place the message points to, given with its line at the end: `see_as` and
    # `path:line` ("first at"; nothing before the other language's text).
    see: _Origin | None = None
    see_as: str = "first at"


class _Table(Generic[T]):
    """Records of one kind by id, with where each was defined."""

    def __init__(self, what: str) -> None:
        self.what = what
        self.records: dict[str, T] = {}
        self.origins: dict[str, _Origin] = {}
        # Ids of records that failed validation: references to them are not "unknown" as well.
        self.invalid: set[str] = set()

    def add(self, key: str, record: T, origin: _Origin) -> _Origin | None:
        """Add the record, or return where its id was first defined."""
        if key in self.records:
            return self.origins[key]
        self.records[key] = record
        self.origins[key] = origin
        return None


@dataclass
class _SummaryDraft:
    head: SummaryEntry | None  # None when the summary's own fields failed validation
    statements: list[tuple[reader.Path, StatementEntry]]


class _CatalogBuilder:
    def __init__(self, directory: Path, *, strict: bool = False) -> None:
        self.directory = directory
        self.strict = strict
        self.problems: list[_Problem] = []
        self.errors: list[ContentError] = []  # problems that need no line lookup
        self.story: tuple[LocalizedText, _Origin] | None = None
        self.groups: _Table[Group] = _Table("group")
        self.people: _Table[Person] = _Table("person")
        self.sources: _Table[Source] = _Table("source")
        self.summaries: _Table[Summary] = _Table("summary")
        self.statements: _Table[Statement] = _Table("statement")
        self.drafts: list[tuple[str, reader.Path, _SummaryDraft]] = []

    def build(self) -> Catalog:
        self._read_folder()
        self._check_statements()
        self._check_groups()
        if self.story is None and not self.errors:
            self.errors.append(
                ContentError(str(self.directory), 0, "no file has the top-level 'story' section")
            )
        if self.problems or self.errors:
            raise ContentInvalid([*self.errors, *self._resolve_lines()])
        return self._freeze()

    # --- reading and schema validation, record by record ---

    def _read_folder(self) -> None:
        if not self.directory.is_dir():
            self.errors.append(ContentError(str(self.directory), 0, "no such content folder"))
            return
        paths = sorted(p for p in self.directory.rglob("*") if p.suffix in (".yaml", ".yml"))
        if not paths:
            self.errors.append(ContentError(str(self.directory), 0, "no .yaml files"))
        # yaml-rs parses without holding the GIL, so files are read and parsed on one thread per
        # core while this one validates them, in file order.
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
            parsed_files = pool.map(partial(_parse, strict=self.strict), paths)
            for path, parsed in zip(paths, parsed_files, strict=True):
                name = str(path)
                if isinstance(parsed, ContentError):
                    self.errors.append(parsed)
                elif isinstance(parsed, dict):
                    self._read_sections(name, parsed)
                elif parsed is None:
                    # Most likely a save cut short: taken as meant, it would drop what the file
                    # held from the content in service.
                    self.errors.append(
                        ContentError(name, 0, "the file is empty; delete it if that is meant")
                    )
                else:
                    self.problems.append(_Problem((name, ()), "the top level must be a mapping"))

    def _read_sections(self, name: str, data: dict[object, object]) -> None:
        for section, value in data.items():
            if section == "story":
                story = self._validate(StoryEntry, value, (name, ("story",)))
                if story is not None:
                    self._add_story(story, (name, ("story",)))
            elif section in SECTIONS:
                if not isinstance(value, list):
                    self.problems.append(
                        _Problem((name, (section,)), f"'{section}': expected a list")
                    )
                    continue
                for index, item in enumerate(value):
                    self._read_record(name, section, index, item)
            else:
                known = ", ".join(("story", *SECTIONS))
                self.problems.append(
                    _Problem((name, (str(section),)), f"unknown section '{section}' ({known})")
                )

    def _read_record(self, name: str, section: str, index: int, item: object) -> None:
        origin: _Origin = (name, (section, index))
        if section == "groups":
            g = self._validate(GroupEntry, item, origin, self.groups)
            if g is not None:
                self._add(self.groups, Group(g.id, _localized(g.name)), origin)
        elif section == "people":
            p = self._validate(PersonEntry, item, origin, self.people)
            if p is not None:
                person = Person(p.id, _localized(p.name), _localized(p.role), p.aliases, p.group)
                self._add(self.people, person, origin)
        elif section == "sources":
            s = self._validate(SourceEntry, item, origin, self.sources)
            if s is not None:
                source = Source(
                    s.id, s.language, s.published, s.published_time, s.reports_on, s.cites
                )
                self._add(self.sources, source, origin)
        else:
            head = self._validate(SummaryEntry, item, origin, self.summaries)
            raw = item.get("statements", []) if isinstance(item, dict) else []
            draft = _SummaryDraft(head, [])
            for position, raw_statement in enumerate(raw if isinstance(raw, list) else []):
                where = (section, index, "statements", position)
                statement = self._validate(
                    StatementEntry, raw_statement, (name, where), self.statements
                )
                if statement is not None:
                    draft.statements.append((where, statement))
            self.drafts.append((name, origin[1], draft))

    def _validate(
        self, model: type[M], value: object, origin: _Origin, table: _Table[Any] | None = None
    ) -> M | None:
        try:
            return model.model_validate(value)
        except ValidationError as exc:
            if table is not None and isinstance(value, dict) and isinstance(value.get("id"), str):
                table.invalid.add(value["id"])
            name, path = origin
            errors = exc.errors(include_url=False)
            for error in errors:
                if error["type"] == "too_short" and any(
                    other["loc"][: len(error["loc"])] == error["loc"] and other is not error
                    for other in errors
                ):
                    continue  # "[bad-id]" is not also "empty": its item's problem says it all
                loc = (*path, *error["loc"])
                self.problems.append(_Problem((name, loc), describe(error, loc)))
            return None

    # --- records and cross-references ---

    def _add_story(self, story: StoryEntry, origin: _Origin) -> None:
        if self.story is None:
            self.story = (story.title, origin)
        else:
            self.problems.append(_Problem(origin, "a second 'story' section", self.story[1]))

    def _add(self, table: _Table[T], record: T, origin: _Origin) -> None:
        key: str = record.id  # type: ignore[attr-defined]
        first = table.add(key, record, origin)
        if first is not None:
            self.problems.append(_Problem(origin, f"duplicate {table.what} id '{key}'", first))

    def _check_statements(self) -> None:
        for name, path, draft in self.drafts:
            head = draft.head
            if head is not None:
                for position, source_id in enumerate(head.sources):
                    self._known((name, (*path, "sources", position)), self.sources, source_id)
                summary = Summary(
                    head.id, head.date, head.priority, _localized(head.title),
                    _localized(head.text), head.sources,
                    tuple(entry.id for _, entry in draft.statements),
                )  # fmt: skip
                self._add(self.summaries, summary, (name, path))
            for where, entry in draft.statements:
                self._check_statement(name, where, entry, head)

    def _check_groups(self) -> None:
        """Every person's group is defined (anywhere in the folder: the order of files does
        not matter)."""
        for person in self.people.records.values():
            if person.group is not None:
                name, path = self.people.origins[person.id]
                self._known((name, (*path, "group")), self.groups, person.group)

    def _check_statement(
        self, name: str, where: reader.Path, entry: StatementEntry, head: SummaryEntry | None
    ) -> None:
        for position, speaker in enumerate(entry.speaker):
            self._known((name, (*where, "speaker", position)), self.people, speaker)
        source = self.sources.records.get(entry.source)
        if source is None:
            self._known((name, (*where, "source")), self.sources, entry.source)
        elif head is not None and entry.source not in head.sources:
            self.problems.append(
                _Problem(
                    (name, (*where, "source")),
                    f"source '{entry.source}' is not among the summary's sources",
                )
            )
        if (
            source is not None
            and entry.date_basis is DateBasis.SOURCE
            and entry.date != source.date
        ):
            self.problems.append(
                _Problem(
                    (name, (*where, "date")),
                    f"date_basis is 'source' but the source is dated {source.date}",
                )
            )
        if head is not None:
            statement = Statement(
                entry.id, entry.speaker, entry.kind, _localized(entry.text), entry.original,
                entry.date, entry.date_basis, entry.source, head.id, entry.reported_by,
                _localized(entry.venue) if entry.venue else None, entry.key,
            )  # fmt: skip
            self._add(self.statements, statement, (name, where))

    def _known(self, origin: _Origin, table: _Table[T], key: str) -> None:
        if key in table.records or key in table.invalid:
            return
        match = process.extractOne(key, table.records.keys(), score_cutoff=70)
        hint = f" (did you mean '{match[0]}'?)" if match else ""
        what = "speaker" if table is self.people else table.what
        self.problems.append(_Problem(origin, f"unknown {what} '{key}'{hint}"))

    # --- lines, looked up only in the files that have problems ---

    def _resolve_lines(
        self, problems: list[_Problem] | None = None, as_type: type[ContentError] = ContentError
    ) -> list[ContentError]:
        problems = self.problems if problems is None else problems
        names = {p.origin[0] for p in problems} | {p.see[0] for p in problems if p.see}
        maps = {name: _line_map(name) for name in names}
        errors = []
        for problem in problems:
            name, path = problem.origin
            message = problem.message
            if problem.see is not None:
                see_name, see_path = problem.see
                see_line = reader.line_of(maps[see_name], see_path)
                see_as = f"{problem.see_as} " if problem.see_as else ""
                message += f" ({see_as}{see_name}:{see_line})"
            errors.append(as_type(name, reader.line_of(maps[name], path), message))
        return errors

    # --- warnings: the languages of a text that disagree ---

    def disagreements(self, catalog: Catalog) -> list[ContentError]:
        agreement = Agreement(catalog.people.values())
        problems: list[_Problem] = []
        texts = [
            *(
                (self.summaries.origins[s.id], field, getattr(s, field))
                for s in catalog.summaries
                for field in ("title", "text")
            ),
            *((self.statements.origins[s.id], "text", s.text) for s in catalog.statements),
        ]
        for (name, path), field, text in texts:
            for lang, other, mention in agreement.missing(text):
                where = (*path, field)
                problems.append(
                    _Problem(
                        (name, (*where, lang)),
                        f"{dotted(where)}: the {mention.what} “{mention.shown}” in the {lang} "
                        f"text is not in the {other} text",
                        see=(name, (*where, other)),
                        see_as="",
                    )
                )
        return self._resolve_lines(problems, ContentWarning)

    # --- the immutable snapshot ---

    def _freeze(self) -> Catalog:
        assert self.story is not None
        summaries = sorted(self.summaries.records.values(), key=_newest_first)
        rank = {summary.id: position for position, summary in enumerate(summaries)}
        statements = self.statements.records
        return Catalog(
            story=Story(_localized(self.story[0])),
            people=MappingProxyType(self.people.records),
            sources=MappingProxyType(self.sources.records),
            summaries=tuple(summaries),
            statements=tuple(
                sorted(statements.values(), key=lambda s: (-s.date.toordinal(), rank[s.summary]))
            ),
            statements_by_id=MappingProxyType(statements),
            groups=MappingProxyType(self.groups.records),
        )


def _newest_first(summary: Summary) -> tuple[int, int, str]:
    return (-summary.date.toordinal(), -summary.priority, summary.id)


def _parse(path: Path, *, strict: bool) -> object:
    """The file's data, or its problem."""
    read = read_yaml(path, strict=strict)
    return read if isinstance(read, ContentError) else read[1]


def _line_map(name: str) -> dict[reader.Path, int]:
    try:
        return reader.line_map(Path(name).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):  # its errors are reported already
        return {}


def _localized(text: LocalizedText) -> Localized:
    return Localized(en=text.en, id=text.id)
