"""bpnet's set-up commands in plain Python: the same on Linux, macOS and Windows.

    python dev.py lab               open the notebooks in JupyterLab, at notebook 00
    python dev.py test              run every test and validate every notebook
    python dev.py reset-notebooks   put the notebooks back as they are in the repository
    python dev.py clean-venv        delete the virtual environment

``lab`` and ``test`` create a virtual environment in ``.venv/`` on first use and install
bpnet into it (``pip install -e ".[lab]"`` or ``".[test]"``); they re-install only when
pyproject.toml changes. Nothing is needed but Python 3.10+ with its ``venv`` module.
``make lab`` and ``make test`` call this file: there is one implementation.

Arguments after ``--`` go to JupyterLab or pytest:
    python dev.py lab --port 9000 -- --no-browser
    python dev.py test -- -m "not slow and not browser"
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent
START_NOTEBOOK = "notebooks/00_start_here.ipynb"
MIN_PYTHON = (3, 10)
# nbval compares every stored text output exactly, after the volatile-text rules in the .cfg.
NBVAL_ARGS = ["--nbval", "--nbval-current-env", "--nbval-sanitize-with", "tests/nbval_sanitize.cfg",
              "--nbval-cell-timeout=600"]


def venv_python(venv: Path) -> Path:
    """The virtual environment's interpreter (Scripts\\python.exe on Windows, bin/python elsewhere)."""
    if os.name == "nt":
        return venv / "Scripts" / "python.exe"
    return venv / "bin" / "python"


def notebooks() -> list[str]:
    """Every notebook, as a path relative to the repository, in name order."""
    return sorted(p.relative_to(REPO).as_posix() for p in (REPO / "notebooks").glob("*.ipynb"))


def ensure_venv(venv: Path, extra: str, stamp: Path | None, dry_run: bool = False) -> Path:
    """Create ``venv`` and install bpnet with ``extra`` unless ``stamp`` is newer than pyproject.toml."""
    python = venv_python(venv)
    stamp = stamp or venv / f".bpnet-{extra}-installed"
    pyproject = REPO / "pyproject.toml"
    if not python.exists():
        run([sys.executable, "-m", "venv", str(venv)], dry_run)
    if not stamp.exists() or stamp.stat().st_mtime < pyproject.stat().st_mtime:
        run([str(python), "-m", "pip", "install", "-e", f".[{extra}]"], dry_run)
        if not dry_run:
            stamp.parent.mkdir(parents=True, exist_ok=True)
            stamp.touch()
            if extra == "test":  # the test extra includes everything lab needs
                (venv / ".bpnet-lab-installed").touch()
    return python


def run(cmd: list[str], dry_run: bool = False, env: dict | None = None) -> int:
    """Print ``cmd`` (as a shell would show it) and run it from the repository root."""
    print(" ".join(_quote(c) for c in cmd), flush=True)
    if dry_run:
        return 0
    result = subprocess.run(cmd, cwd=REPO, env=env)
    if result.returncode:
        raise SystemExit(result.returncode)
    return 0


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


def test_command(python: Path, extra: list[str]) -> list[str]:
    return [str(python), "-m", "pytest", "tests", *notebooks(), *NBVAL_ARGS, *extra]


def cmd_lab(args) -> int:
    python = ensure_venv(args.venv, "lab", args.stamp, args.dry_run)
    print(f"\nStarting JupyterLab at {START_NOTEBOOK} on 127.0.0.1:{args.port}.")
    print("Open the http://127.0.0.1:...?token=... URL it prints below. Stop it with Ctrl-C.\n", flush=True)
    try:
        return run(lab_command(python, args.port, args.extra), args.dry_run)
    except KeyboardInterrupt:
        return 0


def cmd_test(args) -> int:
    python = ensure_venv(args.venv, "test", args.stamp, args.dry_run)
    return run(test_command(python, args.extra), args.dry_run)


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
        "test": (cmd_test, "run every test and validate every notebook (creates .venv on first use)"),
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
                           help="file whose being newer than pyproject.toml means 'already installed'")
        if name == "lab":
            p.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8888)))
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
