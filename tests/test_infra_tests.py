"""The tests keep to the rules they hold the package to: public names only, and no test module
imported by another.

- No test reads or calls a private name (``obj._x``, ``from bpnet.m import _x``, a private module
  ``bpnet.m._x``): a test checks what a user can see, so a rewrite that keeps the behaviour keeps
  the tests. Exempt are the names other libraries call by protocol: IPython's display hooks
  (``_repr_markdown_``, ``_repr_mimebundle_``, ...), Jupyter Server's extension entry points and
  ipywidgets' list of CSS classes (``_dom_classes``), and the names a test file defines itself
  (e.g. a learner's micrograd ``Value`` with its ``_backward``, which a checker must accept).
- No test module imports another (``from test_x import ...``): what tests share lives in
  tests/conftest.py (fixtures) or in a helpers module that is not a ``test_*.py`` file
  (infra_support.py, notebook_rules.py, trace_cases.py).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent

#: Names other libraries call by protocol, so a test may call or read them too.
PROTOCOL = re.compile(r"_repr_\w+_|_ipython_display_|_load_jupyter_server_extension|_jupyter_server_extension_points"
                      r"|_dom_classes")


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__")) and not PROTOCOL.fullmatch(name)


def _defined_here(tree: ast.AST) -> set[str]:
    """The private names a file defines itself: functions, classes, attributes it assigns, parameters."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            names.add(node.attr)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
    return {n for n in names if n.startswith("_")}


def rule_problems(folder: Path) -> list[str]:
    """Every use of another module's private name and every import of a test module in ``folder``'s .py files."""
    problems = []
    for path in sorted(folder.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        own = _defined_here(tree)
        where = lambda node: f"{path.name}:{node.lineno}"  # noqa: E731
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
                names: list[str] = []
            elif isinstance(node, ast.ImportFrom) and not node.level:
                modules, names = [node.module or ""], [alias.name for alias in node.names]
            elif isinstance(node, ast.Attribute) and _private(node.attr) and node.attr not in own:
                problems.append(f"{where(node)} uses the private name .{node.attr}")
                continue
            else:
                continue
            for module in modules:
                if module.split(".")[0].startswith("test_"):
                    problems.append(f"{where(node)} imports the test module {module}")
                elif any(_private(part) for part in module.split(".")):
                    problems.append(f"{where(node)} imports the private module {module}")
            private = [name for name in names if _private(name)]
            if private:
                problems.append(f"{where(node)} imports private names {private} from {modules[0]}")
    return problems


#: Known breaks still to be mended (tests that redraw a widget through its private _show); the list
#: only shrinks: a break that is gone fails here too, until it is taken off.
KNOWN = {
    "test_batch_steps.py:39 uses the private name ._show", "test_batch_steps.py:62 uses the private name ._show",
    "test_batch_steps.py:67 uses the private name ._show", "test_batch_steps.py:77 uses the private name ._show",
    "test_batch_steps.py:89 uses the private name ._show", "test_figure_labels.py:53 uses the private name ._fig",
    "test_figure_labels.py:57 uses the private name ._show",
}


def test_tests_use_public_names_and_import_no_test_module():
    problems = set(rule_problems(TESTS))
    assert problems - KNOWN == set(), "\n".join(sorted(problems - KNOWN))
    assert KNOWN - problems == set(), f"mended, take off KNOWN: {sorted(KNOWN - problems)}"


@pytest.mark.parametrize("source, expected", [
    ("from bpnet.explain.trace import fmt, _display\n", "private names ['_display']"),
    ("import bpnet\nnet = bpnet.Network.random([2, 2, 1])\nnet._flat\n", "private name ._flat"),
    ("from bpnet.core import _checks\n", "private names ['_checks']"),
    ("import bpnet.core._checks\n", "private module bpnet.core._checks"),
    ("from test_browser_clean import lab\n", "test module test_browser_clean"),
    ("import test_layers as layers\n", "test module test_layers"),
])
def test_the_rule_catches_a_test_that_breaks_it(tmp_path, source, expected):
    """A copy of a real test file with one offending line added fails the rule, and only that line."""
    (tmp_path / "test_copy.py").write_text((TESTS / "test_layers.py").read_text(encoding="utf-8") + source)
    problems = rule_problems(tmp_path)
    assert len(problems) == 1 and expected in problems[0], problems


@pytest.mark.parametrize("source", [
    "md = obj._repr_markdown_()\n",  # IPython's display protocol
    "classes = widget._dom_classes\n",  # ipywidgets' CSS classes
    "class Value:\n    def __init__(self):\n        self._prev = ()\n\nv = Value()\nv._prev\n",  # its own class
    "from bpnet.__main__ import main\n",  # a dunder module is not private
])
def test_the_rule_lets_protocols_and_a_files_own_names_pass(tmp_path, source):
    (tmp_path / "test_copy.py").write_text(source)
    assert rule_problems(tmp_path) == []
