"""The session's network guard (tests/network_guard.py) does what it is there for: a connection
or a name lookup past loopback is refused before anything is sent, through raw sockets, asyncio
and the HTTP clients the bot's libraries use; the test that tried fails even when the code
swallowed the error; and loopback, "localhost" and unix sockets work as before.

Every attempt here is made inside `GUARD.expected()`, which refuses to run without the guard:
nothing in this file ever really tries to reach 192.0.2.1 (TEST-NET-1), 2001:db8::/32 (the
IPv6 documentation prefix) or an `.invalid` name."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import httpx
import pytest

from tests.conftest import REPO
from tests.network_guard import GUARD, NameBlocked, NetworkBlocked

NOWHERE = "192.0.2.1"  # TEST-NET-1: documentation only, routed nowhere
NOWHERE_V6 = "2001:db8::1"


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    """A TCP socket listening on 127.0.0.1, for connects that must still work."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        yield server


def ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return False
    return True


def chain(error: BaseException | None) -> Iterator[BaseException]:
    """An exception and those it was raised from or during, outermost first."""
    while error is not None:
        yield error
        error = error.__cause__ or error.__context__


def test_the_guard_is_on_for_the_session() -> None:
    assert GUARD.installed
    assert socket.socket.connect is not socket.SocketType.connect  # ours, over _socket's


def test_a_connect_past_loopback_is_refused_before_anything_is_sent(
    listener: socket.socket,
) -> None:
    with socket.socket() as sock, GUARD.expected() as refused:
        sock.settimeout(5)
        with pytest.raises(NetworkBlocked, match=rf"connect to {NOWHERE} port 9\b"):
            sock.connect((NOWHERE, 9))
        with pytest.raises(NetworkBlocked):
            sock.connect_ex((NOWHERE, 9))
        # The same socket then connects to loopback: no connection to 192.0.2.1 was under
        # way (that would be EALREADY), so the refusal came before the system call.
        sock.connect(listener.getsockname())

    assert len(refused) == 2
    assert all(f"{NOWHERE} port 9" in line and "tests/network_guard.py" in line for line in refused)


def test_names_other_than_localhost_are_not_looked_up() -> None:
    with GUARD.expected() as refused:
        with pytest.raises(NameBlocked, match=r"'example\.invalid'") as caught:
            socket.create_connection(("example.invalid", 443), timeout=5)
        assert isinstance(caught.value, socket.gaierror)  # what a failed lookup raises
        with pytest.raises(NameBlocked):
            socket.getaddrinfo("api.telegram.org", 443)
        with pytest.raises(NameBlocked):
            socket.gethostbyname("discord.com")
        # A name in a connect address is resolved by C code, past getaddrinfo: refused there.
        with socket.socket() as sock, pytest.raises(NetworkBlocked, match=r"example\.invalid"):
            sock.connect(("example.invalid", 443))

    assert len(refused) == 4
    # Numeric addresses resolve without a query: their connect is what gets judged.
    assert socket.getaddrinfo(NOWHERE, 9, type=socket.SOCK_STREAM)[0][4] == (NOWHERE, 9)


def test_ipv6_and_datagrams_past_loopback_are_refused() -> None:
    with GUARD.expected() as refused:
        with (
            socket.socket(socket.AF_INET6) as sock,
            pytest.raises(NetworkBlocked, match=f"{NOWHERE_V6} port 9"),
        ):
            sock.connect((NOWHERE_V6, 9))
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            with pytest.raises(NetworkBlocked, match="send a datagram"):
                udp.sendto(b"x", (NOWHERE, 9))
            with pytest.raises(NetworkBlocked, match="send a message"):
                udp.sendmsg([b"x"], [], 0, (NOWHERE, 9))

    assert len(refused) == 3


async def test_asyncio_connections_past_loopback_are_refused() -> None:
    """The selector loop's path: create_connection → sock_connect → a non-blocking connect."""
    loop = asyncio.get_running_loop()
    with GUARD.expected() as refused:
        with pytest.raises(NetworkBlocked, match=f"{NOWHERE} port 9"):
            await asyncio.open_connection(NOWHERE, 9)
        with pytest.raises(NameBlocked):
            await loop.getaddrinfo("example.invalid", 443)  # in the loop's executor thread
        with socket.socket() as sock:
            sock.setblocking(False)
            with pytest.raises(NetworkBlocked):
                await loop.sock_connect(sock, (NOWHERE, 9))
        with pytest.raises(NetworkBlocked):
            await loop.create_datagram_endpoint(asyncio.DatagramProtocol, remote_addr=(NOWHERE, 9))

    assert len(refused) == 4


async def test_http_clients_stop_at_the_guard() -> None:
    """httpx (python-telegram-bot's client) and aiohttp (discord.py's) both end at the guard,
    by address and by name, wrapped in their own errors."""
    with GUARD.expected() as refused:
        async with httpx.AsyncClient() as client:
            with pytest.raises(httpx.ConnectError) as by_address:
                await client.get(f"http://{NOWHERE}:9/")
            with pytest.raises(httpx.ConnectError):
                await client.get("https://api.telegram.invalid/bot/getMe")
        async with aiohttp.ClientSession() as session:
            with pytest.raises(aiohttp.ClientConnectorError) as aio_address:
                await session.get(f"http://{NOWHERE}:9/")
            with pytest.raises(aiohttp.ClientConnectorError):
                await session.get("https://discord.invalid/api/v10/gateway")

    # httpx wraps httpcore's error, which wraps anyio's summary of the attempts; aiohttp keeps
    # the error it met.
    assert any(isinstance(error, NetworkBlocked) for error in chain(by_address.value))
    assert isinstance(aio_address.value.os_error, NetworkBlocked)
    assert [line.split(";")[0] for line in refused] == [
        f"network guard: refused to connect to {NOWHERE} port 9",
        "network guard: refused to look up the name 'api.telegram.invalid' (port 443)",
        f"network guard: refused to connect to {NOWHERE} port 9",
        "network guard: refused to look up the name 'discord.invalid' (port 443)",
    ]


