"""The package's folders are its layers, and imports only go down.

core (the maths) < explain (trace, autograd, mistakes, notation) < teach (checkers, files,
worksheets) < views (steppers, plots, widgets). A module may import from its own layer or a
lower one, never a higher one; the package's top-level modules (``__init__``, ``__main__``,
``lab``) sit above all four. No module imports another module's private name (one starting
with ``_``), nor a private module.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import bpnet

PACKAGE = Path(bpnet.__file__).parent
LAYERS = ("core", "explain", "teach", "views")


def _layer(module: str) -> int:
    """0-3 for a module in one of the four folders, 4 for the package's top-level modules."""
    parts = module.split(".")
    return LAYERS.index(parts[1]) if len(parts) >= 2 and parts[1] in LAYERS else len(LAYERS)


def _module_name(path: Path, root: Path) -> str:
    rel = path.relative_to(root.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def import_problems(root: Path) -> list[str]:
    """Every upward import and every import of a private name or module under ``root``."""
    problems = []
    for path in sorted(root.rglob("*.py")):
        name = _module_name(path, root)
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                if node.module == "__future__":
                    continue
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - node.level + 1]
                    target = ".".join(base + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                targets = [target] if node.module else [f"{target}.{a.name}" for a in node.names]
                private = [a.name for a in node.names if a.name.startswith("_")] if node.module else []
            elif isinstance(node, ast.Import):
                targets, private = [a.name for a in node.names], []
            else:
                continue
            for t in targets:
                if not t.startswith(root.name):
                    continue
                if any(p.startswith("_") and p not in ("__init__",) for p in t.split(".")):
                    problems.append(f"{name}:{node.lineno} imports the private module {t}")
                if _layer(t) > _layer(name):
                    problems.append(f"{name}:{node.lineno} imports {t}, a layer above it")
            if private and targets[0] != name:
                problems.append(f"{name}:{node.lineno} imports private names {private} from {targets[0]}")
    return problems


def test_every_module_sits_in_a_layer_folder_or_at_the_top():
    top = {p.name for p in PACKAGE.glob("*.py")}
    assert top == {"__init__.py", "__main__.py", "lab.py"}, top
    assert {p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name != "__pycache__"} == set(LAYERS)


#: Known breaks still to be mended; the list only shrinks (a break that is gone fails here too).
KNOWN: set[str] = set()


def test_imports_only_go_down_and_never_take_a_private_name():
    assert set(import_problems(PACKAGE)) == KNOWN


@pytest.mark.parametrize("layer, source, expected", [
    ("core", "from ..views.plots import draw_network\n", "a layer above it"),
    ("views", "from ..explain.trace import _select\n", "private names"),
    ("views", "from ..core._checks import lookup\n", "private module"),
])
def test_the_layer_check_catches_a_module_that_breaks_it(tmp_path, layer, source, expected):
    root = tmp_path / "bpnet"
    for folder in LAYERS:
        (root / folder).mkdir(parents=True)
        (root / folder / "__init__.py").write_text("")
    (root / "__init__.py").write_text("")
    (root / layer / "broken.py").write_text(source)
    problems = import_problems(root)
    assert len(problems) == 1 and expected in problems[0], problems


def test_the_modules_of_the_flat_layout_still_import_as_the_same_objects():
    import importlib
    for old, new in bpnet.MOVED_MODULES.items():
        moved = importlib.import_module(f"bpnet.{old}")
        assert moved is importlib.import_module(f"bpnet.{new}"), old
        assert moved.__spec__.name == f"bpnet.{new}"


def test_an_installed_bpnet_has_every_folder_and_the_data_it_reads():
    """``pip install .`` (as on Binder) installs the packages pyproject.toml names, no more."""
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib
    config = tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text())["tool"]["setuptools"]
    folders = {".".join(p.parent.relative_to(PACKAGE.parent).parts) for p in PACKAGE.rglob("__init__.py")}
    assert set(config["packages"]) == folders
    data = {p.relative_to(PACKAGE).as_posix() for p in PACKAGE.rglob("*")
            if p.is_file() and p.suffix not in (".py", ".pyc") and "__pycache__" not in p.parts}
    patterns = {f"{pkg.replace('.', '/')[len('bpnet/'):]}/{pat}" for pkg, pats in config["package-data"].items()
                for pat in pats}
    import fnmatch
    assert all(any(fnmatch.fnmatch(f, pat) for pat in patterns) for f in data), (data, patterns)
