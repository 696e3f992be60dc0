"""bpnet.lab, the Jupyter server extension that sends the kernel's websocket messages without
Nagle's delay: what it changes, what it leaves alone, and where it is switched on."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from types import SimpleNamespace
from unittest import mock

import pytest

from infra_support import REPO

pytest.importorskip("jupyter_server")

from jupyter_server.services.kernels.connection.channels import ZMQChannelsWebsocketConnection  # noqa: E402
from jupyter_server.services.kernels.websocket import KernelWebsocketHandler  # noqa: E402

from bpnet import lab  # noqa: E402


def _serverapp(connection_class):
    return SimpleNamespace(web_app=SimpleNamespace(settings={"kernel_websocket_connection_class": connection_class}),
                           log=logging.getLogger("test-serverapp"))


def test_the_extension_puts_its_connection_in_place_of_the_default():
    app = _serverapp(ZMQChannelsWebsocketConnection)
    lab._load_jupyter_server_extension(app)
    assert app.web_app.settings["kernel_websocket_connection_class"] is lab.NoDelayConnection
    assert lab._jupyter_server_extension_points() == [{"module": "bpnet.lab"}]


def test_a_server_with_its_own_connection_class_keeps_it():
    class Gateway(ZMQChannelsWebsocketConnection):
        pass

    app = _serverapp(Gateway)
    lab._load_jupyter_server_extension(app)
    assert app.web_app.settings["kernel_websocket_connection_class"] is Gateway


def test_the_connection_turns_nagle_off_on_its_socket_before_connecting():
    handler = KernelWebsocketHandler.__new__(KernelWebsocketHandler)  # its socket is not needed: only the call
    calls = []
    handler.set_nodelay = lambda value: calls.append(("set_nodelay", value))
    connection = lab.NoDelayConnection(websocket_handler=handler)
    done = object()

    def parent_connect(self):
        calls.append(("connect", self))
        return done

    with mock.patch.object(ZMQChannelsWebsocketConnection, "connect", parent_connect):
        assert connection.connect() is done  # the parent's result, for the handler to await
    assert calls == [("set_nodelay", True), ("connect", connection)]


def test_dev_py_lab_and_the_installed_config_switch_it_on():
    dry = subprocess.run([sys.executable, "dev.py", "lab", "--dry-run", "--venv", sys.prefix, "--stamp", __file__],
                         cwd=REPO, capture_output=True, text=True, timeout=120)
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert lab.ENABLE in dry.stdout, dry.stdout
    config = json.loads((REPO / "jupyter-config" / "bpnet.json").read_text())
    assert config == {"ServerApp": {"jpserver_extensions": {"bpnet.lab": True}}}
    pyproject = (REPO / "pyproject.toml").read_text()
    assert '"etc/jupyter/jupyter_server_config.d" = ["jupyter-config/bpnet.json"]' in pyproject
