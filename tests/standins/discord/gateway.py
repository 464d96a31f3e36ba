"""The gateway: websocket connections and the sessions on them. HELLO, IDENTIFY (token, intents
and shard checked, closed with Discord's codes when wrong), heartbeats answered with
HEARTBEAT_ACK, READY then one GUILD_CREATE per guild, RESUME (the events the session missed,
then RESUMED), REQUEST_GUILD_MEMBERS; events dispatched to the sessions that should get them,
kept for a RESUME; and what a test does to the connections (drop them, ask for a reconnect,
invalidate the sessions, send a broken frame, add a guild).

Sharding as Discord's docs describe it: a guild's events go to the sessions of shard
``(guild_id >> 22) % num_shards``, those without a guild (DMs) to shard 0; a session that would
have more than ``guilds_per_session`` guilds is closed with 4011 (Discord's limit is 2,500);
IDENTIFYs of one bucket (``shard_id % max_concurrency``) come at most one per
``identify_window`` seconds (5 on Discord), and one sooner is answered INVALID_SESSION and counted
in ``identifies_too_soon``. Discord lets several sessions identify with the same shard (each then
gets its events): the stand-in does too, and counts in ``overlaps`` every event more than one
open session received."""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import secrets
import time
import zlib
from collections.abc import Mapping
from typing import Any

from aiohttp import WSCloseCode, WSMsgType, web

from tests.standins.discord.constants import (
    API_VERSION,
    APPLICATION_FLAGS,
    APPLICATION_ID,
    CLOSE_ALREADY_AUTHENTICATED,
    CLOSE_AUTHENTICATION_FAILED,
    CLOSE_DECODE_ERROR,
    CLOSE_DISALLOWED_INTENTS,
    CLOSE_INVALID_INTENTS,
    CLOSE_INVALID_SHARD,
    CLOSE_NOT_AUTHENTICATED,
    CLOSE_SHARDING_REQUIRED,
    CLOSE_UNKNOWN_ERROR,
    CLOSE_UNKNOWN_OPCODE,
    INTENT_GUILDS,
    NON_RESUMABLE_CLOSE,
    PRIVILEGED_INTENTS,
)
from tests.standins.discord.model import Guild
from tests.standins.discord.payloads import Payloads, bot_user_payload, member_payload
from tests.standins.discord.records import GatewayConnection, GatewayEvent, Records


class Connection:
    """A websocket connection: frames go out one at a time, zlib-stream compressed when the
    client asked (discord.py does, unless zstandard is installed: then it asks for zstd-stream
    and gets plain text frames, which it also reads)."""

    def __init__(
        self,
        number: int,
        ws: web.WebSocketResponse,
        compress: str | None,
        transport: Any,
    ) -> None:
        self.number = number
        self.ws = ws
        self.transport = transport
        self.zlib = zlib.compressobj() if compress == "zlib-stream" else None
        self.lock = asyncio.Lock()
        self.session: Session | None = None
        self.closed_by_server = False

    async def send(self, payload: Mapping[str, Any]) -> bool:
        text = json.dumps(payload, separators=(",", ":"))
        async with self.lock:
            if self.ws.closed:
                return False
            try:
                if self.zlib is not None:
                    data = self.zlib.compress(text.encode()) + self.zlib.flush(zlib.Z_SYNC_FLUSH)
                    await self.ws.send_bytes(data)
                else:
                    await self.ws.send_str(text)
            except (ConnectionError, RuntimeError):
                return False
            return True


class Session:
    """An identified session: its sequence and every event dispatched to it (for a RESUME),
    outliving its connection until it ends."""

    def __init__(self, id: str, intents: int, shard: tuple[int, int] | None) -> None:
        self.id = id
        self.intents = intents
        self.shard = shard
        self.seq = 0
        self.buffer: list[dict[str, Any]] = []
        self.conn: Connection | None = None
        self.lock = asyncio.Lock()
        self.ended = False

    def wants(self, guild_id: int | None) -> bool:
        """Whether the guild's events go to this session's shard (DMs go to shard 0)."""
        if self.shard is None:
            return True
        shard_id, count = self.shard
        if guild_id is None:
            return shard_id == 0
        return (guild_id >> 22) % count == shard_id


