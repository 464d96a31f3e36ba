"""The core never imports a chat-platform library (nor the metrics' one), and its folders depend
only downstream: content → text → delivery, never back."""

from __future__ import annotations

import ast
import pkgutil
import subprocess
import sys
from pathlib import Path

import bot.core

# The platforms' libraries; and the metrics of `bot.ops`, which the core reports to through
# `delivery.observing`.
BLOCKED = ("telegram", "discord", "prometheus_client", "bot.ops")
CORE = Path(bot.core.__file__).parent
# What each folder must not import: whatever comes after it in the flow.
DOWNSTREAM = {
    "content": ("text", "delivery", "commands", "store", "library", "services"),
    "text": ("delivery", "commands", "store", "library", "services", "picture"),
    "picture": ("delivery", "commands", "store", "library", "services", "content"),
    "store": ("delivery", "commands", "library", "services", "content", "text"),
}


# Alembic's scripts: it runs them from their files during an upgrade (the store's tests run every
# one), and they cannot be imported as modules (env.py needs Alembic's context; a revision's name
# starts with its number). Their imports are checked from their source instead.
SCRIPTS = ("bot.core.store.migrations.env", "bot.core.store.migrations.versions.")


def _core_modules() -> list[str]:
    # walk_packages descends into every subpackage, so no module escapes the check.
    return sorted(m.name for m in pkgutil.walk_packages(bot.core.__path__, "bot.core."))


def test_every_core_module_imports_with_the_platform_libraries_blocked() -> None:
    modules = [name for name in _core_modules() if not name.startswith(SCRIPTS)]
    blocked = ", ".join(f"{name!r}: None" for name in BLOCKED)
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
    assert int(result.stdout) >= len(modules) >= 30


def test_alembic_s_scripts_import_no_platform_library() -> None:
    scripts = [CORE / "store" / "migrations" / "env.py"]
    scripts += sorted((CORE / "store" / "migrations" / "versions").glob("*.py"))
    assert len(scripts) >= 3
    for path in scripts:
        imported = {module.split(".")[0] for module in _imports(path)}
        assert not imported & set(BLOCKED), path


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_each_core_folder_imports_nothing_downstream_of_it() -> None:
    wrong = []
    for folder, downstream in DOWNSTREAM.items():
        for path in sorted((CORE / folder).rglob("*.py")):
            for module in _imports(path):
                parts = module.split(".")
                if parts[:2] == ["bot", "core"] and len(parts) > 2 and parts[2] in downstream:
                    wrong.append(f"{path.relative_to(CORE)} imports {module}")
    assert not wrong, "\n".join(wrong)


def test_every_core_package_says_in_its_first_line_what_it_owns() -> None:
    for package in [CORE, *(p.parent for p in CORE.glob("*/__init__.py"))]:
        first = (package / "__init__.py").read_text().splitlines()[0]
        assert first.startswith('"""') and len(first) > 20, package


def test_nothing_loads_matplotlib_until_a_picture_is_drawn() -> None:
    """matplotlib takes a good half second to import: the bot's start, the command line and
    every other command do without it."""
    program = (
        "import sys\n"
        "import bot.app, bot.cli, bot.core.commands, bot.core.library, bot.core.picture.draw\n"
        "import bot.core.picture.pictures\n"
        "print('matplotlib' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"
