"""Binder: binder/ is complete and pinned, agrees with pyproject.toml, the README's badge opens
notebook 00, and an environment built from binder/ the way repo2docker builds it validates
every notebook."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

from infra_support import REPO, SANITIZE_CFG, START_NOTEBOOK, copy_repo_files, in_ci, notebooks, venv_python

try:
    import tomllib
except ImportError:  # Python 3.10
    tomllib = pytest.importorskip("tomli")

BINDER = REPO / "binder"
REQUIREMENTS = BINDER / "requirements.txt"
RUNTIME = BINDER / "runtime.txt"
BADGE_IMAGE = "https://mybinder.org/badge_logo.svg"


def _pins() -> dict[str, str]:
    """name (canonical) -> pinned version, from binder/requirements.txt."""
    pins = {}
    for line in _requirement_lines():
        if line == ".":
            continue
        req = Requirement(line)
        (spec,) = req.specifier
        pins[canonicalize_name(req.name)] = spec.version
    return pins


def _requirement_lines() -> list[str]:
    lines = []
    for raw in REQUIREMENTS.read_text(encoding="utf-8").splitlines():
        line = raw.split(" #")[0].strip()
        if line and not line.startswith("#"):
            lines.append(line)
    return lines


def _pyproject() -> dict:
    return tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))


def _runtime_version() -> str:
    text = RUNTIME.read_text(encoding="utf-8").strip()
    match = re.fullmatch(r"python-(3\.\d+)", text)
    assert match, f"binder/runtime.txt should read like 'python-3.11', not {text!r}"
    return match.group(1)


def test_binder_uses_pip_requirements_and_a_python_version():
    names = sorted(p.name for p in BINDER.iterdir())
    # environment.yml would switch repo2docker to conda and requirements.txt would be ignored.
    assert "environment.yml" not in names and "Pipfile" not in names, names
    assert "requirements.txt" in names and "runtime.txt" in names, names
    version = _runtime_version()
    requires = SpecifierSet(_pyproject()["project"]["requires-python"])
    assert Version(version) in requires, f"runtime.txt python-{version} is outside requires-python {requires}"


def test_every_binder_requirement_is_pinned_and_bpnet_comes_from_the_repo():
    lines = _requirement_lines()
    assert lines.count(".") == 1, "binder/requirements.txt must install bpnet from the repository root with a '.' line"
    names = []
    for line in lines:
        if line == ".":
            continue
        req = Requirement(line)
        specs = list(req.specifier)
        assert len(specs) == 1 and specs[0].operator == "==" and "*" not in specs[0].version, f"not pinned: {line}"
        assert not req.marker and not req.url, f"keep pins plain: {line}"
        names.append(canonicalize_name(req.name))
    assert len(names) == len(set(names)), "a package is pinned twice"
    pins = _pins()
    assert Version(pins["jupyterlab"]).major == 4
    assert Version(pins["ipywidgets"]).major == 8
    # The widget manager for JupyterLab: without it widgets show as text on Binder.
    for needed in ("jupyterlab-widgets", "ipykernel", "numpy", "matplotlib"):
        assert needed in pins, f"{needed} is not pinned in binder/requirements.txt"


def _project_requirements() -> list[Requirement]:
    """bpnet's dependencies plus its 'lab' extra, with self-references (bpnet[...]) expanded."""
    project = _pyproject()["project"]
    extras = project.get("optional-dependencies", {})
    todo = list(project.get("dependencies", [])) + list(extras.get("lab", []))
    seen, result = set(), []
    while todo:
        req = Requirement(todo.pop(0))
        if canonicalize_name(req.name) == canonicalize_name(project["name"]):
            for extra in req.extras:
                if extra not in seen:
                    seen.add(extra)
                    todo.extend(extras[extra])
            continue
        result.append(req)
    return result


def test_binder_pins_satisfy_pyproject_ranges():
    pins = _pins()
    requirements = _project_requirements()
    assert requirements, "pyproject.toml lists no dependencies"
    problems = []
    for req in requirements:
        name = canonicalize_name(req.name)
        if name not in pins:
            problems.append(f"{req}: not pinned in binder/requirements.txt")
        elif not req.specifier.contains(pins[name], prereleases=True):
            problems.append(f"{req}: binder pins {pins[name]}")
    assert not problems, "\n".join(problems)


# --- the README's badge ------------------------------------------------------------------------

def test_readme_binder_badge_opens_notebook_00():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    badges = re.findall(r"\[!\[Binder\]\((?P<img>[^)]+)\)\]\((?P<link>[^)]+)\)", readme)
    assert len(badges) == 1, "README.md needs exactly one [![Binder](...)](...) badge"
    image, link = badges[0]
    assert image == BADGE_IMAGE
    url = urlparse(link)
    assert (url.scheme, url.netloc) == ("https", "mybinder.org"), link
    parts = url.path.strip("/").split("/")
    assert len(parts) == 5 and parts[:2] == ["v2", "gh"] and parts[4] == "HEAD", f"expected /v2/gh/OWNER/REPO/HEAD: {link}"
    query = parse_qs(url.query)
    assert list(query) == ["urlpath"], f"use urlpath= (labpath= is legacy): {link}"
    (urlpath,) = query["urlpath"]
    assert urlpath.startswith("lab/tree/"), f"urlpath should open JupyterLab's tree: {urlpath}"
    target = REPO / urlpath[len("lab/tree/"):]
    assert target.name == START_NOTEBOOK and target.is_file(), f"the badge opens {urlpath}, which is not notebook 00"


