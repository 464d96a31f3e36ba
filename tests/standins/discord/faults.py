"""Faults and limits a test switches on at any time: the next matching requests failed or held
(before they are handled, or after: a lost response), random faults from a seed, a global rate
limit on sending messages; and the per-route rate-limit headers every response carries."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import math
import random
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tests.standins.discord.errors import Reply
from tests.standins.discord.records import Records, RequestPattern, relative

_DEFAULT_FAULT_BODIES: dict[int, dict[str, Any]] = {
    400: {"message": "400: Bad Request", "code": 0},
    401: {"message": "401: Unauthorized", "code": 0},
    403: {"message": "Missing Access", "code": 50001},
    404: {"message": "404: Not Found", "code": 0},
    500: {"message": "500: Internal Server Error", "code": 0},
    502: {"message": "502: Bad Gateway", "code": 0},
    503: {"message": "503: Service Unavailable", "code": 0},
    504: {"message": "504: Gateway Timeout", "code": 0},
}


@dataclass
class Rule:
    """A fault for the next ``count`` requests matching: a hold of ``delay`` seconds, then (if
    ``status``) an error answer."""

    pattern: RequestPattern
    count: int
    status: int = 0
    body: Any = None
    delay: float = 0.0
    headers: Mapping[str, str] = field(default_factory=dict)
    after: bool = False  # handle the request first (its effects happen), then fault the answer
    # A chaos timeout carried out after its hang (see `faults`): counted once the request was
    # handled, as "carried out late" in `faults_injected`.
    carried_out_late: bool = False


@dataclass(frozen=True)
class Chaos:
    """Random faults (see `Faults.faults`)."""

    p500: float
    p429: float
    p_timeout: float
    paths: tuple[str, ...]
    retry_after: float
    hang: float
    carry_out_late: bool


class TokenBucket:
    def __init__(self, rate: float, burst: float) -> None:
        self.rate = rate
        self.capacity = burst
        self.tokens = burst
        self.last = time.monotonic()

    def take(self) -> float:
        """Take a token: 0 if there was one, else the seconds until there is."""
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.last) * self.rate)
        self.last = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return 0.0
        return (1.0 - self.tokens) / self.rate


class Faults(Records):
    """Faults and limits (see the module docstring)."""

    def __init__(self, bucket_limit: int, bucket_window: float) -> None:
        self.bucket_limit = bucket_limit
        self.bucket_window = bucket_window
        self._rules: list[Rule] = []
        self._global: TokenBucket | None = None
        self._chaos: Chaos | None = None
        self._rng = random.Random(0)
        self._buckets: dict[tuple[str, str], list[float]] = {}
        self._stopping = asyncio.Event()  # set when the stand-in stops: held requests end

    def fail_next(
        self,
        method: str,
        path_prefix: str,
        status: int,
        count: int = 1,
        json: Any = None,
        *,
        retry_after: float = 0.05,
        headers: Mapping[str, str] | None = None,
        after: bool = False,
    ) -> None:
        """The next ``count`` requests matching answer ``status`` (with ``json`` or Discord's usual
        body). ``method`` may be "*"; ``path_prefix`` is relative to the API base, a prefix or a
        glob ("/channels/*/messages"). A 429 carries ``retry_after`` (not global). With ``after``
        the request is handled first (a message is sent and recorded) and only the answer fails:
        a lost response."""
        if json is None:
            if status == 429:
                json = {
                    "message": "You are being rate limited.",
                    "retry_after": retry_after,
                    "global": False,
                }
            else:
                json = _DEFAULT_FAULT_BODIES.get(status, {"message": f"{status}", "code": 0})
        extra = dict(headers or {})
        if status == 429:
            extra.setdefault("Retry-After", str(math.ceil(retry_after)))
            extra.setdefault("X-RateLimit-Scope", "user")
        self._rules.append(
            Rule(
                RequestPattern.of(method, path_prefix),
                count,
                status=status,
                body=json,
                headers=extra,
                after=after,
            )
        )

    def delay_next(
        self, method: str, path_prefix: str, seconds: float, count: int = 1, *, after: bool = False
    ) -> None:
        """Hold the next ``count`` matching requests for ``seconds`` before handling them (with
        ``after``: handle them, then hold the answer)."""
        rule = Rule(RequestPattern.of(method, path_prefix), count, delay=seconds, after=after)
        self._rules.append(rule)

    def clear_faults(self) -> None:
        self._rules.clear()
        self._chaos = None

    def faults(
        self,
        p500: float = 0.0,
        p_timeout: float = 0.0,
        p429: float = 0.0,
        seed: int = 0,
        *,
        paths: Sequence[str] = ("/channels/", "/interactions/", "/webhooks/"),
        retry_after: float = 0.05,
        hang: float = 30.0,
        carry_out_late: bool = False,
    ) -> None:
        """Random faults on requests under ``paths``: 500, 429 (``retry_after``) or a hang of
        ``hang`` seconds (then 504), drawn from a Random(seed). All zero switches them off.

        With ``carry_out_late`` a hung request is then carried out all the same (a message is
        sent and recorded) and still answered 504, as when Discord's proxy gives up waiting on
        a slow backend: the client's retry is the one a nonce must catch."""
        if p500 <= 0 and p_timeout <= 0 and p429 <= 0:
            self._chaos = None
            return
        self._rng = random.Random(seed)
        self._chaos = Chaos(
            p500=p500,
            p429=p429,
            p_timeout=p_timeout,
            paths=tuple(relative(p) for p in paths),
            retry_after=retry_after,
            hang=hang,
            carry_out_late=carry_out_late,
        )

    def limit_global(self, per_second: float | None, burst: float | None = None) -> None:
        """A global token bucket over POST /channels/*/messages (None: off)."""
        if per_second is None or per_second <= 0:
            self._global = None
        else:
            self._global = TokenBucket(
                per_second, burst if burst is not None else max(1.0, per_second)
            )

    def _take_global(self) -> None:
        """Take a token of the global limit (if on), or answer 429 as Discord does when the
        bot as a whole sends too fast."""
        if self._global is None:
            return
        wait = self._global.take()
        if wait > 0:
            retry = round(wait, 3)
            raise Reply(
                429,
                {"message": "You are being rate limited.", "retry_after": retry, "global": True},
                {
                    "Retry-After": str(max(1, math.ceil(retry))),
                    "X-RateLimit-Global": "true",
                    "X-RateLimit-Scope": "global",
                },
            )

    def _ratelimit_headers(self, method: str, path: str) -> dict[str, str]:
        template = re.sub(r"/\d+", "/{id}", path)
        template = re.sub(r"^/(webhooks|interactions)/\{id\}/[^/]+", r"/\1/{id}/{token}", template)
        major_match = re.match(
            r"^/(channels|guilds|webhooks|interactions)/(\d+)(?:/([^/]+))?", path
        )
        major = ""
        if major_match:
            major = major_match.group(2)
            if major_match.group(1) in ("webhooks", "interactions") and major_match.group(3):
                major += "/" + major_match.group(3)
        key = (f"{method} {template}", major)
        now = time.monotonic()
        state = self._buckets.get(key)
        if state is None or now >= state[0] + self.bucket_window:
            state = self._buckets[key] = [now, 0.0]
        state[1] += 1
        reset_after = max(0.0, state[0] + self.bucket_window - now)
        return {
            "X-RateLimit-Limit": str(self.bucket_limit),
            "X-RateLimit-Remaining": str(max(0, self.bucket_limit - int(state[1]))),
            "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Bucket": hashlib.sha1(key[0].encode()).hexdigest()[:32],
        }

    async def _apply_faults(self, method: str, path: str) -> list[Rule]:
        """Apply the faults due before handling; return those due after."""
        late: list[Rule] = []
        for rule in list(self._rules):
            if rule.count <= 0 or not rule.pattern.matches(method, path):
                continue
            rule.count -= 1
            if rule.count <= 0:
                self._rules.remove(rule)
            if rule.after:
                late.append(rule)
            else:
                await self._fault(rule)
        chaos = self._chaos
        if chaos is None or not any(path.startswith(p) for p in chaos.paths):
            return late
        draw = self._rng.random()
        if draw < chaos.p500:
            self.faults_injected["500"] += 1
            raise Reply(500, _DEFAULT_FAULT_BODIES[500])
        draw -= chaos.p500
        if draw < chaos.p429:
            self.faults_injected["429"] += 1
            retry = chaos.retry_after
            raise Reply(
                429,
                {"message": "You are being rate limited.", "retry_after": retry, "global": False},
                {
                    "Retry-After": str(math.ceil(retry)),
                    "X-RateLimit-Scope": "user",
                    "X-RateLimit-Remaining": "0",
                },
            )
        draw -= chaos.p429
        if draw < chaos.p_timeout:
            self.faults_injected["timeout"] += 1
            await self._hang(chaos.hang)
            if chaos.carry_out_late:
                timeout = Rule(
                    RequestPattern("*", ""),
                    0,
                    504,
                    _DEFAULT_FAULT_BODIES[504],
                    carried_out_late=True,
                )
                return [*late, timeout]  # handled first, then answered 504
            raise Reply(504, _DEFAULT_FAULT_BODIES[504])
        return late

    async def _fault(self, rule: Rule) -> None:
        if rule.carried_out_late:
            self.faults_injected["carried out late"] += 1
        if rule.delay:
            self.faults_injected["delay"] += 1
            await self._hang(rule.delay)
        if rule.status:
            self.faults_injected[str(rule.status)] += 1
            raise Reply(rule.status, rule.body, rule.headers)

    async def _hang(self, seconds: float) -> None:
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)
        if self._stopping.is_set():
            raise Reply(503, _DEFAULT_FAULT_BODIES[503])
