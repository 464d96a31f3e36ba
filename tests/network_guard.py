"""The test run stays offline: a session-wide guard that refuses, and fails the test for, any
connection past loopback.

CI has no network beyond the package registries, and a test that reached a real Telegram or
Discord would be slow, flaky and could send real messages. Tests talk to the stand-ins on
127.0.0.1/::1 and to the local PostgreSQL (over TCP on 127.0.0.1 or a unix socket); this
guard keeps it that way. The idea is python-telegram-bot's offline request class
(tests/auxil/networking.py) and pytest-socket's patching, written here at the layer every
client shares so that no new dependency is needed:

- `socket.socket.connect` / `connect_ex`: every TCP client ends here. aiohttp (discord.py),
  httpx/anyio (python-telegram-bot), asyncpg and `asyncio.open_connection` all reach it
  through the selector loop's `loop.create_connection` → `loop.sock_connect` →
  `sock.connect(address)` on a non-blocking socket; httpx's sync transport through
  `socket.create_connection`. (Checked by tracing those clients: no other connect path is
  taken, and no uvloop or c-ares resolver is installed whose C code would go around it.)
  `ssl.SSLSocket` inherits these, so TLS is covered too.
- `socket.socket.sendto` / `sendmsg` with an address: a UDP datagram needs no connect.
- `socket.getaddrinfo` (and `gethostbyname[_ex]`): a name other than "localhost" would be
  looked up in DNS, which is itself network traffic, so it is refused before the query. The
  asyncio loop's `getaddrinfo`, aiohttp's threaded resolver, anyio and
  `socket.create_connection` all call `socket.getaddrinfo` through the module at call time,
  so the patch reaches them. Numeric addresses resolve without traffic and are judged at
  connect.

Allowed: 127.0.0.0/8, ::1 (also as ::ffff:127.x.y.z), the name "localhost", and AF_UNIX
sockets (PostgreSQL's socket, subprocess plumbing). Everything else raises `NetworkBlocked`
naming the address, before the real call, so no packet leaves. `NetworkBlocked` is an
`OSError` (a `socket.gaierror` for lookups) so the code under test meets it as it would meet
an offline network; and since a client may well catch that and retry, each refusal is also
recorded, and the test it happened in is failed at its report whatever the test itself did.

Out of reach: subprocesses (the `ringkas` CLI runs of tests/test_cli_run.py and
tests/reliability/crash.py) get a fresh interpreter that this in-process patch does not
follow. They are pointed at stand-ins on 127.0.0.1 by their configuration; the guard cannot
check that, and bot/ code is not changed to honour a test-only switch.
"""

from __future__ import annotations

import functools
import ipaddress
import socket
import threading
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

import pytest

# The one name allowed to be resolved: the resolver answers it from /etc/hosts, never DNS.
LOOPBACK_NAMES = frozenset({"localhost", "localhost."})
ALLOWED = "127.0.0.0/8, ::1, localhost and unix sockets"


class NetworkBlocked(OSError):
    """A test tried to reach past loopback. An OSError, as an offline network would raise, so
    the code under test takes its usual error path; the test fails regardless (see
    `SessionPlugin`)."""


class NameBlocked(NetworkBlocked, socket.gaierror):
    """A test tried to look a name up in DNS: a `gaierror`, as a failed lookup would be."""


def _text(host: str | bytes | bytearray) -> str:
    if isinstance(host, str):
        return host
    # Hosts may be given as bytes (anyio passes IDNA-encoded names); non-ASCII is no loopback.
    return bytes(host).decode("ascii", "replace")


def loopback_host(host: str | bytes | bytearray) -> bool:
    """Whether `host` (an address or a name) stays on this machine without asking DNS."""
    text = _text(host)
    if text.lower() in LOOPBACK_NAMES:
        return True
    try:
        # An IPv6 scope ("fe80::1%eth0") names an interface, not loopback: parse the rest.
        address = ipaddress.ip_address(text.partition("%")[0])
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # Python 3.11 does not call ::ffff:127.0.0.1 loopback
    return address.is_loopback


