"""An ASGI app served by uvicorn in a thread on a local port: the simulators in the benches, the
tests and the demo seed, and the app itself in browser tests."""

from __future__ import annotations

import socket
import threading
from typing import Any

import uvicorn


def local_socket(port: int = 0) -> socket.socket:
    """A socket bound to 127.0.0.1 (``port`` 0: a free one) for uvicorn's ``sockets=``.

    Made with its protocol named: asyncio turns Nagle's algorithm off (TCP_NODELAY) only on
    connections whose socket says IPPROTO_TCP, and accepted connections inherit the listener's
    protocol. With protocol 0 a response uvicorn writes in two parts (head, then body) waits for
    the client's delayed ACK: about 40 ms added to every request.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    return sock


def url_of(sock: socket.socket) -> str:
    return f"http://127.0.0.1:{sock.getsockname()[1]}"


def start_in_thread(app: Any, sock: socket.socket, **config: Any) -> tuple[uvicorn.Server, threading.Thread]:
    """Serve ``app`` on ``sock`` in a daemon thread; ``config``: uvicorn.Config's keywords (the log
    level is "critical" unless given). Set ``server.should_exit`` to stop it."""
    server = uvicorn.Server(uvicorn.Config(app, **({"log_level": "critical"} | config)))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    return server, thread
