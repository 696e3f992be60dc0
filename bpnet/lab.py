"""A Jupyter server extension: widget replies reach the browser without waiting for a timer.

A click on a widget comes back from the kernel as a few small websocket messages. Tornado,
under Jupyter Server, leaves Nagle's algorithm on for websockets, so the server holds each
small message until the browser has acknowledged the one before, and browsers delay their
acknowledgements by up to 40 ms (Linux). Every click then waits for that timer rather than
for any work: with it off, a bare ``ipywidgets`` button's round trip went from a median of
56 ms to 17 ms here. Tornado's advice for latency-sensitive websockets is to call
``set_nodelay(True)`` once the connection is open; this extension does that for the kernel's
websocket (TCP_NODELAY), and nothing else. A server configured with its own kernel websocket
connection class (a gateway, say) keeps it.

``python dev.py lab`` / ``make lab`` switch it on with ``ENABLE`` (an editable install has no
configuration files); an installed bpnet (``pip install .``, Binder) with
``etc/jupyter/jupyter_server_config.d/bpnet.json``. ``jupyter server extension disable
bpnet.lab`` turns it off. Only a Jupyter server imports this module.
"""

from __future__ import annotations

from jupyter_server.services.kernels.connection.channels import ZMQChannelsWebsocketConnection

__all__ = ["NoDelayConnection", "ENABLE"]

#: The ``jupyter lab`` option that loads this extension.
ENABLE = "--ServerApp.jpserver_extensions=bpnet.lab=True"


class NoDelayConnection(ZMQChannelsWebsocketConnection):
    """Jupyter Server's kernel websocket connection, with TCP_NODELAY on its socket."""

    def connect(self):
        # The websocket is open by now: Tornado calls the handler's open(), which calls this,
        # after the handshake.
        self.websocket_handler.set_nodelay(True)
        return super().connect()


def _jupyter_server_extension_points():
    return [{"module": "bpnet.lab"}]


def _load_jupyter_server_extension(serverapp) -> None:
    settings = serverapp.web_app.settings
    if settings.get("kernel_websocket_connection_class") is not ZMQChannelsWebsocketConnection:
        serverapp.log.info("bpnet.lab: the kernel websocket connection class is configured already; left as it is")
        return
    settings["kernel_websocket_connection_class"] = NoDelayConnection
    serverapp.log.info("bpnet.lab: kernel websocket messages are sent without delay (TCP_NODELAY)")
