"""The notebooks' validation set-up: nbval really compares numbers, outputs are deterministic,
and `make test` validates every notebook. (That every nbval marker says why is a notebook content
rule: tests/notebook_rules.py.)"""

from __future__ import annotations

import copy
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from infra_support import (
    NOTEBOOKS_DIR, REPO, SANITIZE_CFG, START_NOTEBOOK, WORKED_EXAMPLE, cell_compared_by_nbval,
    mirror_repo, notebooks, sanitize, sanitize_patterns, text_outputs,
)

nbformat = pytest.importorskip("nbformat")

# The learner's sequence: notebooks numbered 00, 01, ... with no gap and at least 00 ... 07.
# Notebooks outside the sequence (for teachers) carry no number.
MIN_NOTEBOOKS = 8


def _notebook_ids():
    return [p.name for p in notebooks()] or ["<no notebooks>"]


def _notebook_params():
    # An empty notebooks/ must fail (the notebooks are part of the product), not skip.
    return notebooks() or [NOTEBOOKS_DIR / "<no notebooks>"]


def test_every_curriculum_notebook_exists():
    names = [p.name for p in notebooks()]
    assert names, f"no notebooks in {NOTEBOOKS_DIR}"
    numbers = [name[:2] for name in names if name[:2].isdigit()]
    expected = [f"{n:02d}" for n in range(max(MIN_NOTEBOOKS, len(numbers)))]
    assert numbers == expected, f"expected one notebook per number 00..{expected[-1]}, found {names}"
    assert START_NOTEBOOK in names and WORKED_EXAMPLE in names, names


def test_make_test_runs_dev_py_test():
    # Run as from a shell, also when this test itself runs under `make test` (a nested make
    # would print "Entering directory" lines).
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS", "MAKEOVERRIDES")}
    out = subprocess.run(["make", "--no-print-directory", "-n", "test"], cwd=REPO, capture_output=True, text=True,
                         env=env)
    assert out.returncode == 0, out.stderr
    lines = [line for line in out.stdout.splitlines() if line.strip()]
    assert len(lines) == 1 and "dev.py test" in lines[0], out.stdout


