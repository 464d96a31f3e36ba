"""The schema's history, kept by Alembic: each revision in `versions/` takes a database one step
on, and the newest (the head) is the schema `tables.py` describes (a test compares them).

Only `ringkas run` and `ringkas migrate` change a database's schema (`Store.open(upgrade=True)`).
Every other command opens a store only at the head, and tells the operator to run `ringkas
migrate` if it is older, so that nothing changes the schema under a running bot. A new, empty
database is the exception: whichever command opens it first creates it at the head (nothing can
be running on it, and a first `ringkas chat` should just work).

Databases made before Alembic carry a `schema_version` table (versions 1 to 4): revision 0001
is where they join (see it).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final

from sqlalchemy import Connection, inspect, text

from bot.core.store.leases import advisory_key

if TYPE_CHECKING:
    # Alembic itself is imported only to upgrade (or to list the revisions): every command opens
    # the store, and most find it at the head, which a query tells without it (a tenth of a
    # second saved at each start).
    from alembic.config import Config
    from alembic.script import ScriptDirectory

FOLDER = Path(__file__).parent
# The newest revision in versions/: the one this Ringkas runs on. Written out so that checking a
# store needs no Alembic; a test checks it is Alembic's head.
HEAD: Final = "0002"
# The releases before Alembic counted versions up to this one; revision 0001 sets the table to a
# higher number, which those releases refuse.
LAST_LEGACY_VERSION = 4


def config(connection: Connection | None = None) -> Config:
    """Alembic's configuration, made here rather than read from an alembic.ini: the revisions
    ship inside the package, and run on the store's own connection."""
    from alembic.config import Config

    settings = Config()
    settings.set_main_option("script_location", str(FOLDER))
    settings.attributes["connection"] = connection
    return settings


@functools.cache
def scripts() -> ScriptDirectory:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(config())


@functools.cache
def _names() -> frozenset[str]:
    return frozenset(script.revision for script in scripts().walk_revisions())


def head() -> str:
    """The newest revision: the one this Ringkas runs on. The revisions form one line."""
    return HEAD


@dataclass(frozen=True)
class Revision:
    """Where a database's schema stands: an Alembic revision, a version from before Alembic
    (`legacy`), or nothing yet (a new database)."""

    name: str | None = None
    legacy: int | None = None

    @property
    def new(self) -> bool:
        return self.name is None and self.legacy is None

    @property
    def current(self) -> bool:
        return self.name == head()

    @property
    def known(self) -> bool:
        """Whether this Ringkas can bring the database to its head (or has)."""
        if self.legacy is not None:
            return self.legacy <= LAST_LEGACY_VERSION
        return self.name is None or self.name in _names()

    def __str__(self) -> str:
        if self.legacy is not None:
            return f"schema version {self.legacy} (from before revisions)"
        return f"revision {self.name}" if self.name else "no schema yet"


class SchemaTooNew(Exception):
    """The database was brought to a revision this Ringkas does not know, by a newer one."""

    def __init__(self, shown: str, found: Revision) -> None:
        super().__init__(
            f"the database {shown} is at {found}, newer than this Ringkas knows "
            f"(up to revision {head()}): run the Ringkas that migrated it"
        )


class SchemaOutdated(Exception):
    """The database is at an older revision; only `ringkas run` and `migrate` upgrade it."""

    def __init__(self, shown: str, found: Revision) -> None:
        super().__init__(
            f"the database {shown} is at {found}; this Ringkas needs revision {head()}: "
            "run `ringkas migrate` (back it up first: see `ringkas backup`)"
        )


def revision_of(connection: Connection) -> Revision:
    tables = inspect(connection)
    if tables.has_table("alembic_version"):
        # One row: the revisions form one line (what Alembic's MigrationContext reads too).
        found = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        return Revision(name=found)
    if tables.has_table("schema_version"):
        return Revision(
            legacy=connection.execute(text("SELECT version FROM schema_version")).scalar()
        )
    return Revision()


def upgrade(connection: Connection, shown: str) -> Revision | None:
    """Bring the database `shown` to the head, one process at a time; the revision it was at
    (None: at the head already). Runs in the caller's transaction: if a revision fails, nothing
    of the upgrade is left."""
    _serialize(connection)
    found = revision_of(connection)  # again: another process may have upgraded it meanwhile
    if found.current:
        return None
    if not found.known:
        raise SchemaTooNew(shown, found)
    from alembic import command

    command.upgrade(config(connection), "head")
    return found


def _serialize(connection: Connection) -> None:
    """Let one process at a time upgrade: the others wait here, then find the work done."""
    if connection.dialect.name == "postgresql":
        # Released at the end of the transaction, with the upgrade committed (or not).
        connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": advisory_key("schema")})
    elif connection.dialect.name == "sqlite":
        # The sqlite3 driver opens a transaction only before writing rows, so DDL would run and
        # commit statement by statement: this takes the file's write lock now and holds the
        # whole upgrade in one transaction (another process waits its busy timeout).
        connection.exec_driver_sql("BEGIN IMMEDIATE")
