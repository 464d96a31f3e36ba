"""python-telegram-bot over aiohttp (transport.py): parameters as a form, files as a multipart
form, PTB's timeouts and errors, and never the token in an error's words."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest
from aiohttp import web
from telegram import InputFile
from telegram.error import NetworkError, TimedOut
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from bot.adapters.telegram.transport import AiohttpRequest, _body

TOKEN_URL = "/bot4242:standin-secret-token/sendMessage"


async def test_parameters_go_as_a_form_and_files_as_a_multipart_form() -> None:
    plain = RequestData(
        [RequestParameter.from_input("chat_id", 7), RequestParameter.from_input("text", "Halo")]
    )
    assert _body(plain) == {"chat_id": "7", "text": "Halo"}

    photo = InputFile(b"\x89PNG...", filename="timeline.png")
    with_file = RequestData(
        [RequestParameter.from_input("chat_id", 7), RequestParameter.from_input("photo", photo)]
    )
    form = _body(with_file)
    assert isinstance(form, aiohttp.FormData)
    assert form.is_multipart
    assert _body(None) is None


async def serve(handler: web.StreamResponse | object) -> tuple[web.AppRunner, str]:
    app = web.Application()
    app.router.add_post("/{path:.*}", handler)  # type: ignore[arg-type]
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://127.0.0.1:{port}"


async def test_an_answer_comes_back_as_status_and_body() -> None:
    async def answer(request: web.Request) -> web.Response:
        form = await request.post()
        return web.json_response({"ok": True, "result": {"echo": form["text"]}}, status=200)

    runner, base = await serve(answer)
    request = AiohttpRequest(2)
    await request.initialize()
    try:
        data = RequestData([RequestParameter.from_input("text", "Halo")])
        status, body = await request.do_request(base + TOKEN_URL, "POST", data)
    finally:
        await request.shutdown()
        await runner.cleanup()
    assert status == 200 and b'"echo": "Halo"' in body


async def test_a_slow_answer_is_ptbs_timed_out() -> None:
    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(1.0)
        return web.json_response({"ok": True, "result": True})

    runner, base = await serve(slow)
    request = AiohttpRequest(2, read_timeout=0.2)
    await request.initialize()
    try:
        with pytest.raises(TimedOut):
            await request.do_request(base + TOKEN_URL, "POST")
    finally:
        await request.shutdown()
        await runner.cleanup()


async def test_a_refused_connection_is_a_network_error_without_the_token() -> None:
    async def nothing(request: web.Request) -> web.Response:
        return web.Response()

    runner, base = await serve(nothing)
    await runner.cleanup()  # nothing listens there any more
    request = AiohttpRequest(2)
    await request.initialize()
    try:
        with pytest.raises(NetworkError) as failed:
            await request.do_request(base + TOKEN_URL, "POST")
    finally:
        await request.shutdown()
    assert "standin-secret-token" not in str(failed.value)
    assert str(failed.value).startswith("aiohttp.")


async def test_a_request_before_initialize_is_refused() -> None:
    with pytest.raises(RuntimeError, match="not initialized"):
        await AiohttpRequest(1).do_request("http://127.0.0.1:9" + TOKEN_URL, "POST")
