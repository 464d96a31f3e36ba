"""python-telegram-bot's HTTP client, over aiohttp: PTB's public `BaseRequest` hook.

PTB's own `HTTPXRequest` (httpx over httpcore) is what limits a paid broadcast: with a few
hundred requests in flight, httpcore's pool reassigns every waiting request to every connection
several times per send and checks each idle connection with system calls, so the bot spent
1.8–3.1 ms of CPU per send and reached about half of 1,000 messages a second on two cores.
aiohttp's connector hands a freed connection to the next waiter directly: the same sends cost
about 0.6 ms (figures and commands: benchmarks/README.md, "Load"). Everything above the HTTP
exchange (parameters, answers, errors) stays PTB's.
"""

from __future__ import annotations

import re
import time
from http import HTTPStatus

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

# A Bot API address carries the token ("…/bot<token>/sendMessage"): never in an error's words.
_TOKEN_IN_URL = re.compile(r"/bot[^/\s]+")


class AiohttpRequest(BaseRequest):
    """Requests to the Bot API over one aiohttp session with a pool of `connections`.

    The timeouts are PTB's four: connect, read, write and pool. aiohttp has no write timeout of
    its own (a request is small, and its read timeout starts once it is sent), so `write` is
    folded into the time allowed to connect and send.
    """

    def __init__(
        self,
        connections: int,
        connect_timeout: float | None = 5.0,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
    ) -> None:
        self._connections = connections
        self._defaults = (connect_timeout, read_timeout, write_timeout, pool_timeout)
        self._session: aiohttp.ClientSession | None = None
        # The last request answered 200, and the last that failed (`time.monotonic()`, and
        # why): for the long poll's own requests, whether polling works (the adapter's
        # readiness). Only what the Bot API answered counts, not what PTB made of it.
        self.answered_at: float | None = None
        self.failed: tuple[float, str] | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._defaults[1]

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._connections)
            self._session = aiohttp.ClientSession(
                connector=connector, headers={"User-Agent": self.USER_AGENT}
            )

    async def shutdown(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: object = BaseRequest.DEFAULT_NONE,
        write_timeout: object = BaseRequest.DEFAULT_NONE,
        connect_timeout: object = BaseRequest.DEFAULT_NONE,
        pool_timeout: object = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("this AiohttpRequest is not initialized")
        connect, read, write, pool = (
            _seconds(given, default)
            for given, default in zip(
                (connect_timeout, read_timeout, write_timeout, pool_timeout),
                self._defaults,
                strict=True,
            )
        )
        timeout = aiohttp.ClientTimeout(
            # aiohttp's `connect` covers waiting for a free connection and opening one.
            connect=None if pool is None or connect is None else pool + connect,
            sock_connect=None if connect is None or write is None else connect + write,
            sock_read=read,
        )
        try:
            async with self._session.request(
                method, url, data=_body(request_data), timeout=timeout
            ) as response:
                body = await response.read()
        except TimeoutError as error:
            words = _TOKEN_IN_URL.sub("/bot…", str(error)) or "Timed out"
            self.failed = (time.monotonic(), words)
            raise TimedOut(words) from error
        except aiohttp.ClientError as error:
            # The class name says what failed when the message is empty, as PTB's own does.
            words = f"aiohttp.{type(error).__name__}: {_TOKEN_IN_URL.sub('/bot…', str(error))}"
            self.failed = (time.monotonic(), words)
            raise NetworkError(words) from error
        if response.status == HTTPStatus.OK:
            self.answered_at = time.monotonic()
        else:
            self.failed = (time.monotonic(), f"answered HTTP {response.status}")
        return response.status, body


def _seconds(given: object, default: float | None) -> float | None:
    """A timeout PTB passes on: its DEFAULT_NONE means this request's default, None none."""
    if given is BaseRequest.DEFAULT_NONE:
        return default
    return float(given) if isinstance(given, int | float) else None


def _body(request_data: RequestData | None) -> aiohttp.FormData | dict[str, str] | None:
    """The parameters as a form, and the files, if any, as a multipart form (as PTB sends)."""
    if request_data is None:
        return None
    if not request_data.contains_files:
        return request_data.json_parameters
    form = aiohttp.FormData()
    for name, value in request_data.json_parameters.items():
        form.add_field(name, value)
    for name, (filename, content, mimetype) in request_data.multipart_data.items():
        form.add_field(name, content, filename=filename, content_type=mimetype)
    return form
