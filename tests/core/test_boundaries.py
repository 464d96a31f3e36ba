"""The editorial core never imports a chat-platform library: adapters depend on it, never back."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import bot.core

PLATFORM_LIBRARIES = ("telegram", "discord")


def test_every_core_module_imports_with_the_platform_libraries_blocked() -> None:
    modules = sorted(f"bot.core.{m.name}" for m in pkgutil.iter_modules(bot.core.__path__))
    blocked = ", ".join(f"{name!r}: None" for name in PLATFORM_LIBRARIES)
    # A None entry in sys.modules makes any import of that name fail at once.
    program = (
        f"import sys; sys.modules.update({{{blocked}}})\n"
        + "".join(f"import {module}\n" for module in modules)
        + "print(len([m for m in sys.modules if m.startswith('bot.core.')]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) >= len(modules) >= 10
