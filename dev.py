"""bpnet's set-up commands in plain Python: the same on Linux, macOS and Windows.

    python dev.py lab               open the notebooks in JupyterLab, at notebook 00
    python dev.py test              run every test and validate every notebook, stage by stage
    python dev.py test --fast       the unit tests only (no notebooks, no browser, no slow test)
    python dev.py reset-notebooks   put the notebooks back as they are in the repository
    python dev.py clean-venv        delete the virtual environment

``lab`` and ``test`` create a virtual environment in ``.venv/`` on first use and install
bpnet into it (``lab``: ``pip install -e ".[lab]"``; ``test``: the Binder pins of
binder/requirements.txt, then ``pip install -e ".[test,teach]"`` under those pins, so that the tests
validate the very versions Binder installs); they re-install only when pyproject.toml or
binder/requirements.txt changes. The installing is done by uv (``uv pip install``, pip's faster
drop-in, which pip puts into the environment first), or by pip where uv cannot be installed. Nothing is needed but Python 3.10+ with its ``venv`` module.
``make lab``, ``make test`` and ``make test-fast`` call this file: there is one implementation.

``test`` runs three stages and prints the time of each (wall clock, and the CPU time its
processes used):

    environment   the virtual environment, installed or found up to date
    tests         every test but the browser's
    browser       JupyterLab in headless Chromium, in as many pytest sessions side by side as
                  tests has processes (a notebook's tests in one of them; each session has one
                  server and one browser for all its tests, and loads JupyterLab in one page,
                  where it opens its notebooks one after another):
                  every notebook opened as stored and looked at, then run once with Run All in
                  the same page, in kernels that start each training 1e-12 (relative) away from
                  its stored starting weights and use OpenBLAS's kernels for an older CPU
                  (OPENBLAS_CORETYPE=Prescott: no FMA, no AVX), its outputs compared with the
                  stored ones as nbval compares them, then used as a learner uses it

So every notebook is executed once. Without the browser stage (``--stage tests``, or no chromium
outside CI), the tests stage runs nbval over every notebook instead, in the same perturbed kernels.
``tests`` and ``browser`` run side by side (a browser test mostly waits for the page, the other
uses the CPU); ``browser``'s output is printed when it ends. ``--one-at-a-time`` runs them one
after the other and adds the click-latency measurement (tests marked ``latency``), which writes
test-artifacts/browser_latency.json on an otherwise quiet machine.
A failing stage does not stop the other; the command fails if any stage failed.
Arguments after ``--`` go to JupyterLab, or to every pytest command of ``test``:
    python dev.py lab --port 9000 -- --no-browser
    python dev.py test -- -x --durations=20
    python dev.py test --stage browser
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent
START_NOTEBOOK = "notebooks/00_start_here.ipynb"
MIN_PYTHON = (3, 10)
BINDER_REQUIREMENTS = REPO / "binder" / "requirements.txt"
# nbval compares every stored text output exactly, after the volatile-text rules in the .cfg.
NBVAL_ARGS = ["--nbval", "--nbval-current-env", "--nbval-sanitize-with", "tests/nbval_sanitize.cfg",
              "--nbval-cell-timeout=600"]
#: The IPython startup file that starts every training of a notebook 1e-12 (relative) away.
PERTURB_STARTUP = REPO / "tests" / "perturb_training.py"
#: OpenBLAS's kernels for a CPU without FMA or AVX: the browser stage's notebooks run on them.
OLDER_BLAS = {"OPENBLAS_CORETYPE": "Prescott"}
#: The stages of ``dev.py test``, in order (``environment`` always runs first).
STAGES = ("tests", "browser")
#: pytest's exit code when a stage's selection is empty (e.g. narrowed by -k): not a failure.
NO_TESTS_COLLECTED = 5

def in_ci() -> bool:
    """Whether this runs in CI (``CI=true``, as .ci/run sets it), where a missing browser is a failure."""
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def venv_python(venv: Path) -> Path:
    """The virtual environment's interpreter (Scripts\\python.exe on Windows, bin/python elsewhere)."""
    if os.name == "nt":
        return venv / "Scripts" / "python.exe"
    return venv / "bin" / "python"