def test_dev_py_test_validates_every_notebook_with_nbval(tmp_path):
    stamp = tmp_path / "installed"  # newer than pyproject.toml: dev.py shows only the test command
    stamp.touch()
    out = subprocess.run([sys.executable, "dev.py", "test", "--dry-run", "--venv", sys.prefix, "--stamp", str(stamp)],
                         cwd=REPO, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    cmd = [line for line in out.stdout.splitlines() if "-m pytest" in line]
    assert len(cmd) == 1, out.stdout
    words = cmd[0].split()
    for option in ("--nbval", "--nbval-current-env", "--nbval-sanitize-with", "tests"):
        assert option in words, cmd[0]
    assert "--nbval-lax" not in words
    assert words[words.index("--nbval-sanitize-with") + 1] == "tests/nbval_sanitize.cfg"
    for nb in notebooks():
        assert f"notebooks/{nb.name}" in words, f"{nb.name} is not validated by make test"


# --- the sanitize rules touch only volatile text ---------------------------------------------

@pytest.mark.parametrize("volatile, expected", [
    ("<Figure size 640x480 with 1 Axes>", "<Figure>"),
    ("<Figure size 1000x300 with 3 Axes>", "<Figure>"),
    ("<bpnet.core.network.Network object at 0x7f3a5c2e1d90>", "<bpnet.core.network.Network object at 0xADDRESS>"),
    ("12.3 µs ± 1.02 µs per loop (mean ± std. dev. of 7 runs, 100,000 loops each)", "TIMEIT"),
    ("Wall time: 1.52 s", "Wall time: TIME"),
    ("one epoch took 0.031 s", "one epoch took TIME"),
])
def test_sanitize_rules_hide_volatile_text(volatile, expected):
    assert sanitize(volatile) == expected


@pytest.mark.parametrize("teaching_text", [
    "w(X0->Z1) := w - lr*g = 1 - 0.1*(-4) = 1.4",
    "step 12 of 45 — update",
    "D0 = 4, loss 1/2*(yhat - y)^2 = 8.0, after the step 1.68 (loss 1.41)",
    "epoch 200: mean loss 0.250000, predictions [0.5 0.5 0.5 0.5]",
    "X0->Zk 0.35, Z1..Z3->D0 -0.45 after 1 step in 4 samples",
    "[[1.  1.  1. ]\n [0.6 0.6 0.6]]",
])
def test_sanitize_rules_leave_teaching_numbers_alone(teaching_text):
    assert sanitize(teaching_text) == teaching_text


def test_sanitize_file_is_read_the_way_nbval_reads_it():
    patterns = sanitize_patterns()
    assert len(patterns) >= 4, SANITIZE_CFG.read_text()
    for regex, _ in patterns:
        re.compile(regex)


# --- nbval really compares stored numbers -----------------------------------------------------

def _one_digit_change(nb):
    """(cell index, altered notebook) with one digit of a compared stored text output changed."""
    patterns = sanitize_patterns()
    code_index = -1
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        code_index += 1
        if not cell_compared_by_nbval(cell):
            continue
        for out_index, out in enumerate(cell.get("outputs", [])):
            if out.get("output_type") == "stream":
                field = ("text",)
            elif out.get("output_type") == "execute_result" and "text/plain" in out.get("data", {}):
                field = ("data", "text/plain")
            else:
                continue
            holder = out
            for key in field[:-1]:
                holder = holder[key]
            text = holder[field[-1]]
            text = "".join(text) if isinstance(text, list) else text
            for m in re.finditer(r"\d", text):
                digit = m.group()
                altered = text[:m.start()] + str((int(digit) + 1) % 10) + text[m.end():]
                if sanitize(altered, patterns) != sanitize(text, patterns):
                    changed = copy.deepcopy(nb)
                    target = changed.cells[index]["outputs"][out_index]
                    for key in field[:-1]:
                        target = target[key]
                    target[field[-1]] = altered
                    where = f"code cell {code_index}, output {out_index}: {text[max(0, m.start() - 30):m.end() + 30]!r}"
                    return where, changed
    return None, None


@pytest.mark.slow
def test_nbval_fails_on_a_one_digit_change_in_a_stored_number(tmp_path):
    assert notebooks(), f"no notebooks in {NOTEBOOKS_DIR}"
    # Prefer the worked example: its stored outputs are the article's numbers.
    ordered = sorted(notebooks(), key=lambda p: (p.name != WORKED_EXAMPLE, p.name))
    for path in ordered:
        nb = nbformat.read(path, as_version=4)
        where, altered = _one_digit_change(nb)
        if altered is not None:
            break
    else:
        pytest.fail("no notebook has a compared stored output containing a digit")

    root = mirror_repo(tmp_path / "repo")
    probe_dir = root / "notebooks"
    unaltered_copy = probe_dir / f"zz_unaltered_{path.name}"
    altered_copy = probe_dir / f"zz_altered_{path.name}"
    nbformat.write(nb, unaltered_copy)
    nbformat.write(altered, altered_copy)
    (root / "pytest.ini").write_text("[pytest]\n")  # no project ini options in the nested run
    cmd = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rA", "-c", str(root / "pytest.ini"),
           "--nbval", "--nbval-current-env", "--nbval-sanitize-with", str(SANITIZE_CFG),
           str(unaltered_copy), str(altered_copy)]
    run = subprocess.run(cmd, cwd=root, capture_output=True, text=True, timeout=1800)
    report = run.stdout + run.stderr
    lines = report.splitlines()
    failed = [line for line in lines if line.startswith(("FAILED", "ERROR"))]
    passed = [line for line in lines if line.startswith("PASSED")]
    assert run.returncode == 1, f"nbval should fail on the altered copy ({where}):\n{report[-6000:]}"
    assert len(failed) == 1 and altered_copy.name in failed[0], "only the altered cell may fail:\n" + report[-6000:]
    assert any(unaltered_copy.name in line for line in passed), report[-6000:]


# --- determinism: two fresh runs give the same text ------------------------------------------

def _execute(path: Path):
    from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    class CurrentEnvKernels(KernelSpecManager):
        """The kernel is this very Python, whatever kernelspecs the machine has."""

        def get_kernel_spec(self, kernel_name):
            return KernelSpec(argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                              display_name="current env", language="python")

    nb = nbformat.read(path, as_version=4)
    km = KernelManager(kernel_name="current-env", kernel_spec_manager=CurrentEnvKernels())
    NotebookClient(nb, km=km, timeout=600, resources={"metadata": {"path": str(path.parent)}},
                   store_widget_state=False).execute()
    return nb


@pytest.mark.slow
@pytest.mark.parametrize("path", _notebook_params(), ids=_notebook_ids())
def test_notebook_runs_are_deterministic(path):
    assert path.exists(), f"no notebooks in {NOTEBOOKS_DIR}"
    nb = nbformat.read(path, as_version=4)
    stored = text_outputs(nb)
    first = text_outputs(_execute(path))
    second = text_outputs(_execute(path))
    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    assert len(first) == len(second) == len(stored) == len(code_cells)
    for cell, (code, a, b, kept) in enumerate(zip(code_cells, first, second, stored)):
        if not cell_compared_by_nbval(code):  # declared volatile, with a reason (test above)
            continue
        assert a == b, f"{path.name} code cell {cell} differs between two fresh runs:\n{a}\n---\n{b}"
        assert a == kept, f"{path.name} code cell {cell}: a fresh run differs from the stored outputs:\n{a}\n---\n{kept}"
