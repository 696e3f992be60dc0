"""The notebooks' validation set-up: nbval really compares numbers, and `make test` validates every
notebook. (That every nbval marker says why is a notebook content rule: tests/notebook_rules.py.)

That a notebook's outputs are deterministic needs no run of its own: `make test` runs each notebook
in a fresh kernel (stage ``browser``: Run All in JupyterLab, trainings perturbed at the 12th digit,
on other BLAS kernels, compared as nbval compares; without that stage, nbval in stage ``tests``), and
the run must give the stored outputs."""

from __future__ import annotations

import copy
import os
import re
import shlex
import subprocess
import sys

import pytest

from infra_support import (
    NOTEBOOKS_DIR, REPO, SANITIZE_CFG, START_NOTEBOOK, WORKED_EXAMPLE, cell_compared_by_nbval, dev_module,
    output_differences, mirror_repo, notebooks, sanitize, sanitize_patterns,
)

nbformat = pytest.importorskip("nbformat")

# The learner's sequence: notebooks numbered 00, 01, ... with no gap and at least 00 ... 07.
# Notebooks outside the sequence (for teachers) carry no number.
MIN_NOTEBOOKS = 8


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


def test_make_test_fast_runs_dev_py_test_fast():
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS", "MAKEOVERRIDES")}
    out = subprocess.run(["make", "--no-print-directory", "-n", "test-fast"], cwd=REPO, capture_output=True, text=True,
                         env=env)
    assert out.returncode == 0, out.stderr
    lines = [line for line in out.stdout.splitlines() if line.strip()]
    assert len(lines) == 1 and "dev.py test --fast" in lines[0], out.stdout


