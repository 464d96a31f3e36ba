"""`ringkas` as a real program against the stand-in: a config file pointing at it, and the
program run as an asyncio subprocess (the stand-in serves in the test's own event loop, so a
blocking `subprocess.run` would starve it)."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.conftest import CONTENT, REPO
from tests.reliability import leaks
from tests.standins.telegram import TelegramStandIn

DATABASE = "ringkas.sqlite3"  # in the test's folder: the same file `start_bot` uses


def telegram_config(folder: Path, api: TelegramStandIn, **sections: dict[str, Any]) -> Path:
    """A config file (JSON, which is YAML too) for `ringkas` against the stand-in."""
    data: dict[str, Any] = {
        "content": str(CONTENT),
        "database": DATABASE,
        "schedule": {"tick_seconds": 60, "watch_seconds": 0},
        "telegram": {
            "base_url": api.base_url,
            "base_file_url": api.base_file_url,
            "poll_timeout": 1,
            "timeouts": {"connect": 2, "read": 2, "write": 2, "pool": 2},
        },
        "delivery": {"backoff_seconds": 0.2},
    }
    for name, values in sections.items():
        data.setdefault(name, {}).update(values)
    path = folder / "ringkas.yaml"
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    return path


def environment(**variables: str) -> dict[str, str]:
    """This environment without any Ringkas variable, plus the given ones; the repo importable."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RINGKAS_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return {**env, **variables}


@dataclass(frozen=True)
class Finished:
    code: int
    out: str
    err: str


async def start(folder: Path, *args: str, env: dict[str, str]) -> asyncio.subprocess.Process:
    """`python -m bot ARGS` started in `folder`, its output piped."""
    leaks.register_environment(env)
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        cwd=folder,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def finish(process: asyncio.subprocess.Process, timeout: float = 20) -> Finished:
    """Wait for the program to end (killed if it does not); it never prints a traceback."""
    try:
        out, err = await asyncio.wait_for(process.communicate(), timeout)
    except TimeoutError:
        process.kill()
        out, err = await process.communicate()
        raise AssertionError(f"still running after {timeout} s:\n{err.decode()}") from None
    done = Finished(process.returncode or 0, out.decode(), err.decode())
    leaks.check_program_output(done.out, done.err)
    assert "Traceback" not in done.out + done.err, done.err
    return done


async def ringkas(folder: Path, *args: str, env: dict[str, str]) -> Finished:
    return await finish(await start(folder, *args, env=env))
