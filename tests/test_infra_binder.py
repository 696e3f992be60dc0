"""Binder: binder/ is complete and pinned, agrees with pyproject.toml, the README's badge opens
notebook 00, and the tests run in Binder's environment (`make test` builds it from binder/, so its
run of every notebook validates it on Binder's versions)."""

from __future__ import annotations

import importlib
import json
import os
import re
import subprocess
import sys
import zipfile
from importlib import metadata
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

from infra_support import REPO, START_NOTEBOOK, copy_repo_files, in_ci

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


# --- the tests run in Binder's environment -----------------------------------------------------
# `make test` builds .venv from binder/requirements.txt (every pin) and adds the test tools under
# those pins (dev.py), so its run of every notebook validates it on exactly what Binder installs.
# The checks below make sure of it, and check what Binder's own `pip install -r` adds: bpnet
# itself, from a wheel (with its server-extension switch), and nothing unpinned.

def _installed(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def _not_binders_environment(problem: str) -> None:
    """Fail in CI (whose environment dev.py builds from binder/); elsewhere skip, saying why."""
    message = f"this environment is not Binder's ({problem}); `make test` builds .venv from binder/"
    if in_ci():
        pytest.fail(message)
    pytest.skip(message)


def test_the_tests_run_on_binders_python_and_pins():
    version = _runtime_version()
    running = f"{sys.version_info.major}.{sys.version_info.minor}"
    if running != version:
        _not_binders_environment(f"Python {running}, binder/runtime.txt says {version}")
    other = {name: (pin, _installed(name)) for name, pin in _pins().items() if _installed(name) != pin}
    if other:
        _not_binders_environment("pinned -> installed: " + ", ".join(
            f"{name} {pin} -> {found}" for name, (pin, found) in sorted(other.items())))


def _requirements_of(name: str, extras: frozenset = frozenset()) -> list[Requirement]:
    """What the installed distribution ``name`` (with ``extras``) requires on this platform."""
    result = []
    for line in metadata.requires(name) or []:
        req = Requirement(line)
        if req.marker is None or any(req.marker.evaluate({"extra": extra}) for extra in extras | {""}):
            result.append(req)
    return result


def test_everything_binder_installs_is_pinned():
    """The dependencies of every pinned package and of bpnet[lab], as installed here, are pinned too:
    nothing floats into Binder's environment."""
    pins = _pins()
    if any(_installed(name) != pin for name, pin in pins.items()):
        _not_binders_environment("its versions are not the pins")
    todo = [(canonicalize_name(r.name), frozenset(r.extras)) for r in _project_requirements()]
    todo += [(name, frozenset()) for name in pins]
    seen, unpinned = set(), set()
    while todo:
        name, extras = todo.pop()
        if (name, extras) in seen:
            continue
        seen.add((name, extras))
        if name not in pins:
            unpinned.add(name)
            continue
        todo += [(canonicalize_name(r.name), frozenset(r.extras)) for r in _requirements_of(name, extras)]
    assert not unpinned, f"installed on Binder but not pinned in binder/requirements.txt: {sorted(unpinned)}"


@pytest.mark.slow
def test_the_environment_has_no_broken_requirement():
    out = subprocess.run([sys.executable, "-m", "pip", "check"], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr


def _jupyter_listing(app_class) -> str:
    """What the Jupyter command ``app_class`` (e.g. `jupyter labextension list`) prints, its colour codes
    removed: its own code run in this process, as the command runs it (initialize, then start), without
    a new Python process importing JupyterLab and its server for one listing (about 5 CPU-seconds)."""
    import contextlib
    import io
    import logging

    app = app_class()
    app.initialize([])
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    app.log.addHandler(handler)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            app.start()
    finally:
        app.log.removeHandler(handler)
    return re.sub(r"\x1b\[[0-9;]*m", "", out.getvalue())


@pytest.mark.slow
def test_jupyterlab_has_the_widget_manager():
    """JupyterLab 4 sees the widget manager as a prebuilt extension: widgets render, not text."""
    from jupyterlab.labextensions import ListLabExtensionsApp  # `jupyter labextension list`

    listing = _jupyter_listing(ListLabExtensionsApp)
    assert re.search(r"@jupyter-widgets/jupyterlab-manager v\S+ enabled .*OK", listing), listing


def _wheel(tmp_path: Path) -> Path:
    """bpnet's wheel, built from a copy of the repository's files as Binder's `pip install .` builds it
    (from pyproject.toml, in an isolated build environment): by uv where the environment has it (as
    `make test`'s has; the same files, in a fraction of pip's time), else by pip."""
    repo = copy_repo_files(tmp_path / "repo")
    has_uv = subprocess.run([sys.executable, "-m", "uv", "--version"], capture_output=True).returncode == 0
    cmd = ([sys.executable, "-m", "uv", "build", "--wheel", "--out-dir", str(tmp_path / "dist"), "."] if has_uv else
           [sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(tmp_path / "dist"), "."])
    out = subprocess.run(cmd, cwd=repo, capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL,
                         env={**os.environ, "PIP_NO_INPUT": "1"})
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-4000:]
    (wheel,) = (tmp_path / "dist").glob("bpnet-*.whl")
    return wheel


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # of the other server extensions validation imports
def test_binders_install_of_bpnet_has_every_module_and_switches_the_server_extension_on(tmp_path, monkeypatch):
    """`pip install .` (binder/requirements.txt's last line) installs every module of bpnet, and the
    configuration file that turns on bpnet.lab (widget replies without Nagle's delay), which then loads,
    and JupyterLab's defaults for a learner (no news prompt, no update check)."""
    with zipfile.ZipFile(_wheel(tmp_path)) as wheel:
        names = set(wheel.namelist())
        tracked = sorted(p.relative_to(REPO).as_posix() for p in (REPO / "bpnet").rglob("*.py"))
        missing = [path for path in tracked if path not in names]
        assert not missing, f"the wheel (Binder's bpnet) lacks {missing}"
        (config,) = [n for n in names if n.endswith("data/etc/jupyter/jupyter_server_config.d/bpnet.json")]
        # JupyterLab's defaults for a learner, where JupyterLab reads them ({sys.prefix}/share/jupyter/lab/settings).
        (overrides,) = [n for n in names if n.endswith("data/share/jupyter/lab/settings/overrides.json")]
        notification = json.loads(wheel.read(overrides))["@jupyterlab/apputils-extension:notification"]
        assert notification == {"fetchNews": "false", "checkForUpdates": False}, notification
        etc = tmp_path / "etc" / "jupyter"
        (etc / "jupyter_server_config.d").mkdir(parents=True)
        (etc / "jupyter_server_config.d" / "bpnet.json").write_bytes(wheel.read(config))
    # `jupyter server extension list` reads the user's, the environment's and the system's folders:
    # the file goes in as the user's, the others hold no bpnet.json (bpnet is installed editable here).
    # Its validation imports bpnet.lab, here this checkout's (the tests import this checkout's bpnet).
    from jupyter_server.extension.serverextension import ListServerExtensionsApp

    imported = Path(importlib.import_module("bpnet").__file__).resolve().parent
    assert imported == REPO / "bpnet", f"the tests import {imported}, not this checkout's (PYTHONPATH={REPO}, as dev.py sets)"
    monkeypatch.setenv("JUPYTER_CONFIG_DIR", str(etc))
    listing = _jupyter_listing(ListServerExtensionsApp)
    assert f"Config dir: {etc}" in listing, listing
    assert re.search(r"bpnet\.lab enabled", listing) and re.search(r"bpnet\.lab .*OK", listing), listing
