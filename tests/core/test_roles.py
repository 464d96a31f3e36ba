"""Roles over leases: an instance takes up the roles nobody holds, gives up at once those it
lost, and another takes them over."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import text

from bot.core.roles import Role, Roles
from bot.core.store import Store
from bot.core.store.leases import Lease


class Played:
    """What an instance's roles went through, in order."""

    def __init__(self, names: list[str], failing: set[str] | None = None) -> None:
        self.events: list[tuple[str, str, int]] = []
        self.failing = failing or set()
        self.roles = [self.role(name) for name in names]

    def role(self, name: str) -> Role:
        async def gained(lease: Lease) -> None:
            if name in self.failing:
                raise RuntimeError("cannot start")
            self.events.append(("gained", name, lease.epoch))

        async def lost() -> None:
            self.events.append(("lost", name, 0))

        return Role(name, gained, lost)


async def test_alone_on_a_sqlite_store_an_instance_plays_every_role_from_its_first_round(
    tmp_path: Path,
) -> None:
    async with await Store.open(tmp_path / "r.sqlite3") as store:
        played = Played(["sender:telegram", "planner"])
        roles = Roles(store.leases, played.roles)
        await roles.round()
        assert roles.playing == {"sender:telegram", "planner"}
        await roles.stop()
        assert roles.playing == frozenset()
    assert played.events == [
        ("gained", "sender:telegram", 1), ("gained", "planner", 1),
        ("lost", "planner", 0), ("lost", "sender:telegram", 0),
    ]  # fmt: skip


async def test_a_role_that_fails_to_start_is_given_back_and_tried_again(tmp_path: Path) -> None:
    async with await Store.open(tmp_path / "r.sqlite3") as store:
        played = Played(["planner"], failing={"planner"})
        roles = Roles(store.leases, played.roles)
        await roles.round()
        assert roles.playing == frozenset()
        assert "planner" not in store.leases.held
        played.failing.clear()
        await roles.round()
        assert roles.playing == {"planner"}


async def test_three_instances_share_the_roles_and_take_over_from_one_cut_off(
    three: list[Store],
) -> None:
    names = ["sender:telegram", "sender:discord", "planner"]
    played = [Played(names) for _ in three]
    instances = [Roles(store.leases, p.roles) for store, p in zip(three, played, strict=True)]
    for roles in instances:
        await roles.round()
    assert instances[0].playing == set(names)  # the first to ask holds them all
    assert instances[1].playing == instances[2].playing == frozenset()

    async with three[1].engine.connect() as connection:  # the first loses its connection
        await connection.execute(
            text("SELECT pg_terminate_backend(session) FROM leases WHERE holder = :holder LIMIT 1"),
            {"holder": three[0].leases.holder},
        )
        await connection.commit()
    for _ in range(40):  # the server ends the session in a moment
        await instances[1].round()
        if instances[1].playing == set(names):
            break
        await asyncio.sleep(0.05)
    assert instances[1].playing == set(names)  # taken over, each under a new epoch
    assert {(e[1], e[2]) for e in played[1].events} == {(n, 2) for n in names}

    await instances[0].round()  # its beat fails: every role stops, and none is taken back
    assert instances[0].playing == frozenset()
    assert sorted(e for e in played[0].events if e[0] == "lost") == sorted(
        ("lost", n, 0) for n in names
    )
    await instances[2].round()
    assert instances[2].playing == frozenset()
    for roles in instances:
        await roles.stop()


async def test_the_roles_on_offer_are_asked_for_before_each_take_and_one_withdrawn_is_given_up(
    tmp_path: Path,
) -> None:
    """As Discord's shards are offered: up to a share, which may change between rounds."""
    async with await Store.open(tmp_path / "r.sqlite3") as store:
        played = Played([f"shard:discord:{n}/4" for n in range(4)])
        share = 2

        def offer() -> list[Role]:
            held = [role for role in played.roles if role.name in roles.playing]
            free = [role for role in played.roles if role.name not in roles.playing]
            return held[:share] + free[: share - len(held)]

        roles = Roles(store.leases, offer)
        await roles.round()
        assert roles.playing == {"shard:discord:0/4", "shard:discord:1/4"}

        share = 1
        await roles.round()
        assert roles.playing == {"shard:discord:0/4"}
        assert "shard:discord:1/4" not in store.leases.held
        await roles.stop()

    assert played.events == [
        ("gained", "shard:discord:0/4", 1), ("gained", "shard:discord:1/4", 1),
        ("lost", "shard:discord:1/4", 0), ("lost", "shard:discord:0/4", 0),
    ]  # fmt: skip