def numeric_host(host: str | bytes | bytearray) -> bool:
    """Whether `host` is an address literal: resolving it sends nothing."""
    try:
        ipaddress.ip_address(_text(host).partition("%")[0])
    except ValueError:
        return False
    return True


def describe(family: int, address: object) -> str:
    """An address as a reader would write it: "192.0.2.1 port 443", or the raw form."""
    if family in (socket.AF_INET, socket.AF_INET6) and isinstance(address, tuple) and address:
        host = _text(address[0]) if isinstance(address[0], str | bytes | bytearray) else None
        if host is not None and len(address) >= 2:
            return f"{host} port {address[1]}"
    try:
        name = socket.AddressFamily(family).name
    except ValueError:
        name = f"family {family}"
    return f"{address!r} ({name})"


def allowed(family: int, address: object) -> bool:
    """Whether a socket of `family` may connect or send to `address`."""
    if family == socket.AF_UNIX:
        return True
    if family not in (socket.AF_INET, socket.AF_INET6):
        return False  # raw, packet, CAN…: nothing a test should need, so nothing let through
    if not isinstance(address, tuple) or not address:
        return False
    host = address[0]
    # A name in a connect address is resolved by the C code, past the getaddrinfo patch.
    return isinstance(host, str | bytes | bytearray) and loopback_host(host)


class Guard:
    """The patches and what they refused. Refusals go to the test under way, or to an
    `expected()` block that asked for them."""

    def __init__(self) -> None:
        # Refusals can come from any thread: the loop resolves names in its executor.
        self._lock = threading.Lock()
        self._refused: list[str] = []
        self._expecting: list[list[str]] = []
        self._saved: dict[str, Any] | None = None

    @property
    def installed(self) -> bool:
        return self._saved is not None

    def refuse(self, what: str, error: type[NetworkBlocked] = NetworkBlocked) -> NoReturn:
        """Record the attempt and raise before anything is sent."""
        message = (
            f"network guard: refused to {what}; tests may only reach {ALLOWED} "
            "(tests/network_guard.py)"
        )
        with self._lock:
            (self._expecting[-1] if self._expecting else self._refused).append(message)
        raise error(message)

    def take(self) -> list[str]:
        """The refusals recorded since the last `take`, and forget them."""
        with self._lock:
            refused, self._refused = self._refused, []
        return refused

    @contextmanager
    def expected(self) -> Iterator[list[str]]:
        """Refusals in this block are the point of the test: collected into the list given,
        not charged to the test. Refuses to run with the guard off, lest a test meant to
        prove the refusal really connect."""
        if not self.installed:
            raise RuntimeError("the network guard is not installed")
        seen: list[str] = []
        with self._lock:
            self._expecting.append(seen)
        try:
            yield seen
        finally:
            with self._lock:
                # By identity: list.remove would take the first *equal* list, another block's.
                self._expecting = [sink for sink in self._expecting if sink is not seen]

    def install(self) -> None:
        if self._saved is not None:
            return
        # What the class itself defines (None: inherited from _socket.socket), to put back.
        saved: dict[str, Any] = {name: socket.socket.__dict__.get(name) for name in SOCKET_METHODS}
        saved |= {name: getattr(socket, name) for name in LOOKUPS}
        self._saved = saved
        for name, wrap in SOCKET_METHODS.items():
            setattr(socket.socket, name, wrap(getattr(socket.socket, name)))
        for name in LOOKUPS:
            setattr(socket, name, LOOKUPS[name](saved[name]))

    def uninstall(self) -> None:
        if self._saved is None:
            return
        for name, original in self._saved.items():
            if name in LOOKUPS:
                setattr(socket, name, original)
            elif original is None:
                delattr(socket.socket, name)
            else:
                setattr(socket.socket, name, original)
        self._saved = None


GUARD = Guard()


