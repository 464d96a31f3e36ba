"""What a chat follows: a person, a topic, or a person on a topic."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True, order=True)
class Target:
    """A person's statements, statements on a topic, or a person's statements on a topic.

    `person` is a person's id in the content; `topic` is normalised words (lower case, no
    diacritics: `whosaid.normalize`), found as who said what finds a topic. "" where not given.
    """

    person: str = ""
    topic: str = ""

    def __post_init__(self) -> None:
        if not (self.person or self.topic):
            raise ValueError("a follow names a person, a topic or both")
