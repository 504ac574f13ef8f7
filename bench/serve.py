"""Serve an ASGI app in a real server process, load it from many clients, read its memory."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from agrimarket.scaled import BIN, SERVER

ROOT = Path(__file__).resolve().parent.parent
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "32"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "5"))


def stop_all(procs: list[subprocess.Popen], timeout: float) -> None:
    """Ask every process to stop (SIGTERM), then wait for each: they shut down side by side."""
    for proc in procs:
        proc.terminate()
    for proc in procs:
        proc.wait(timeout=timeout)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    """One worker process of the production ASGI server (granian) serving ``target``."""

    target: str
    env: dict[str, str]
    log: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Server:
        command = [
            str(BIN / SERVER), "--interface", "asgi", "--host", "127.0.0.1", "--port", str(self.port),
            "--workers", "1", "--log-level", "warning", self.target,
        ]  # fmt: skip
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(  # noqa: S603 - our own server and module
                command, cwd=ROOT, env=self.env | {"PYTHONPATH": str(ROOT)}, stdout=out, stderr=out
            )
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    async def ready(self) -> None:
        await wait(self.base, self.process, f"{self.target} (see {self.log})")

    def app_pid(self) -> int:
        """The worker process holding the app (granian's supervisor only forks and watches it)."""
        assert self.process is not None
        pid = self.process.pid
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        return int(children[0]) if children else pid

    def rss_mb(self, supervisor: bool = False) -> float:
        """Resident memory (VmRSS) of the app process, or of the supervisor, in MiB."""
        assert self.process is not None
        pid = self.process.pid if supervisor else self.app_pid()
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError(f"no VmRSS for {pid}")


async def wait(base: str, process: subprocess.Popen | None = None, what: str = "the server") -> None:
    """Until GET /healthz answers 200 (30 s at most), failing early if the server process died."""
    async with httpx.AsyncClient(base_url=base) as client:
        for _ in range(300):
            if process and process.poll() is not None:
                raise RuntimeError(f"{what} exited at start")
            try:
                if (await client.get("/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError(f"{what} did not start")


@dataclass
class Load:
    """Requests answered over some seconds of load; rounds of the same page add up."""

    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    size: int = 0

    def add(self, other: Load) -> None:
        self.seconds += other.seconds
        self.latencies += other.latencies
        self.errors += other.errors
        self.size = other.size or self.size

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    @property
    def p99_ms(self) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000 if ordered else 0.0


async def _get(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, path: str) -> tuple[int, int]:
    """One GET on a keep-alive HTTP/1.1 connection: (status, body bytes)."""
    writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept-Language: vi\r\n\r\n".encode())
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    headers = dict(line.lower().split(b":", 1) for line in lines[1:] if b":" in line)
    if b"content-length" in headers:
        body = len(await reader.readexactly(int(headers[b"content-length"])))
    else:  # chunked
        body = 0
        while size := int((await reader.readuntil(b"\r\n")).strip(), 16):
            body += len(await reader.readexactly(size + 2)) - 2
        await reader.readuntil(b"\r\n")
    return int(lines[0].split()[1]), body


async def load(base: str, paths: list[str], seconds: float = SECONDS, clients: int = CONCURRENCY) -> Load:
    """``clients`` keep-alive connections, each asking the next path as soon as answered.

    A bare asyncio HTTP/1.1 client rather than httpx: httpx tops out near the bare page's rate on
    this machine, and a ceiling must not be the client's.
    """
    result = Load()
    host, port = base.removeprefix("http://").rsplit(":", 1)
    stop = time.perf_counter() + seconds

    async def client(offset: int) -> None:
        reader, writer = await asyncio.open_connection(host, int(port))
        try:
            i = offset
            while time.perf_counter() < stop:
                t0 = time.perf_counter()
                status, result.size = await _get(reader, writer, paths[i % len(paths)])
                result.latencies.append(time.perf_counter() - t0)
                result.errors += status != 200
                i += clients
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(client(n) for n in range(clients)))
    result.seconds = time.perf_counter() - started
    return result