def notebooks() -> list[str]:
    """Every notebook, as a path relative to the repository, in name order."""
    return sorted(p.relative_to(REPO).as_posix() for p in (REPO / "notebooks").glob("*.ipynb"))


def binder_pins() -> list[str]:
    """The ``name==version`` lines of binder/requirements.txt (its '.' line, bpnet itself, left out)."""
    pins = []
    for raw in BINDER_REQUIREMENTS.read_text(encoding="utf-8").splitlines():
        line = raw.split(" #")[0].strip()
        if line and not line.startswith("#") and line != ".":
            pins.append(line)
    return pins


#: What ``test`` installs: the test tools, and the teaching tools (nbgrader) whose round trip
#: tests/test_assignment.py runs.
TEST_EXTRAS = ".[test,teach]"


def ensure_venv(venv: Path, extra: str, stamp: Path | None, dry_run: bool = False) -> Path:
    """Create ``venv`` and install bpnet with ``extra`` unless ``stamp`` is newer than what it is built from.

    ``test``: the Binder pins first, then bpnet's test tools under them (``-c``: a pinned package
    keeps its pin), so the tests run on the versions Binder installs. ``lab``: ``.[lab]``."""
    python = venv_python(venv)
    stamp = stamp or venv / f".bpnet-{extra}-installed"
    sources = [REPO / "pyproject.toml"] + ([BINDER_REQUIREMENTS] if extra == "test" else [])
    if not python.exists():
        run([sys.executable, "-m", "venv", str(venv)], dry_run)
    if not stamp.exists() or any(stamp.stat().st_mtime < source.stat().st_mtime for source in sources):
        if extra == "test":
            with tempfile.TemporaryDirectory() as tmp:
                constraints = Path(tmp) / "binder-pins.txt"
                constraints.write_text("\n".join(binder_pins()) + "\n", encoding="utf-8")
                pip_install(python, ["-c", str(constraints), "-r", str(constraints), "-e", TEST_EXTRAS], dry_run)
        else:
            pip_install(python, ["-e", f".[{extra}]"], dry_run)
        if not dry_run:
            stamp.parent.mkdir(parents=True, exist_ok=True)
            stamp.touch()
            if extra == "test":  # the test extra includes everything lab needs
                (venv / ".bpnet-lab-installed").touch()
    install_lab_overrides(venv, dry_run)
    return python


#: JupyterLab's defaults for bpnet's learners: no prompt to fetch Jupyter's news, no check for a
#: newer JupyterLab. ``pip install .`` (Binder) puts it where JupyterLab reads it (pyproject.toml's
#: data files); an editable install copies no data files, so ``install_lab_overrides`` does.
LAB_OVERRIDES = REPO / "jupyter-config" / "overrides.json"


def install_lab_overrides(venv: Path, dry_run: bool = False) -> None:
    """Put ``LAB_OVERRIDES`` where the JupyterLab of ``venv`` reads its default settings."""
    dest = venv / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    if dry_run or (dest.is_file() and dest.read_bytes() == LAB_OVERRIDES.read_bytes()):
        return
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(LAB_OVERRIDES, dest)


#: The installer ``pip_install`` puts into the virtual environment first: uv, pip's drop-in
#: replacement (``uv pip install`` takes pip's arguments), which installs the hundred-odd
#: packages of the test environment in seconds where pip takes about a minute.
FAST_INSTALLER = "uv"


def pip_install(python: Path, args: list[str], dry_run: bool = False) -> None:
    """``pip install ARGS`` into the virtual environment of ``python``: through uv (installed into that
    environment with pip first), or with pip itself where uv cannot be installed. (uv leaves the
    modules uncompiled: the first process that imports one writes its bytecode cache.)"""
    if dry_run or run_stage([str(python), "-m", "pip", "install", "-q", FAST_INSTALLER], dry_run) == 0:
        code = run_stage([str(python), "-m", FAST_INSTALLER, "pip", "install", "--python", str(python), *args], dry_run)
        if code == 0:
            return
        print(f"{FAST_INSTALLER} failed (exit {code}); installing with pip instead", flush=True)
    run([str(python), "-m", "pip", "install", *args], dry_run)


