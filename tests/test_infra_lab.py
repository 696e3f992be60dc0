"""`make lab` and `python dev.py lab`, the README's first command with and without make:
JupyterLab at notebook 00, on 127.0.0.1 only, with a token."""

from __future__ import annotations

import json
import os
import queue
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from infra_support import REPO, START_NOTEBOOK, copy_repo_files, free_port, stop_process_group, without_nbgrader

URL = re.compile(r"(http://([\d.]+|localhost):(\d+)/lab/tree/notebooks/(\S+?)\?token=(\w+))")


def _get(url: str, headers=None) -> tuple[int, str]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, ""


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _status_without_following(url: str) -> int:
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(url, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.slow
@pytest.mark.parametrize("how", ["make", "dev.py"])
def test_lab_serves_notebook_00_on_localhost_with_a_token(tmp_path, how):
    assert (REPO / "notebooks" / START_NOTEBOOK).is_file(), f"notebooks/{START_NOTEBOOK} is missing"
    port = free_port()
    # Run the real recipe with this test's Python environment: a fresh stamp file tells it
    # the environment is already installed (make test installed it).
    stamp = tmp_path / "installed"
    stamp.touch()
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(tmp_path / "config"), "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
           "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "workspaces"), "JUPYTERLAB_SETTINGS_DIR": str(tmp_path / "settings")}
    lab_args = ["--no-browser", "--ServerApp.port_retries=0", *without_nbgrader()]
    if how == "make":
        cwd = REPO
        cmd = ["make", "--no-print-directory", "lab", f"VENV={sys.prefix}", f"LAB_STAMP={stamp}", f"PORT={port}",
               "LAB_ARGS=" + " ".join(lab_args)]
    else:
        # The path without make (Windows), from a clean copy of the repository's files.
        cwd = copy_repo_files(tmp_path / "clone")
        cmd = [sys.executable, "dev.py", "lab", "--venv", sys.prefix, "--stamp", str(stamp), "--port", str(port),
               "--", *lab_args]
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    lines: queue.Queue = queue.Queue()
    log: list[str] = []
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout], daemon=True).start()
    try:
        _check_make_lab(proc, port, lines, log)
    except BaseException:
        time.sleep(1)
        while not lines.empty():
            log.append(lines.get())
        print(f"{how} lab output:\n" + "".join(log))
        raise
    finally:
        stop_process_group(proc)
    assert proc.poll() is not None, f"{how} lab did not stop"


def _check_make_lab(proc, port: int, lines: queue.Queue, log: list[str]) -> None:
    """Read make lab's output up to the URL, then check what it serves."""
    match = None
    deadline = time.monotonic() + 180  # a hang guard, not a timing check
    while match is None and time.monotonic() < deadline and proc.poll() is None:
        try:
            line = lines.get(timeout=1)
        except queue.Empty:
            continue
        log.append(line)
        match = URL.search(line)
    assert match, "make lab printed no http://...?token=... URL:\n" + "".join(log)
    url, host, printed_port, notebook, token = match.groups()
    assert host == "127.0.0.1", url
    assert int(printed_port) == port, url
    assert notebook == START_NOTEBOOK, url
    assert len(token) >= 32, "the token must be kept (never disabled)"
    # Widget replies are not held back by Nagle's algorithm (bpnet/lab.py).
    assert any("bpnet.lab: kernel websocket messages are sent without delay" in line for line in log), "".join(log)

    # The server logs its URL as it binds the socket: wait until it accepts connections.
    deadline = time.monotonic() + 60  # a hang guard, not a timing check
    while not _port_open(port):
        assert proc.poll() is None and time.monotonic() < deadline, f"nothing listens on port {port}"
        time.sleep(0.1)
    status, body = _get(url)
    assert status == 200, f"GET {url} -> {status}"
    assert "JupyterLab" in body, body[:500]

    base = f"http://127.0.0.1:{port}"
    status, _ = _get(f"{base}/api/contents/notebooks/{START_NOTEBOOK}?content=0",
                     headers={"Authorization": f"token {token}"})
    assert status == 200, f"the server does not serve notebooks/{START_NOTEBOOK} from the repo root ({status})"
    # A learner is not asked whether to fetch Jupyter's news, and JupyterLab does not look for a newer
    # version of itself: jupyter-config/overrides.json, JupyterLab's defaults, in its environment.
    status, body = _get(f"{base}/lab/api/settings/@jupyterlab/apputils-extension:notification",
                        headers={"Authorization": f"token {token}"})
    assert status == 200, f"no notification settings ({status})"
    defaults = {key: spec.get("default") for key, spec in json.loads(body)["schema"]["properties"].items()}
    assert defaults["fetchNews"] == "false" and defaults["checkForUpdates"] is False, defaults
    # Without the token nothing is served.
    assert _get(f"{base}/api/contents/notebooks")[0] == 403
    assert _status_without_following(f"{base}/lab/tree/notebooks/{START_NOTEBOOK}") in (302, 303, 403)

    psutil = pytest.importorskip("psutil")
    listening = {c.laddr.ip for c in psutil.net_connections(kind="tcp")
                 if c.status == psutil.CONN_LISTEN and c.laddr.port == port}
    assert listening == {"127.0.0.1"}, f"JupyterLab listens on {listening}, expected 127.0.0.1 only"
