"""Fake-data generators (lib/fakes/) live apart from the runtime code: no runtime module imports them.

The only door is lib/__main__.py, whose `demo` and `generate` commands import them lazily, inside the command.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FAKES = "lib.fakes"
# The functions of lib/__main__.py allowed to import the generators (lazily, when the command runs).
ALLOWED = {"lib/__main__.py": {"cmd_demo", "cmd_generate"}}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _package_of(path: Path) -> str:
    """The package a file's relative imports start from: itself for an __init__.py, else its parent."""
    name = _module_name(path)
    return name if path.name == "__init__.py" else name.rpartition(".")[0]


def _imported_modules(node: ast.AST, package: str) -> list[str]:
    """The absolute module names an import statement names, relative imports resolved from `package`."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom):
        if node.level:
            parts = package.split(".")
            base = ".".join(parts[: len(parts) - node.level + 1])
            target = f"{base}.{node.module}" if node.module else base
        else:
            target = node.module or ""
        # `from lib import fakes` names lib.fakes through its alias.
        return [target] + [f"{target}.{alias.name}" for alias in node.names]
    return []


def _names_fakes(name: str) -> bool:
    return name == FAKES or name.startswith(FAKES + ".")


def fakes_imports(source: str, package: str, allowed_functions: set[str]) -> list[str]:
    """Every import of lib.fakes in `source` outside the allowed top-level functions: « line: name »."""
    tree = ast.parse(source)
    allowed_nodes: set[int] = set()
    for top in tree.body:
        if isinstance(top, ast.FunctionDef | ast.AsyncFunctionDef) and top.name in allowed_functions:
            allowed_nodes.update(id(inner) for inner in ast.walk(top))
    found = []
    for node in ast.walk(tree):
        if id(node) in allowed_nodes:
            continue
        for name in _imported_modules(node, package):
            if _names_fakes(name):
                found.append(f"{getattr(node, 'lineno', 0)}: {name}")
        # importlib.import_module("lib.fakes…") / __import__("lib.fakes…"): a string naming the package.
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and _names_fakes(node.value.strip()):
            found.append(f"{node.lineno}: {node.value}")
    return found


def _runtime_files() -> list[Path]:
    files = [p for p in (REPO / "lib").rglob("*.py") if (REPO / "lib" / "fakes") not in p.parents]
    files += list((REPO / "views").glob("*.py")) + [REPO / "app.py"]
    return sorted(files)


def test_the_generators_live_in_lib_fakes() -> None:
    for name in ("demo", "demo_store", "scale"):
        assert (REPO / "lib" / "fakes" / f"{name}.py").is_file()
        assert not (REPO / "lib" / f"{name}.py").exists(), f"lib/{name}.py belongs in lib/fakes/"


def test_no_runtime_module_imports_the_fake_data_generators() -> None:
    files = _runtime_files()
    assert REPO / "lib" / "__main__.py" in files and REPO / "lib" / "store" / "__init__.py" in files
    offenders = {}
    for path in files:
        relative = path.relative_to(REPO).as_posix()
        found = fakes_imports(path.read_text(encoding="utf-8"), _package_of(path), ALLOWED.get(relative, set()))
        if found:
            offenders[relative] = found
    assert offenders == {}


def test_the_cli_commands_demo_and_generate_do_import_them_lazily() -> None:
    source = (REPO / "lib" / "__main__.py").read_text(encoding="utf-8")
    everywhere = [found.split(": ")[1] for found in fakes_imports(source, "lib", set())]
    assert sorted(everywhere) == ["lib.fakes", "lib.fakes", "lib.fakes.demo_store", "lib.fakes.scale"]
    assert fakes_imports(source, "lib", ALLOWED["lib/__main__.py"]) == []


@pytest.mark.parametrize(
    "source",
    [
        "import lib.fakes.demo\n",
        "import lib.fakes as f\n",
        "from lib.fakes import scale\n",
        "from lib.fakes.demo_store import build_demo_store\n",
        "from lib import digest, fakes\n",
        "from .fakes import demo\n",
        "from . import fakes\n",
        "import importlib\nimportlib.import_module('lib.fakes.scale')\n",
        "def cmd_other() -> None:\n    from lib.fakes import scale\n",
        "def cmd_demo() -> None:\n    pass\n\n\nfrom lib.fakes import demo_store\n",
        "class C:\n    def cmd_demo(self) -> None:\n        from lib.fakes import demo_store\n",
    ],
)
def test_the_check_catches_every_way_of_importing_them(source: str) -> None:
    assert fakes_imports(source, "lib", {"cmd_demo", "cmd_generate"}) != []


@pytest.mark.parametrize(
    "source",
    [
        "import lib.fakery\n",
        "from lib import digest\n",
        "from lib.store import Store\n",
        "def cmd_demo() -> None:\n    from lib.fakes import demo_store\n",
        "def cmd_generate() -> None:\n    from lib.fakes import scale\n",
    ],
)
def test_the_check_lets_the_rest_through(source: str) -> None:
    assert fakes_imports(source, "lib", {"cmd_demo", "cmd_generate"}) == []


def test_the_check_resolves_relative_imports_from_a_subpackage() -> None:
    assert fakes_imports("from .. import fakes\n", "lib.store", set()) == ["1: lib.fakes"]
    assert fakes_imports("from ..fakes.scale import generate_scale\n", "lib.store", set()) != []
    assert fakes_imports("from . import fakes\n", "lib.store", set()) == []  # lib.store.fakes, another module


def test_importing_every_runtime_module_loads_no_generator() -> None:
    """Imported for real, in a fresh interpreter: not even a transitive import brings lib.fakes in."""
    modules = sorted({_module_name(p) for p in _runtime_files() if p.parent.name != "views" and p.name != "app.py"})
    script = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "print(sorted(m for m in sys.modules if m == 'lib.fakes' or m.startswith('lib.fakes.')))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "lib.__main__" in modules and "lib.store" in modules
    assert done.stdout.strip() == "[]"