def run(cmd: list[str], dry_run: bool = False, env: dict | None = None) -> int:
    """Print ``cmd`` (as a shell would show it, with the variables ``env`` adds) and run it from the
    repository root; stop with its exit code if it fails."""
    code = run_stage(cmd, dry_run, env)
    if code:
        raise SystemExit(code)
    return 0


def run_stage(cmd: list[str], dry_run: bool = False, env: dict | None = None) -> int:
    """Like ``run``, but return the exit code. ``env``: variables added to this process's environment."""
    shown = [f"{name}={_quote(value)}" for name, value in (env or {}).items()]
    print(" ".join(shown + [_quote(c) for c in cmd]), flush=True)
    if dry_run:
        return 0
    return subprocess.run(cmd, cwd=REPO, env={**os.environ, **env} if env else None).returncode


def _quote(word: str) -> str:
    return word if word and all(c.isalnum() or c in "-_./=:,@+%" for c in word) else repr(word)


#: bpnet.lab.ENABLE: widget replies sent without Nagle's delay (an editable install has no
#: configuration file to switch the extension on; see bpnet/lab.py).
LAB_EXTENSION = "--ServerApp.jpserver_extensions=bpnet.lab=True"


def lab_command(python: Path, port: int, extra: list[str]) -> list[str]:
    cmd = [str(python), "-m", "jupyterlab", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
           f"--ServerApp.root_dir={REPO}", f"--LabApp.default_url=/lab/tree/{START_NOTEBOOK}",
           LAB_EXTENSION]
    # JupyterLab refuses to run as root unless told; only then is --allow-root added.
    if hasattr(os, "getuid") and os.getuid() == 0:
        cmd.append("--allow-root")
    return cmd + extra


def xdist_args(python: Path, workers: int | None, dry_run: bool = False) -> list[str]:
    """pytest-xdist's options for ``workers`` processes, each test file (each notebook) whole in one
    of them; none for one worker or where pytest-xdist is not installed."""
    workers = workers if workers is not None else min(os.cpu_count() or 1, 4)
    if workers <= 1:
        return []
    if not dry_run:
        probe = subprocess.run([str(python), "-c", "import xdist"], capture_output=True)
        if probe.returncode:
            return []
    return ["-n", str(workers), "--dist", "loadfile"]


def fast_command(python: Path, extra: list[str], parallel: list[str] = ()) -> list[str]:
    """The unit tests: no notebook, no browser, no test marked slow. Its tests are spread one by one
    over the workers (``--dist load``), not file by file: no file then holds the others up; nbval's
    plugin is not loaded (no notebook is validated, and its imports cost seconds in every worker)."""
    parallel = ["load" if a == "loadfile" else a for a in parallel]
    return [str(python), "-m", "pytest", *parallel, "-p", "no:nbval", "-m", "not slow and not browser", "tests", *extra]


def stage_commands(python: Path, extra: list[str], parallel: list[str], ipython_dir: Path,
                   nbval: bool = False, latency: bool = False) -> dict:
    """name -> (what it checks, command, variables added to the environment) for each stage.

    The browser stage runs every notebook (perturbed, on the older BLAS kernels: tests/conftest.py);
    ``nbval`` adds nbval over every notebook, perturbed, to the tests stage, for a run without the
    browser's. ``latency`` adds the browser's click-latency measurement (worth its time only on an
    otherwise quiet machine)."""
    # The kernels nbval starts (in notebooks/) import this checkout's bpnet.
    path = {"PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH", "")]))}
    pytest = [str(python), "-m", "pytest"]
    if nbval:
        tests = ("every test but the browser's; nbval over every notebook, trainings started 1e-12 away",
                 [*pytest, *parallel, "-m", "not browser", "tests", *notebooks(), *NBVAL_ARGS, *extra],
                 {**path, "IPYTHONDIR": str(ipython_dir)})
    else:  # no notebook to keep whole in one process: the tests are spread one by one (--dist load)
        tests = ("every test but the browser's (the browser stage runs the notebooks)",
                 [*pytest, *["load" if a == "loadfile" else a for a in parallel], "-p", "no:nbval",
                  "-m", "not browser", "tests", *extra], path)
    return {
        "tests": tests,
        "browser": ("JupyterLab in headless Chromium; every notebook opened as stored, then run once: "
                    "trainings started 1e-12 away, on OpenBLAS's kernels for an older CPU, outputs compared as nbval does",
                    [*pytest, "-p", "no:cacheprovider", "-p", "no:nbval", "-m",
                     "browser" if latency else "browser and not latency", *browser_test_files(), *extra],
                    {**path, **OLDER_BLAS}),
    }


