"""The retention pass: what it deletes (finished deliveries, texts nothing carries, old button
commands, all older than the cutoff), what it keeps (everything else), and its batches."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import create_engine, inspect, select, text, update

from bot.core.models import Lang
from bot.core.ports import Format, MessageKind
from bot.core.store import Store
from bot.core.store.retention import Pruned, Retention
from bot.core.store.tables import OutboxState, bodies, choices, outbox
from bot.core.subscription import Subscription
from tests.core.store.conftest import NOW, outbox_rows, subscribe, subscription_rows
from tests.core.store.legacy import restore_release_4

DAYS = dt.timedelta(days=30)
CUTOFF = NOW - DAYS
OLD = CUTOFF - dt.timedelta(days=1)
YOUNG = CUTOFF + dt.timedelta(hours=1)


async def queued(
    store: Store, sub: Subscription, occasion: str, body: str, at: dt.datetime, langs: int = 1
) -> list[int]:
    """A delivery for `occasion` queued at `at`, carrying `body` (stored then too); its rows."""
    languages: tuple[Lang, ...] = ("en", "id")[:langs]
    for lang in languages:
        await store.outbox.put_text(body, lang, Format.TELEGRAM, f"{body} {lang}", at)
    await store.outbox.enqueue([(sub, occasion)], body, MessageKind.DIGEST, at)
    return [row.id for row in await outbox_rows(store, occasion=occasion)]


async def finish(store: Store, rows: list[int], state: OutboxState, at: dt.datetime) -> None:
    """The rows as they stand once they ended in `state` at `at`."""
    async with store.engine.begin() as connection:
        await connection.execute(
            update(outbox).where(outbox.c.id.in_(rows)).values(state=state, updated_at=at)
        )


async def body_ids(store: Store) -> set[str]:
    async with store.engine.connect() as connection:
        return set(await connection.scalars(select(bodies.c.body_id)))


async def choice_keys(store: Store) -> set[str]:
    async with store.engine.connect() as connection:
        return set(await connection.scalars(select(choices.c.key)))


async def occasions(store: Store) -> set[str]:
    return {row.occasion for row in await outbox_rows(store)}


async def test_finished_deliveries_older_than_the_cutoff_go_and_the_rest_stay(
    store: Store,
) -> None:
    sub = await subscribe(store)
    for state in (OutboxState.DELIVERED, OutboxState.FAILED, OutboxState.CANCELLED):
        await finish(store, await queued(store, sub, f"old-{state}", "b", OLD), state, OLD)
        await finish(store, await queued(store, sub, f"young-{state}", "b", OLD), state, YOUNG)
    await queued(store, sub, "old-pending", "b", OLD - DAYS)  # waiting still, however old
    sending = await queued(store, sub, "old-sending", "b", OLD)
    await finish(store, sending, OutboxState.SENDING, OLD)
    subscriptions_before = await subscription_rows(store)

    pruned = await store.retention.prune(CUTOFF)

    assert (pruned.deliveries, pruned.complete) == (3, True)
    assert await occasions(store) == {
        "young-delivered", "young-failed", "young-cancelled", "old-pending", "old-sending",
    }  # fmt: skip
    assert await body_ids(store) == {"b"}  # still carried
    assert await subscription_rows(store) == subscriptions_before


async def test_a_text_goes_once_nothing_carries_it_and_it_is_older_than_the_cutoff(
    store: Store,
) -> None:
    sub = await subscribe(store)
    # Carried only by deliveries old enough to go: it goes with them, in the same pass.
    rows = await queued(store, sub, "o1", "gone-with-its-rows", OLD, langs=2)
    await finish(store, rows, OutboxState.DELIVERED, OLD)
    # Carried by a delivery still waiting, or by a recent one: it stays, however old.
    await queued(store, sub, "o2", "carried-by-pending", OLD)
    rows = await queued(store, sub, "o3", "carried-by-young", OLD)
    await finish(store, rows, OutboxState.DELIVERED, YOUNG)
    # Carried by nothing: old goes, young stays (stored for a delivery about to be queued).
    await store.outbox.put_text("unused-old", "en", Format.TEXT, "t", OLD)
    await store.outbox.put_text("unused-young", "en", Format.TEXT, "t", YOUNG)
    # Stored long ago but stored again since (the planner's digest, a push sent twice): stays.
    await store.outbox.put_text("touched", "en", Format.TEXT, "t", OLD)
    await store.outbox.put_text("touched", "en", Format.TEXT, "t", YOUNG)

    pruned = await store.retention.prune(CUTOFF)

    # The delivery, and three texts: both languages of the one it carried, and the unused old one.
    assert (pruned.deliveries, pruned.bodies) == (1, 3)
    assert await body_ids(store) == {
        "carried-by-pending", "carried-by-young", "unused-young", "touched",
    }  # fmt: skip
    assert await store.outbox.text("touched", "en", Format.TEXT) == "t"


async def test_a_text_stored_before_retention_existed_counts_as_old(store: Store) -> None:
    await store.outbox.put_text("from-v4", "en", Format.TEXT, "t", YOUNG)
    await store.outbox.put_text("from-v4-carried", "en", Format.TEXT, "t", YOUNG)
    sub = await subscribe(store)
    await store.outbox.enqueue([(sub, "o")], "from-v4-carried", MessageKind.DIGEST, NOW)
    async with store.engine.begin() as connection:
        await connection.execute(update(bodies).values(stored_at=None))

    assert (await store.retention.prune(CUTOFF)).bodies == 1
    assert await body_ids(store) == {"from-v4-carried"}


async def test_button_commands_not_drawn_since_the_cutoff_go(store: Store) -> None:
    await store.choices.keep("k:old", "/whosaid old", OLD)
    await store.choices.keep("k:young", "/whosaid young", YOUNG)
    await store.choices.keep("k:drawn-again", "/whosaid again", OLD)
    await store.choices.keep("k:drawn-again", "/whosaid again", YOUNG)

    assert (await store.retention.prune(CUTOFF)).choices == 1
    assert await choice_keys(store) == {"k:young", "k:drawn-again"}
    assert await store.choices.command("k:drawn-again") == "/whosaid again"


async def test_it_deletes_in_batches_each_its_own_transaction(store: Store) -> None:
    sub = await subscribe(store)
    rows = []
    for n in range(7):
        rows += await queued(store, sub, f"o{n}", "b", OLD)
    await finish(store, rows, OutboxState.DELIVERED, OLD)
    for n in range(5):
        await store.choices.keep(f"k:{n}", "/c", OLD)

    pruned = await Retention(store.engine, batch=3).prune(CUTOFF)

    # Deliveries 3 + 3 + 1; then the body; choices 3 + 2: one batch each.
    assert pruned.batches == 3 + 1 + 2
    assert (pruned.deliveries, pruned.bodies, pruned.choices) == (7, 1, 5)
    assert pruned.rows == 13 and pruned.complete and pruned.longest > 0
    assert await outbox_rows(store) == [] and await choice_keys(store) == set()


async def test_a_batch_of_texts_is_rows_not_body_ids(store: Store) -> None:
    """A body id has a row for each language and format: a batch counts rows."""
    for body in ("a", "b"):
        for lang in ("en", "id"):
            for form in (Format.TELEGRAM, Format.DISCORD, Format.TEXT):
                await store.outbox.put_text(body, lang, form, "t", OLD)

    pruned = await Retention(store.engine, batch=4).prune(CUTOFF)

    # No deliveries (a batch finding none); texts 4 + 4 + 4 and one finding none (by body id,
    # it would be 6 + 6 and none); no choices (one more).
    assert (pruned.bodies, pruned.batches) == (12, 1 + 4 + 1)
    assert await body_ids(store) == set()


async def test_a_pass_out_of_time_stops_and_the_next_goes_on(store: Store) -> None:
    sub = await subscribe(store)
    await finish(store, await queued(store, sub, "o", "b", OLD), OutboxState.DELIVERED, OLD)

    assert await store.retention.prune(CUTOFF, budget=0) == Pruned(complete=False)
    assert len(await outbox_rows(store)) == 1
    again = await store.retention.prune(CUTOFF)
    assert (again.deliveries, again.bodies, again.complete) == (1, 1, True)


async def test_nothing_to_delete_is_a_complete_pass_of_nothing(store: Store) -> None:
    pruned = await store.retention.prune(CUTOFF)
    assert (pruned.rows, pruned.complete) == (0, True)


async def test_the_last_release_s_store_gains_the_indexes_and_when_texts_were_stored(
    database: Path,
) -> None:
    # A store as the last release before Alembic left it, with a text no delivery carries.
    await restore_release_4(database)
    engine = create_engine(f"sqlite:///{database}")
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO bodies (body, lang, format, text) VALUES ('b', 'en', 'text', 't')")
        )
    engine.dispose()

    async with await Store.open(database, upgrade=True) as store:
        async with store.engine.connect() as connection:
            indexes = await connection.run_sync(
                lambda c: {
                    index["name"]
                    for table in ("outbox", "subscriptions")
                    for index in inspect(c).get_indexes(table)
                }
            )
            stored = (await connection.execute(select(bodies.c.stored_at))).scalars().all()
        assert await store.outbox.text("b", "en", Format.TEXT) == "t"
        assert (await store.retention.prune(NOW)).bodies >= 1  # nothing carries it: it goes
        assert await store.outbox.text("b", "en", Format.TEXT) is None

    assert {"ix_outbox_settled", "ix_outbox_body", "ix_subscription_platform"} <= indexes
    assert stored and set(stored) == {None}  # stored before retention: as old as any