async def test_loopback_localhost_and_unix_sockets_still_work(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(await reader.readline())
        await writer.drain()
        writer.close()
        await writer.wait_closed()

    async def round_trip(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bytes:
        writer.write(b"ping\n")
        await writer.drain()
        line = await reader.readline()
        writer.close()
        await writer.wait_closed()
        return line

    hosts = ["127.0.0.1", "localhost", "127.1.2.3"] + (["::1"] if ipv6_loopback() else [])
    for host in hosts:
        server = await asyncio.start_server(echo, host, 0)
        port = server.sockets[0].getsockname()[1]
        async with server:
            assert await round_trip(*await asyncio.open_connection(host, port)) == b"ping\n"
            async with httpx.AsyncClient() as client:  # a refused request would raise
                with pytest.raises(httpx.RemoteProtocolError):  # the echo is no HTTP reply
                    await client.get(f"http://{host}:{port}/".replace("::1", "[::1]"))

    # A short folder: a unix socket's path is limited to about 100 characters.
    path = tmp_path_factory.mktemp("sock") / "s"
    server = await asyncio.start_unix_server(echo, path)
    async with server:
        assert await round_trip(*await asyncio.open_unix_connection(path)) == b"ping\n"

    with (
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as into,
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as out,
    ):
        into.bind(("127.0.0.1", 0))
        out.sendto(b"datagram", into.getsockname())
        assert into.recv(16) == b"datagram"


def test_a_swallowed_refusal_still_fails_its_test(tmp_path: Path) -> None:
    """The session plugin in a pytest run of its own: tests that swallow a refusal (a client
    that catches OSError and retries) fail, in the phase the refusal happened in; one outside
    any test fails the run; tests that stay on loopback or expect the refusal pass."""
    (tmp_path / "pytest.ini").write_text(
        "[pytest]\nasyncio_default_fixture_loop_scope = function\n", encoding="utf-8"
    )
    (tmp_path / "conftest.py").write_text(
        textwrap.dedent(
            """\
            from tests import network_guard

            def pytest_configure(config):
                config.pluginmanager.register(network_guard.SessionPlugin(), "network-guard")
            """
        ),
        encoding="utf-8",
    )
    (tmp_path / "test_offline.py").write_text(
        textwrap.dedent(
            f"""\
            import asyncio
            import socket

            import aiohttp
            import pytest

            from tests.network_guard import GUARD

            assert GUARD.installed  # or nothing below may try
            try:  # at import, outside any test
                socket.getaddrinfo("import-time.invalid", 80)
            except OSError:
                pass


            def swallowed():
                assert GUARD.installed
                try:
                    socket.create_connection(("{NOWHERE}", 9), timeout=1).close()
                except OSError:
                    pass


            def test_swallows_a_refused_connect():
                swallowed()


            def test_a_client_retries_then_gives_up_quietly():
                async def fetch():
                    async with aiohttp.ClientSession() as session:
                        for _ in range(3):
                            try:
                                await session.get("http://{NOWHERE}:9/")
                            except aiohttp.ClientError:
                                continue

                asyncio.run(fetch())


            def test_fails_on_its_own_as_well():
                swallowed()
                assert 1 == 2


            @pytest.fixture
            def connects_at_teardown():
                yield
                swallowed()


            def test_clean_but_its_fixture_is_not(connects_at_teardown):
                pass


            @pytest.mark.xfail(reason="an expected failure is no licence")
            def test_marked_xfail():
                swallowed()
                raise AssertionError


            def test_expects_the_refusal():
                with GUARD.expected() as refused:
                    swallowed()
                assert len(refused) == 1


            def test_stays_on_loopback():
                with socket.create_server(("127.0.0.1", 0)) as server:
                    socket.create_connection(server.getsockname()).close()
            """
        ),
        encoding="utf-8",
    )
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
    }

    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-rfEX", "-p", "no:cacheprovider", "test_offline.py"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    out = done.stdout + done.stderr
    assert done.returncode == pytest.ExitCode.TESTS_FAILED, out
    failed = {line.split()[1] for line in done.stdout.splitlines() if line.startswith("FAILED ")}
    errors = {line.split()[1] for line in done.stdout.splitlines() if line.startswith("ERROR ")}
    assert failed == {
        "test_offline.py::test_swallows_a_refused_connect",
        "test_offline.py::test_a_client_retries_then_gives_up_quietly",
        "test_offline.py::test_fails_on_its_own_as_well",
        "test_offline.py::test_marked_xfail",
    }, out
    assert errors == {"test_offline.py::test_clean_but_its_fixture_is_not"}, out
    assert "4 failed, 3 passed, 1 error" in done.stdout, out
    assert f"refused to connect to {NOWHERE} port 9" in done.stdout
    assert "assert 1 == 2" in done.stdout  # the test's own failure, with the refusal beside it
    assert "network guard: refused outside any test" in done.stdout
    assert "refused to look up the name 'import-time.invalid'" in done.stdout