def browser_test_files(folder: Path = REPO / "tests") -> list[str]:
    """The test files of ``folder`` whose code marks a test ``browser`` (``pytest.mark.browser`` in their
    syntax tree, not in a string): the browser stage collects only these, not the three thousand other
    tests once per session."""
    import ast

    def marks_browser(path: Path) -> bool:
        return any(isinstance(node, ast.Attribute) and node.attr == "browser" and isinstance(node.value, ast.Attribute)
                   and node.value.attr == "mark" for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))))

    return [path.relative_to(REPO).as_posix() if path.is_relative_to(REPO) else str(path)
            for path in sorted(folder.glob("test_*.py")) if marks_browser(path)]


def shares(name: str, what: str, cmd: list[str], env: dict, parallel: list[str]) -> list[tuple]:
    """The stage ``name`` as (label, what, command, env) of each of its shares: for the browser stage one
    pytest session per process the tests stage has (``-n N``), each running the tests of its share of
    the notebooks (``--notebook-shard K/N``, tests/conftest.py); any other stage whole."""
    n = int(parallel[parallel.index("-n") + 1]) if "-n" in parallel else 1
    if name != "browser" or n <= 1:
        return [(name, what, cmd, env)]
    return [(f"{name} {k + 1}/{n}", f"{what} (share {k + 1} of {n})", [*cmd, "--notebook-shard", f"{k}/{n}"], env)
            for k in range(n)]


def perturbing_ipython_dir(folder: Path) -> Path:
    """An IPython folder whose startup file perturbs every training's start (tests/perturb_training.py)."""
    startup = folder / "profile_default" / "startup"
    startup.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(PERTURB_STARTUP, startup / "00-perturb-training.py")
    return folder


class StageClock:
    """Wall-clock and CPU time (of the child processes) of each stage, printed as it ends and summed up."""

    def __init__(self):
        self.rows: list[tuple[str, float, float | None, str]] = []
        self.start = time.monotonic()

    @staticmethod
    def _cpu() -> float | None:
        try:
            import resource
        except ImportError:  # Windows
            return None
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        return usage.ru_utime + usage.ru_stime

    def begin(self, name: str, what: str) -> None:
        print(f"\n=== {name}: {what} ({time.strftime('%H:%M:%S')}) ===", flush=True)
        self._t0, self._cpu0 = time.monotonic(), self._cpu()

    def end(self, name: str, result: str) -> None:
        wall, cpu = time.monotonic() - self._t0, self._cpu()
        cpu = None if cpu is None or self._cpu0 is None else cpu - self._cpu0
        self.record(name, wall, cpu, result)

    def record(self, name: str, wall: float, cpu: float | None, result: str) -> None:
        self.rows.append((name, wall, cpu, result))
        print(f"=== {name}: {result} in {_seconds(wall, cpu)} ===", flush=True)

    def summary(self) -> None:
        print("\nStage times (wall clock; CPU time of the stage's processes):")
        for name, wall, cpu, result in self.rows:
            print(f"  {name:<12} {_seconds(wall, cpu):<24} {result}")
        print(f"  {'total':<12} {time.monotonic() - self.start:.0f} s", flush=True)


