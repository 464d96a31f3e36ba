"""Content made up for the timeline's tests (a fixture: never shipped as content): as many
statements, speakers, groups and days as a test needs, in one YAML file."""

from __future__ import annotations

import datetime as dt

FIRST_DAY = dt.date(2025, 10, 1)
KINDS = ("direct", "paraphrase", "reported")


def made_up_content(
    statements: int,
    speakers: int,
    days: int,
    *,
    groups: int = 0,
    words: int = 12,
    name: str = "Speaker",
) -> str:
    """`statements` statements by `speakers` speakers (the first `groups` groups take them in
    turn; with none, each speaker is a lane), spread over `days` days, each `words` words long."""
    lines = ["story:", "  title: {en: Made-up story, id: Cerita karangan}"]
    if groups:
        lines.append("groups:")
        lines += [
            f"  - {{id: group-{g}, name: {{en: Group {g}, id: Kelompok {g}}}}}"
            for g in range(groups)
        ]
    lines.append("people:")
    for s in range(speakers):
        group = f", group: group-{s % groups}" if groups else ""
        role = f"{{en: Role {s}, id: Peran {s}}}"
        lines.append(f"  - {{id: speaker-{s}, name: {name} {s}, role: {role}{group}}}")
    lines += ["sources:", "  - {id: report, language: en, published: 2025-10-01}", "summaries:"]
    for day in range(days):
        date = FIRST_DAY + dt.timedelta(days=day)
        lines += [
            f"  - id: summary-{day}",
            f"    date: {date}",
            "    title: {en: A development, id: Sebuah perkembangan}",
            "    text: {en: Something happened., id: Sesuatu terjadi.}",
            "    sources: [report]",
            "    statements:",
        ]
        for n in range(day, statements, days):
            kind = KINDS[n % 3]
            text = " ".join(f"word{n}x{w}" for w in range(words))
            lines += [
                f"      - id: statement-{n}",
                f"        speaker: speaker-{n % speakers}",
                f"        kind: {kind}",
                *(["        reported_by: A Wire"] if kind == "reported" else []),
                "        original: en",
                f"        text: {{en: {text}., id: {text}.}}",
                f"        date: {date}",
                "        source: report",
            ]
    return "\n".join(lines) + "\n"
