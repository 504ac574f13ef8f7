"""Real app processes for scale-out tests: uvicorn (or granian) on free ports against the test database."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from agrimarket.scaled import server_command

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: process exited with {process.returncode}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer /healthz within {timeout} s")


@contextmanager
def app_processes(count: int, env: dict[str, str]) -> Iterator[list[str]]:
    """``count`` single-process uvicorn servers of the app; yields their base URLs."""
    with app_servers(count, env) as servers:
        yield [url for url, _ in servers]


def _command(server: str, port: int) -> list[str]:
    if server == "uvicorn":
        return [
            sys.executable, "-m", "uvicorn", "agrimarket.asgi:app", "--port", str(port), "--log-level", "warning",
            "--no-proxy-headers",  # as every server of the app: TRUSTED_PROXIES decides
        ]  # fmt: skip
    # The production command of agrimarket.scaled, one worker process.
    command = server_command(server, port, 1)
    command[1:1] = ["--log-level", "warning"]
    return command


@contextmanager
def app_servers(
    count: int, env: dict[str, str], server: str = "uvicorn"
) -> Iterator[list[tuple[str, subprocess.Popen]]]:
    """As app_processes, yielding (base URL, process) pairs: for tests that check a process lived on."""
    environment = (
        os.environ | {"INTEGRATIONS_WORKER": "off", "DB_POOL_SIZE": "2", "PYTHONPATH": str(ROOT)} | env
    )
    ports = [free_port() for _ in range(count)]
    processes = [subprocess.Popen(_command(server, port), cwd=ROOT, env=environment) for port in ports]
    urls = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        for url, process in zip(urls, processes, strict=True):
            wait_until_up(url, process)
        yield list(zip(urls, processes, strict=True))
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