class Background:
    """A stage run beside the others: its output goes to a file, printed by ``finish``, which also
    gives its wall-clock and CPU time (``os.wait4``: this process's, not its siblings')."""

    def __init__(self, name: str, what: str, cmd: list[str], env: dict, log_dir: Path, dry_run: bool = False):
        self.name, self.what, self.dry_run = name, what, dry_run
        self.log = log_dir / (name.replace("/", "-of-").replace(" ", "-") + ".log")
        print(f"\n=== {name}: {what}: started beside the others ({time.strftime('%H:%M:%S')}), "
              f"output shown when it ends ===", flush=True)
        shown = [f"{k}={_quote(v)}" for k, v in env.items()]
        print(" ".join(shown + [_quote(c) for c in cmd]), flush=True)
        self.t0 = time.monotonic()
        self.proc = None
        if not dry_run:
            with open(self.log, "wb") as out:
                self.proc = subprocess.Popen(cmd, cwd=REPO, env={**os.environ, **env}, stdin=subprocess.DEVNULL,
                                             stdout=out, stderr=subprocess.STDOUT)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait()

    def finish(self) -> tuple[int, float, float | None]:
        """Wait for the stage; print its output; return (exit code, wall seconds, CPU seconds or None)."""
        if self.proc is None:
            return 0, 0.0, 0.0
        cpu = None
        if hasattr(os, "wait4"):
            _, status, usage = os.wait4(self.proc.pid, 0)
            self.proc.returncode = os.waitstatus_to_exitcode(status)
            cpu = usage.ru_utime + usage.ru_stime
        else:  # Windows
            self.proc.wait()
        wall = time.monotonic() - self.t0
        print(f"\n=== {self.name}: {self.what} (ran beside the others; its output) ===", flush=True)
        sys.stdout.write(self.log.read_text(encoding="utf-8", errors="replace"))
        sys.stdout.flush()
        return self.proc.returncode, wall, cpu


def _seconds(wall: float, cpu: float | None) -> str:
    return f"{wall:.0f} s" + ("" if cpu is None else f" (CPU {cpu:.0f} s)")


def _result(code: int, name: str, failed: list[str]) -> str:
    """What a stage's pytest exit code means (a failure is added to ``failed``)."""
    if code == NO_TESTS_COLLECTED:
        return "nothing selected"
    if code:
        failed.append(name)
        return f"FAILED (exit {code})"
    return "passed"


def cmd_lab(args) -> int:
    python = ensure_venv(args.venv, "lab", args.stamp, args.dry_run)
    print(f"\nStarting JupyterLab at {START_NOTEBOOK} on 127.0.0.1:{args.port}.")
    print("Open the http://127.0.0.1:...?token=... URL it prints below. Stop it with Ctrl-C.\n", flush=True)
    try:
        return run(lab_command(python, args.port, args.extra), args.dry_run)
    except KeyboardInterrupt:
        return 0


def keep_bytecode_caches() -> None:
    """Let the tests' processes write Python's bytecode caches (``__pycache__``, ignored by git), even
    where PYTHONDONTWRITEBYTECODE is set: otherwise each of their many processes (pytest's workers,
    notebook kernels, JupyterLab, the command line run as a program) compiles bpnet, numpy, matplotlib
    and JupyterLab anew (uv installs them uncompiled), and pytest rewrites the asserts of every test
    module anew in each of its processes."""
    if os.environ.pop("PYTHONDONTWRITEBYTECODE", None) is not None:
        print("PYTHONDONTWRITEBYTECODE is unset for the tests (bytecode caches save each process compiling)",
              flush=True)


