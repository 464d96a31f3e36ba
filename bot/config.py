"""The config file → validated settings. Relative paths resolve against the config file's folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.core import yamlsource
from bot.core.compose import DigestOptions
from bot.core.models import Lang
from bot.core.validation import ContentError, describe, read_yaml

DEFAULT_CONTENT = Path("digests")


class ConfigInvalid(Exception):
    def __init__(self, errors: list[ContentError]) -> None:
        self.errors = tuple(errors)
        super().__init__("\n".join(map(str, errors)))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


_DEFAULT_DIGEST = DigestOptions()


class DigestSettings(_Strict):
    max_chars: Annotated[int, Field(ge=300, le=3000)] = _DEFAULT_DIGEST.max_chars
    max_items: Annotated[int, Field(ge=1, le=10)] = _DEFAULT_DIGEST.max_items
    max_quotes: Annotated[int, Field(ge=1, le=3)] = _DEFAULT_DIGEST.max_quotes

    def options(self) -> DigestOptions:
        return DigestOptions(self.max_chars, self.max_items, self.max_quotes)


class Settings(_Strict):
    content: Path = DEFAULT_CONTENT
    language: Lang = "en"
    digest: DigestSettings = DigestSettings()


def load_settings(path: Path | None) -> Settings:
    """Settings from `path`, or the defaults (content in ./digests) when no file is given."""
    if path is None:
        return Settings()
    name = str(path)
    read = read_yaml(path)
    if isinstance(read, ContentError):
        raise ConfigInvalid([read])
    text, data = read
    try:
        settings = Settings.model_validate(data or {})
    except ValidationError as exc:
        lines = yamlsource.line_map(text)
        raise ConfigInvalid(
            [
                ContentError(name, yamlsource.line_of(lines, e["loc"]), describe(e, e["loc"]))
                for e in exc.errors(include_url=False)
            ]
        ) from None
    return settings.model_copy(update={"content": path.parent / settings.content})
