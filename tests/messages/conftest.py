"""Channel simulators on real localhost ports (Zalo ZNS, eSMS, Web Push)."""

from __future__ import annotations

import socket
import threading
import urllib.request
from collections.abc import Iterator

import pytest

from tests.waiting import until_sync


class LiveChannelSim:
    def __init__(self, module, config) -> None:
        import uvicorn

        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self.sock = sock
        self.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        config.public_url = self.url
        self.app = module.create_app(config)
        self.state = self.app.state.sim
        self.server = uvicorn.Server(
            uvicorn.Config(self.app, log_level="critical", timeout_graceful_shutdown=1)
        )
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [sock]}, daemon=True)
        self.thread.start()
        until_sync(self.answers, timeout=10, every=0.05, what="the channel simulator to start")

    def answers(self) -> bool:
        try:
            urllib.request.urlopen(f"{self.url}/outbox.json", timeout=1)  # noqa: S310 - local URL
        except OSError:
            return False
        return True

    def close(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=5)
        self.sock.close()


@pytest.fixture
def channel_sims() -> Iterator[dict[str, LiveChannelSim]]:
    from integrations.simulators import sms, webpush, zalo
    from integrations.simulators.state import SimConfig

    started = {
        "zalo": LiveChannelSim(zalo, zalo.ZaloConfig(seed=11)),
        "sms": LiveChannelSim(sms, sms.SmsConfig(seed=12)),
        "webpush": LiveChannelSim(webpush, SimConfig(seed=13)),
    }
    yield started
    for sim in started.values():
        sim.close()