def _strip_bot(token: Any) -> str | None:
    if not isinstance(token, str):
        return None
    return token[4:] if token.startswith("Bot ") else token


class Gateway(Payloads, Records):
    """The gateway side of the stand-in (see the module docstring). A test may set
    ``ack_heartbeats`` to False to leave heartbeats unanswered: a zombie connection."""

    def __init__(
        self,
        token: str,
        heartbeat_interval: float,
        allowed_privileged_intents: int,
        *,
        max_concurrency: int,
        identify_window: float,
        guilds_per_session: int | None,
    ) -> None:
        self.token = token
        self.heartbeat_interval = heartbeat_interval
        self.allowed_privileged_intents = allowed_privileged_intents
        self.max_concurrency = max_concurrency
        self.identify_window = identify_window
        self.guilds_per_session = guilds_per_session
        self.ack_heartbeats = True
        self._sessions: dict[str, Session] = {}
        self._open: set[Connection] = set()
        self._identified: dict[int, float] = {}  # the last IDENTIFY of each bucket (monotonic)

    @property
    def gateway_url(self) -> str:
        return self._server.url("ws", "/")

    @property
    def resume_gateway_url(self) -> str:
        return self._server.url("ws", "/resume")

    @property
    def sessions(self) -> list[str]:
        """The ids of the sessions still alive (connected, or resumable)."""
        return [s.id for s in self._sessions.values() if not s.ended]

    @property
    def connected(self) -> bool:
        """Whether some identified session has an open connection."""
        return any(s.conn is not None and not s.ended for s in self._sessions.values())

    @property
    def open_shards(self) -> list[tuple[int, int] | None]:
        """The shards ((shard_id, num_shards); None: unsharded) of the sessions with an open
        connection, sorted, one entry per session."""
        shards = [s.shard for s in self._sessions.values() if s.conn is not None and not s.ended]
        return sorted(shards, key=lambda shard: shard or (0, 0))

    # -- What a test does to the connections --

    async def drop_gateway(self, code: int = CLOSE_UNKNOWN_ERROR, *, abort: bool = False) -> None:
        """Close every open gateway connection with ``code`` (4000 by default: the client may
        resume), or ``abort`` the TCP connections without a close frame. Sessions stay resumable
        unless the code is one that ends a session (1000, 1001, 4004, …)."""
        for conn in list(self._open):
            conn.closed_by_server = True
            if conn.session is not None:
                if conn.session.conn is conn:
                    conn.session.conn = None
                if code in NON_RESUMABLE_CLOSE and not abort:
                    conn.session.ended = True
            if abort:
                if conn.transport is not None:
                    conn.transport.abort()
            else:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(
                        conn.ws.close(code=code, message=b"stand-in dropped the connection"), 2.0
                    )

    async def request_reconnect(self) -> None:
        """Send op 7 RECONNECT on every open connection (the client closes and resumes)."""
        for conn in list(self._open):
            await conn.send({"op": 7, "d": None, "s": None, "t": None})

    async def invalidate_sessions(self, resumable: bool = False) -> None:
        """Send op 9 INVALID_SESSION; unless ``resumable`` the sessions end (the client identifies
        anew, which discord.py delays by 5 s)."""
        for conn in list(self._open):
            if conn.session is not None and not resumable:
                conn.session.ended = True
            await conn.send({"op": 9, "d": resumable, "s": None, "t": None})

    async def send_raw_frame(self, text: str) -> int:
        """Send ``text`` as it is (not JSON, say) as one frame on every open gateway connection,
        uncompressed; returns how many connections got it."""
        sent = 0
        for conn in list(self._open):
            async with conn.lock:
                if conn.ws.closed:
                    continue
                with contextlib.suppress(ConnectionError, RuntimeError):
                    await conn.ws.send_str(text)
                    sent += 1
        return sent

    async def add_guild(self, guild: Guild) -> None:
        """The bot is added to a guild: GUILD_CREATE to the sessions of its shard."""
        self.guilds.append(guild)
        self._register(guild)
        for session in self._live_sessions(guild.id):
            await self._dispatch(
                session, "GUILD_CREATE", self._guild_create(guild, session.intents)
            )

    async def dispatch(
        self, event: str, data: Mapping[str, Any], *, guild_id: int | None = None
    ) -> int:
        """Dispatch any event to the live sessions (those of the guild's shard); returns how many
        sessions got it. A session that is disconnected gets it on RESUME."""
        sessions = self._live_sessions(guild_id)
        for session in sessions:
            await self._dispatch(session, event, dict(data))
        return len(sessions)

    async def _close_connections(self) -> None:
        """Close every open connection as a server going away (the stand-in stops)."""
        for conn in list(self._open):
            conn.closed_by_server = True
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.ws.close(code=WSCloseCode.GOING_AWAY), 2.0)

    # -- Sessions and events --

    def _live_sessions(self, guild_id: int | None) -> list[Session]:
        """The sessions not ended that get the guild's events (None: a DM's); counts an
        overlap if more than one of them has an open connection."""
        sessions = [s for s in self._sessions.values() if not s.ended and s.wants(guild_id)]
        if sum(s.conn is not None for s in sessions) > 1:
            self.overlaps += 1
        return sessions

    async def _dispatch(self, session: Session, event: str, data: dict[str, Any]) -> None:
        async with session.lock:
            session.seq += 1
            frame = {"op": 0, "d": data, "s": session.seq, "t": event}
            session.buffer.append(frame)
            if session.conn is not None:
                await session.conn.send(frame)

    # -- The websocket --

    async def _serve_gateway(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(max_msg_size=0, autoping=True)
        await ws.prepare(request)
        number = len(self.connections) + 1
        self.connections.append(
            GatewayConnection(number, request.path, dict(request.query), time.monotonic())
        )
        conn = Connection(number, ws, request.query.get("compress"), request.transport)
        self._open.add(conn)
        try:
            await conn.send(
                {
                    "op": 10,
                    "d": {
                        "heartbeat_interval": max(1, round(self.heartbeat_interval * 1000)),
                        "_trace": ["standin"],
                    },
                    "s": None,
                    "t": None,
                }
            )
            async for msg in ws:
                if msg.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
                    break
                try:
                    text = msg.data if msg.type == WSMsgType.TEXT else msg.data.decode()
                    frame = json.loads(text)
                    op = frame["op"]
                except (ValueError, KeyError, TypeError, UnicodeDecodeError):
                    await self._close(conn, CLOSE_DECODE_ERROR, "Error while decoding payload.")
                    break
                await self._on_frame(conn, op, frame.get("d"))
        finally:
            self._open.discard(conn)
            session = conn.session
            if session is not None and session.conn is conn:
                session.conn = None
            if session is not None and not conn.closed_by_server and ws.close_code in (1000, 1001):
                session.ended = True  # a clean close by the client ends the session, as on Discord
        return ws

    async def _close(self, conn: Connection, code: int, reason: str) -> None:
        conn.closed_by_server = True
        if conn.session is not None and code in NON_RESUMABLE_CLOSE:
            conn.session.ended = True
        with contextlib.suppress(Exception):
            await asyncio.wait_for(conn.ws.close(code=code, message=reason.encode()), 2.0)

    async def _on_frame(self, conn: Connection, op: int, d: Any) -> None:
        self.gateway_events.append(GatewayEvent(op, d, time.monotonic(), conn.number))
        if op == 1:
            if self.ack_heartbeats:
                await conn.send({"op": 11, "d": None, "s": None, "t": None})
        elif op == 2:
            await self._identify(conn, d or {})
        elif op == 6:
            await self._resume(conn, d or {})
        elif conn.session is None:
            await self._close(conn, CLOSE_NOT_AUTHENTICATED, "Not authenticated.")
        elif op == 8:
            await self._request_members(conn.session, d or {})
        elif op in (3, 4):
            pass
        else:
            await self._close(conn, CLOSE_UNKNOWN_OPCODE, "Unknown opcode.")

    async def _identify(self, conn: Connection, d: Mapping[str, Any]) -> None:
        if conn.session is not None:
            await self._close(conn, CLOSE_ALREADY_AUTHENTICATED, "Already authenticated.")
            return
        if _strip_bot(d.get("token")) != self.token:
            await self._close(conn, CLOSE_AUTHENTICATION_FAILED, "Authentication failed.")
            return
        intents = d.get("intents")
        if not isinstance(intents, int) or intents < 0 or intents >= 1 << 26:
            await self._close(conn, CLOSE_INVALID_INTENTS, "Invalid intent(s).")
            return
        if intents & PRIVILEGED_INTENTS & ~self.allowed_privileged_intents:
            await self._close(conn, CLOSE_DISALLOWED_INTENTS, "Disallowed intent(s).")
            return
        shard: tuple[int, int] | None = None
        if d.get("shard") is not None:
            try:
                shard = (int(d["shard"][0]), int(d["shard"][1]))
            except (TypeError, ValueError, IndexError):
                shard = (-1, 0)
            if not 0 <= shard[0] < shard[1]:
                await self._close(conn, CLOSE_INVALID_SHARD, "Invalid shard.")
                return
        bucket = (shard[0] if shard else 0) % self.max_concurrency
        now = time.monotonic()
        if now - self._identified.get(bucket, -math.inf) < self.identify_window:
            self.identifies_too_soon += 1
            await conn.send({"op": 9, "d": False, "s": None, "t": None})
            return
        self._identified[bucket] = now
        session = Session(secrets.token_hex(16), intents, shard)
        guilds = [g for g in self.guilds if session.wants(g.id)]
        if self.guilds_per_session is not None and len(guilds) > self.guilds_per_session:
            await self._close(conn, CLOSE_SHARDING_REQUIRED, "Sharding required.")
            return
        self._sessions[session.id] = session
        conn.session = session
        session.conn = conn
        ready: dict[str, Any] = {
            "v": API_VERSION,
            "user": bot_user_payload(),
            "user_settings": {},
            "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
            "session_id": session.id,
            "session_type": "normal",
            "resume_gateway_url": self.resume_gateway_url,
            "application": {"id": str(APPLICATION_ID), "flags": APPLICATION_FLAGS},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": ["singapore"],
            "auth": {},
            "_trace": ["standin"],
        }
        if shard is not None:
            ready["shard"] = list(shard)
        await self._dispatch(session, "READY", ready)
        if intents & INTENT_GUILDS:
            for guild in guilds:
                await self._dispatch(session, "GUILD_CREATE", self._guild_create(guild, intents))

    async def _resume(self, conn: Connection, d: Mapping[str, Any]) -> None:
        if conn.session is not None:
            await self._close(conn, CLOSE_ALREADY_AUTHENTICATED, "Already authenticated.")
            return
        if _strip_bot(d.get("token")) != self.token:
            await self._close(conn, CLOSE_AUTHENTICATION_FAILED, "Authentication failed.")
            return
        session = self._sessions.get(str(d.get("session_id")))
        if session is None or session.ended:
            await conn.send({"op": 9, "d": False, "s": None, "t": None})
            return
        seq = d.get("seq") or 0
        async with session.lock:
            old = session.conn
            conn.session = session
            session.conn = conn
            for frame in session.buffer:
                if frame["s"] > seq:
                    await conn.send(frame)
            session.seq += 1
            resumed = {"op": 0, "d": {"_trace": ["standin"]}, "s": session.seq, "t": "RESUMED"}
            session.buffer.append(resumed)
            await conn.send(resumed)
        if old is not None and old is not conn:
            old.session = None
            await self._close(old, CLOSE_UNKNOWN_ERROR, "Session resumed elsewhere.")

    async def _request_members(self, session: Session, d: Mapping[str, Any]) -> None:
        guild = next((g for g in self.guilds if str(g.id) == str(d.get("guild_id"))), None)
        if guild is None:
            return
        query = (d.get("query") or "").lower()
        wanted = {str(u) for u in d.get("user_ids") or []}
        members = [self._bot_member(guild), *guild.members]
        chosen = [
            m
            for m in members
            if (not wanted or str(m.user.id) in wanted)
            and m.user.username.lower().startswith(query)
        ]
        if d.get("limit"):
            chosen = chosen[: int(d["limit"])]
        chunk: dict[str, Any] = {
            "guild_id": str(guild.id),
            "members": [member_payload(m) for m in chosen],
            "chunk_index": 0,
            "chunk_count": 1,
        }
        if d.get("nonce") is not None:
            chunk["nonce"] = d["nonce"]
        await self._dispatch(session, "GUILD_MEMBERS_CHUNK", chunk)