def cmd_test(args) -> int:
    keep_bytecode_caches()
    clock = StageClock()
    clock.begin("environment", f"{args.venv}")
    python = ensure_venv(args.venv, "test", args.stamp, args.dry_run)
    clock.end("environment", "ready")
    parallel = xdist_args(python, args.workers, args.dry_run)
    if args.fast:
        clock.begin("fast", "the unit tests (no notebook, no browser, no slow test)")
        code = run_stage(fast_command(python, args.extra, parallel), args.dry_run)
        clock.end("fast", "passed" if code == 0 else f"FAILED (exit {code})")
        clock.summary()
        return code
    failed = []
    with tempfile.TemporaryDirectory(prefix="bpnet-ipython-") as tmp:
        chosen = [name for name in STAGES if name in (args.stage or STAGES)]
        # Without the browser stage (not chosen, or no chromium to run it outside CI), nbval runs the notebooks.
        browser_runs_notebooks = "browser" in chosen and (shutil.which("chromium") is not None or in_ci())
        stages = stage_commands(python, args.extra, parallel, perturbing_ipython_dir(Path(tmp)),
                                nbval=not browser_runs_notebooks, latency=args.one_at_a_time)
        # The browser stage beside the tests stage, unless asked for one at a time: in as many shares
        # as the tests have processes, each a pytest session with its JupyterLab and its Chromium.
        beside = [] if args.one_at_a_time or len(chosen) < 2 else chosen[1:]
        running = [Background(label, what, cmd, env, Path(tmp), args.dry_run)
                   for name in beside for label, what, cmd, env in shares(name, *stages[name], parallel)]
        try:
            for name in chosen:
                if name in beside:
                    continue
                what, cmd, env = stages[name]
                clock.begin(name, what)
                code = run_stage(cmd, args.dry_run, env)
                clock.end(name, _result(code, name, failed))
        except BaseException:  # e.g. Ctrl-C: stop the stage running beside too
            for stage in running:
                stage.stop()
            raise
        for stage in running:
            code, wall, cpu = stage.finish()
            clock.record(stage.name, wall, cpu, _result(code, stage.name, failed) + " (beside tests)")
    clock.summary()
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


def cmd_reset_notebooks(args) -> int:
    """Discard every change to notebooks/ (outputs, edits, autosaves): the repository's versions."""
    if shutil.which("git") is None or not (REPO / ".git").exists():
        print("reset-notebooks needs git and a git clone of bpnet; download the notebooks again instead.",
              file=sys.stderr)
        return 2
    return run(["git", "checkout", "--", "notebooks/"], args.dry_run)


def cmd_clean_venv(args) -> int:
    print(f"removing {args.venv}")
    if not args.dry_run:
        shutil.rmtree(args.venv, ignore_errors=True)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python dev.py", description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    commands = {
        "lab": (cmd_lab, "open the notebooks in JupyterLab (creates .venv on first use)"),
        "test": (cmd_test, "run every test and validate every notebook, stage by stage (creates .venv on first use)"),
        "reset-notebooks": (cmd_reset_notebooks, "put notebooks/ back as committed (git checkout)"),
        "clean-venv": (cmd_clean_venv, "delete the virtual environment"),
    }
    for name, (func, help_text) in commands.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(func=func)
        p.add_argument("--venv", type=Path, default=Path(os.environ.get("VENV", REPO / ".venv")),
                       help="virtual environment folder (default .venv)")
        p.add_argument("--dry-run", action="store_true", help="print the commands instead of running them")
        if name in ("lab", "test"):
            p.add_argument("--stamp", type=Path, default=None,
                           help="file whose being newer than what the environment is built from means 'already installed'")
        if name == "lab":
            p.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8888)))
        if name == "test":
            p.add_argument("--fast", action="store_true",
                           help="the unit tests only: no notebook, no browser, no test marked slow (under a minute)")
            p.add_argument("--stage", action="append", choices=STAGES,
                           help="run only this stage (repeat for several); default: every stage")
            p.add_argument("--one-at-a-time", action="store_true",
                           help="run the stages one after the other instead of the browser beside the tests")
            p.add_argument("--workers", type=int, default=None,
                           help="pytest processes for the unit tests and nbval (default: the CPU count, at most 4)")
        if name in ("lab", "test"):
            p.add_argument("extra", nargs="*", help="after --: arguments for JupyterLab or pytest")
    return parser


def main(argv: list[str] | None = None) -> int:
    if sys.version_info < MIN_PYTHON:
        print(f"bpnet needs Python {'.'.join(map(str, MIN_PYTHON))} or newer; this is "
              f"{sys.version.split()[0]} (run dev.py with a newer python)", file=sys.stderr)
        return 2
    args = build_parser().parse_args(argv)
    if not args.venv.is_absolute():
        args.venv = (Path.cwd() / args.venv).resolve()
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