# --- repo2docker emulation ---------------------------------------------------------------------

def _python_for(version: str) -> str | None:
    if f"{sys.version_info.major}.{sys.version_info.minor}" == version:
        return sys.executable
    return shutil.which(f"python{version}")


def _run(cmd, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(cmd, capture_output=True, text=True, stdin=subprocess.DEVNULL, **kwargs)
    assert result.returncode == 0, f"{' '.join(map(str, cmd))} failed:\n{result.stdout[-5000:]}\n{result.stderr[-5000:]}"
    return result


@pytest.mark.slow
def test_binder_environment_builds_and_validates_every_notebook(tmp_path):
    """What repo2docker does with binder/ (pip flavour), in a fresh venv, then nbval in it."""
    assert notebooks(), "no notebooks to validate"
    version = _runtime_version()
    python = _python_for(version)
    if python is None:
        message = f"python{version} (binder/runtime.txt) is not installed here"
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)

    repo = copy_repo_files(tmp_path / "repo")  # repo2docker builds from a copy of the repository
    venv = tmp_path / "venv"
    _run([python, "-m", "venv", str(venv)])
    py = str(venv_python(venv))
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    env["PIP_NO_INPUT"] = "1"

    # repo2docker: `pip install --no-cache-dir -r binder/requirements.txt`, run from the repo root.
    _run([py, "-m", "pip", "install", "--no-cache-dir", "-r", "binder/requirements.txt"], cwd=repo, env=env)
    if (repo / "binder" / "postBuild").exists():
        _run(["bash", "binder/postBuild"], cwd=repo, env={**env, "PATH": f"{venv / 'bin'}:{env['PATH']}"})

    # Every installed package is pinned (nothing floats in).
    frozen = _run([py, "-m", "pip", "freeze", "--exclude", "bpnet"], env=env).stdout.split()
    installed = {canonicalize_name(line.split("==")[0]): line.split("==")[1] for line in frozen if "==" in line}
    pins = _pins()
    assert installed == pins, (
        f"unpinned: {sorted(set(installed) - set(pins))}; pinned but not installed: {sorted(set(pins) - set(installed))}; "
        f"other versions: {sorted(n for n in set(installed) & set(pins) if installed[n] != pins[n])}"
    )
    _run([py, "-m", "pip", "check"], env=env)

    # bpnet came from the repo (installed, not just importable from the current directory).
    where = _run([py, "-c", "import bpnet, ipywidgets, jupyterlab; print(bpnet.__file__); print(jupyterlab.__version__)"],
                 cwd=tmp_path, env=env).stdout.split()
    assert str(venv) in where[0], where
    assert where[1].startswith("4."), where

    # JupyterLab 4 sees the widget manager as a prebuilt extension: widgets render, not text.
    labext = _run([py, "-m", "jupyter", "labextension", "list"], cwd=tmp_path, env=env)
    listing = re.sub(r"\x1b\[[0-9;]*m", "", labext.stdout + labext.stderr)  # colour codes
    assert re.search(r"@jupyter-widgets/jupyterlab-manager v\S+ enabled .*OK", listing), listing

    # The server extension bpnet.lab (widget replies without Nagle's delay) is on, from the
    # configuration file that installing bpnet put in the environment.
    serverext = _run([py, "-m", "jupyter", "server", "extension", "list"], cwd=tmp_path, env=env)
    listing = re.sub(r"\x1b\[[0-9;]*m", "", serverext.stdout + serverext.stderr)
    assert re.search(r"bpnet\.lab enabled", listing) and re.search(r"bpnet\.lab .*OK", listing), listing

    # Validate the notebooks in that environment (test tools added without moving any pin).
    constraints = tmp_path / "constraints.txt"
    constraints.write_text("\n".join(f"{n}=={v}" for n, v in pins.items()) + "\n")
    _run([py, "-m", "pip", "install", "-c", str(constraints), "pytest", "nbval"], env=env)
    (repo / "pytest.ini").write_text("[pytest]\n")  # no project ini options in the nested run
    books = sorted(str(p.relative_to(repo)) for p in (repo / "notebooks").glob("*.ipynb"))
    run = subprocess.run(
        [py, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-c", "pytest.ini", "--nbval", "--nbval-current-env",
         "--nbval-sanitize-with", str(SANITIZE_CFG), *books],
        cwd=repo, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=1800,
    )
    assert run.returncode == 0, f"nbval failed in the Binder environment:\n{run.stdout[-8000:]}\n{run.stderr[-3000:]}"
    assert " passed" in run.stdout, run.stdout[-3000:]