def _dry_run(*args: str) -> list[list[str]]:
    """The pytest commands ``python dev.py test ARGS`` runs, each as its words (variables first)."""
    out = subprocess.run([sys.executable, "dev.py", "test", "--dry-run", "--venv", sys.prefix, "--stamp", __file__, *args],
                         cwd=REPO, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    return [shlex.split(line) for line in out.stdout.splitlines() if " -m pytest " in line]


def _marker_expression(words: list[str]) -> str:
    """The -m option pytest is given (after ``python -m pytest``)."""
    options = words[words.index("pytest") + 1:]
    return options[options.index("-m") + 1]


def test_dev_py_test_runs_every_test_and_nbval_stands_in_for_the_browser_stage():
    # Every test is in one stage: the first takes all but the browser's, the last only those (the
    # click-latency measurement only when the stages run one at a time, on a quiet machine).
    commands = _dry_run("--workers", "2")
    (first,) = [c for c in commands if _marker_expression(c) == "not browser"]  # the tests stage
    assert "tests" in first and "--nbval" not in first and not any(w.endswith(".ipynb") for w in first), first
    # the browser stage, beside it, in two shares that together run every browser test (tests/test_infra_cpu.py)
    browser = [c for c in commands if c is not first]
    assert all(_marker_expression(c) == "browser and not latency" for c in browser), browser
    assert [c[c.index("--notebook-shard") + 1] for c in browser] == ["0/2", "1/2"], browser
    (alone,) = [c for c in _dry_run("--one-at-a-time") if "browser" in _marker_expression(c).split()[0]]
    assert _marker_expression(alone) == "browser" and "--notebook-shard" not in alone, alone
    # Without the browser stage, nbval validates every notebook in the tests stage.
    (alone,) = _dry_run("--stage", "tests")
    for option in ("--nbval", "--nbval-current-env", "--nbval-sanitize-with", "tests"):
        assert option in alone, alone
    assert "--nbval-lax" not in alone
    assert alone[alone.index("--nbval-sanitize-with") + 1] == "tests/nbval_sanitize.cfg"
    for nb in notebooks():
        assert f"notebooks/{nb.name}" in alone, f"{nb.name} is not validated by make test STAGE=tests"
    assert _marker_expression(alone) == "not browser", alone


def test_dev_py_test_fast_runs_the_unit_tests_only():
    (command,) = _dry_run("--fast")
    assert "tests" in command and _marker_expression(command) == "not slow and not browser", command
    assert "--nbval" not in command and not any(word.endswith(".ipynb") for word in command), command


def test_every_stage_prints_its_time():
    out = subprocess.run([sys.executable, "dev.py", "test", "--dry-run", "--venv", sys.prefix, "--stamp", __file__],
                         cwd=REPO, capture_output=True, text=True, timeout=120)
    summary = out.stdout.split("Stage times")[-1]
    for stage in ("environment", "tests", "browser", "total"):
        assert re.search(rf"^  {stage}( \d+/\d+)? +\d+ s", summary, flags=re.M), out.stdout


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
    """(where, altered notebook) with one digit of a compared stored text output changed; both
    notebooks end at that cell (the cells after it would only make nbval run longer)."""
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
                    del nb.cells[index + 1:]
                    changed = copy.deepcopy(nb)
                    target = changed.cells[index]["outputs"][out_index]
                    for key in field[:-1]:
                        target = target[key]
                    target[field[-1]] = altered
                    where = f"code cell {code_index}, output {out_index}: {text[max(0, m.start() - 30):m.end() + 30]!r}"
                    return where, changed
    return None, None


@pytest.mark.slow
def test_nbval_fails_on_a_one_digit_change_in_a_stored_number(tmp_path, monkeypatch, capsys):
    """nbval with this project's sanitize rules fails on a copy of a notebook with one stored digit
    changed, on that cell only, and passes the unchanged copy."""
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
    # The nested pytest session runs in this process (as pytest's own pytester runs one in-process): a
    # new process would import pytest, nbval and nbformat's schema validation anew, about 3 CPU-seconds.
    # nbval still runs each notebook in a kernel of its own.
    monkeypatch.chdir(root)
    outcomes = _Outcomes()
    code = pytest.main(["-p", "no:cacheprovider", "-p", "no:xdist", "-q", "-c", str(root / "pytest.ini"),
                        "--rootdir", str(root), "-p", "nbval", "--nbval", "--nbval-current-env",
                        "--nbval-sanitize-with", str(SANITIZE_CFG), str(unaltered_copy), str(altered_copy)],
                       plugins=[outcomes])
    report = f"{outcomes}\n{capsys.readouterr().out[-6000:]}"
    assert code == pytest.ExitCode.TESTS_FAILED, f"nbval should fail on the altered copy ({where}):\n{report}"
    assert len(outcomes.failed) == 1 and altered_copy.name in outcomes.failed[0], "only the altered cell may fail:\n" + report
    assert any(unaltered_copy.name in nodeid for nodeid in outcomes.passed), report


class _Outcomes:
    """A pytest plugin keeping the node ids of the tests a session passed and of those that failed (in
    any phase, or in their collection)."""

    def __init__(self):
        self.passed: list[str] = []
        self.failed: list[str] = []

    def pytest_runtest_logreport(self, report):
        if report.failed:
            self.failed.append(report.nodeid)
        elif report.passed and report.when == "call":
            self.passed.append(report.nodeid)

    def pytest_collectreport(self, report):
        if report.failed:
            self.failed.append(report.nodeid)

    def __str__(self) -> str:
        return f"passed: {self.passed}\nfailed: {self.failed}"


@pytest.mark.parametrize("path", notebooks(), ids=[p.name for p in notebooks()])
def test_the_browser_stages_comparison_finds_a_one_digit_change_as_nbval_does(path):
    """What the browser stage compares after Run All (``output_differences``): a notebook against itself
    differs nowhere; with one digit of a compared stored number changed, it differs in that cell only
    (the cell nbval fails in the test above); a volatile text the sanitize rules mask does not count."""
    nb = nbformat.read(path, as_version=4)
    assert output_differences(nb, copy.deepcopy(nb)) == []
    where, altered = _one_digit_change(copy.deepcopy(nb))
    if altered is None:
        pytest.skip(f"{path.name} has no compared stored output containing a digit")
    code_index = int(where.split(",")[0].split()[-1])
    shortened = copy.deepcopy(nb)
    del shortened.cells[len(altered.cells):]
    found = output_differences(shortened, altered)
    assert len(found) == 1 and found[0].startswith(f"code cell {code_index + 1} "), (where, found)
    masked = copy.deepcopy(shortened)
    masked.cells.append(nbformat.v4.new_code_cell("plt.gcf()", outputs=[nbformat.v4.new_output(
        "execute_result", {"text/plain": "<Figure size 640x480 with 1 Axes>"}, execution_count=1)]))
    run = copy.deepcopy(masked)
    run.cells[-1].outputs[0]["data"]["text/plain"] = "<Figure size 1000x300 with 3 Axes>"
    assert output_differences(masked, run) == []


def test_the_browser_stage_collects_every_file_with_a_browser_test(tmp_path):
    """The browser stage names the test files that mark a test ``browser`` (``dev.py``'s
    ``browser_test_files``, so that each of its sessions does not collect all of tests/): a mark on a
    test or a module's ``pytestmark`` counts, the words in a string do not."""
    sources = {"test_a.py": "import pytest\n\n@pytest.mark.browser\ndef test_x():\n    pass\n",
               "test_b.py": "import pytest\n\npytestmark = [pytest.mark.slow, pytest.mark.browser]\n",
               "test_c.py": '"""Not a pytest.mark.browser test."""\n\ndef test_y():\n    pass\n',
               "test_d.py": "import pytest\n\n@pytest.mark.slow\ndef test_z():\n    pass\n"}
    for name, source in sources.items():
        (tmp_path / name).write_text(source, encoding="utf-8")
    dev = dev_module()
    assert dev.browser_test_files(tmp_path) == [str(tmp_path / "test_a.py"), str(tmp_path / "test_b.py")]
    files = dev.browser_test_files()
    assert {"tests/test_browser.py", "tests/test_worksheet_print.py", "tests/test_worksheet.py"} <= set(files), files
    assert "tests/test_infra_notebooks.py" not in files, files