def _guard_connect(original: Callable[[socket.socket, Any], Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def connect(self: socket.socket, address: Any, /) -> Any:
        if not allowed(self.family, address):
            GUARD.refuse(f"connect to {describe(self.family, address)}")
        return original(self, address)

    return connect


def _guard_sendto(original: Callable[..., int]) -> Callable[..., int]:
    @functools.wraps(original)
    def sendto(self: socket.socket, data: Any, *rest: Any) -> int:
        address = rest[-1] if rest else None  # sendto(data, address) or (data, flags, address)
        if not allowed(self.family, address):
            GUARD.refuse(f"send a datagram to {describe(self.family, address)}")
        return original(self, data, *rest)

    return sendto


def _guard_sendmsg(original: Callable[..., int]) -> Callable[..., int]:
    @functools.wraps(original)
    def sendmsg(self: socket.socket, *args: Any) -> int:
        # sendmsg(buffers[, ancdata[, flags[, address]]]): only an address makes it a send to
        # somewhere new; without one it goes where the socket is already connected.
        if len(args) >= 4 and args[3] is not None and not allowed(self.family, args[3]):
            GUARD.refuse(f"send a message to {describe(self.family, args[3])}")
        return original(self, *args)

    return sendmsg


def _guard_getaddrinfo(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def getaddrinfo(
        host: str | bytes | None,
        port: str | bytes | int | None,
        family: int = 0,
        type: int = 0,
        proto: int = 0,
        flags: int = 0,
    ) -> Any:
        # None asks for the wildcard or loopback address; AI_NUMERICHOST never queries DNS.
        if (
            host
            and not flags & socket.AI_NUMERICHOST
            and not numeric_host(host)
            and not loopback_host(host)
        ):
            GUARD.refuse(f"look up the name {_text(host)!r} (port {port!r})", NameBlocked)
        return original(host, port, family, type, proto, flags)

    return getaddrinfo


def _guard_lookup(original: Callable[[str], Any]) -> Callable[[str], Any]:
    @functools.wraps(original)
    def lookup(hostname: str) -> Any:
        if not numeric_host(hostname) and not loopback_host(hostname):
            GUARD.refuse(f"look up the name {hostname!r}", NameBlocked)
        return original(hostname)

    return lookup


# What `Guard.install` patches: socket methods, and the module's name lookups.
SOCKET_METHODS: dict[str, Callable[[Callable[..., Any]], Callable[..., Any]]] = {
    "connect": _guard_connect,
    "connect_ex": _guard_connect,
    "sendto": _guard_sendto,
    "sendmsg": _guard_sendmsg,
}
LOOKUPS: dict[str, Callable[[Callable[..., Any]], Callable[..., Any]]] = {
    "getaddrinfo": _guard_getaddrinfo,
    "gethostbyname": _guard_lookup,
    "gethostbyname_ex": _guard_lookup,
}


class SessionPlugin:
    """The pytest side: the guard installed for the whole session, and each refusal charged
    to the test (phase) it happened in, failing it even if the code under test swallowed the
    error. Refusals outside any test (at collection, say) fail the run."""

    def __init__(self) -> None:
        self.outside: list[str] = []

    def pytest_configure(self, config: pytest.Config) -> None:
        GUARD.install()

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        GUARD.uninstall()

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.outside += GUARD.take()  # imports and collection, not the first test's doing

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        # A wrapper sees the report after every other plugin (xfail handling included) made it.
        report = yield
        refused = GUARD.take()
        if not refused:
            return report
        text = "\n".join(refused)
        if report.failed:
            # The test's own failure stays the headline; the refusal is likely its cause.
            report.sections.append(("network guard", text))
        else:
            report.outcome = "failed"
            report.longrepr = text
            if hasattr(report, "wasxfail"):
                del report.wasxfail  # an expected failure is not an excuse to go online
        return report

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        self.outside += GUARD.take()
        if self.outside and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if not self.outside:
            return
        terminalreporter.section("network guard: refused outside any test", sep="=", red=True)
        for refusal in self.outside:
            terminalreporter.line(refusal)
