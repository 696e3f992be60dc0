"""A Jupyter server extension: widget replies reach the browser without waiting for a timer.

A click on a widget comes back from the kernel as a few small websocket messages. Tornado,
under Jupyter Server, leaves Nagle's algorithm on for websockets, so the server holds each
small message until the browser has acknowledged the one before, and browsers delay their
acknowledgements by up to 40 ms (Linux). Every click then waits for that timer rather than
for any work: a bare ``ipywidgets`` button's round trip drops from about 55 to about 20 ms
here with it off. Tornado's own advice for latency-sensitive websockets is to call
``set_nodelay(True)`` once the connection is open; this extension does that for the
kernel's websocket (TCP_NODELAY), and nothing else.

It is switched on by ``python dev.py lab`` / ``make lab`` (a command-line option, because
an editable install has no configuration files) and, for an installed bpnet (``pip install
.``, Binder), by ``etc/jupyter/jupyter_server_config.d/bpnet.json``. ``jupyter server
extension disable bpnet.lab`` turns it off. Only a Jupyter server imports this module. A server configured with its own kernel
websocket connection class (a gateway, say) keeps it.
"""

from __future__ import annotations

__all__ = ["NoDelayConnection", "ENABLE"]

#: The ``jupyter lab`` option that loads this extension.
ENABLE = "--ServerApp.jpserver_extensions=bpnet.lab=True"

from jupyter_server.services.kernels.connection.channels import ZMQChannelsWebsocketConnection


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
