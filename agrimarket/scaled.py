"""`make run-scaled`: the scaled-out topology on one machine, to see it work.

PostgreSQL database ``agrimarket_scaled`` (recreated each run: the local S3 keeps objects in
memory only, so rows and photos start together), a local S3 server (moto) with a public-read
bucket, migrations + the demo seed, APP_PROCESSES app processes behind a production ASGI server
on :8000, SYNC_WORKERS sync worker processes, and the marketplace simulators in a process of
their own on :8001 (they keep state in memory, like a real marketplace: one copy, not one per
app process). Ctrl-C stops everything.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import boto3
import httpx
from moto.server import ThreadedMotoServer

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
BUCKET = "agrimarket-media"
LOCAL_S3_KEY = "local"  # moto accepts any key; this S3 lives only as long as the script
# Production ASGI server of the app processes, picked by the figures of bench/servers.py.
SERVER = "granian"


@dataclass
class Topology:
    database: str = "agrimarket_scaled"
    admin_url: str = field(
        default_factory=lambda: os.environ.get("PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    )
    app_ports: list[int] = field(default_factory=lambda: [8000])
    processes_per_port: int = 2
    sync_workers: int = 2
    simulator_port: int = 8001
    s3_port: int = 9000
    server: str = SERVER
    log_format: str = "json"

    @property
    def database_url(self) -> str:
        return f"{self.admin_url.rsplit('/', 1)[0]}/{self.database}"

    @property
    def sim_state_dir(self) -> Path:
        """The simulators' items of this database: made with it, cleared with it."""
        return ROOT / "var" / f"{self.database}-simulators"


async def recreate_database(topology: Topology) -> None:
    """A fresh database, and fresh simulators with it: the previous run's items would collide with
    the new listings' skus (and, at higher versions, make the simulators ignore our pushes)."""
    shutil.rmtree(topology.sim_state_dir, ignore_errors=True)
    conn = await asyncpg.connect(topology.admin_url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{topology.database}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{topology.database}"')
    finally:
        await conn.close()


def start_s3(port: int) -> tuple[ThreadedMotoServer, str]:
    """A local S3 API (moto, in a thread of this process) with the media bucket readable by browsers."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto's server logs every request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    host, bound = server.get_host_and_port()
    endpoint = f"http://{host}:{bound}"
    s3 = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=LOCAL_S3_KEY,
        aws_secret_access_key=LOCAL_S3_KEY,
    )
    s3.create_bucket(Bucket=BUCKET)
    # Photos are fetched by browsers straight from S3 (a CDN in production), so the bucket is public-read.
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{BUCKET}/*",
            }
        ],
    }
    s3.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps(policy))
    return server, endpoint


def environment(topology: Topology, s3_endpoint: str) -> dict[str, str]:
    """The settings every process of the topology shares (see agrimarket.settings)."""
    simulators = f"http://127.0.0.1:{topology.simulator_port}/sim"
    return os.environ | {
        "DATABASE_URL": topology.database_url,
        "MEDIA_STORAGE": "s3",
        "S3_ENDPOINT_URL": s3_endpoint,
        "S3_BUCKET": BUCKET,
        "S3_ACCESS_KEY_ID": LOCAL_S3_KEY,
        "S3_SECRET_ACCESS_KEY": LOCAL_S3_KEY,
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{topology.app_ports[0]}",
        "INTEGRATIONS_WORKER": "off",  # the sync workers below do it
        "INTEGRATIONS_SIMULATORS": "0",
        "INTEGRATIONS_POSTMART_URL": f"{simulators}/postmart",
        "INTEGRATIONS_VOSO_URL": f"{simulators}/voso",
        "INTEGRATIONS_SHOPEE_URL": f"{simulators}/shopee",
        "INTEGRATIONS_TIKTOK_URL": f"{simulators}/tiktok",
        "INTEGRATIONS_LAZADA_URL": f"{simulators}/lazada",
        # Messages go from the app processes (claimed with SKIP LOCKED) to the simulators' process.
        "MESSAGE_ZALO_OAUTH_URL": f"{simulators}/zalo",
        "MESSAGE_ZALO_ZNS_URL": f"{simulators}/zalo",
        "MESSAGE_SMS_URL": f"{simulators}/sms",
        "LOG_FORMAT": topology.log_format,
        "DB_POOL_SIZE": "5",
    }


def prepare(env: dict[str, str]) -> None:
    """Migrations, administrative units and the demo seed (through the real services)."""
    for command in (
        ["migrations", "forwards", "all"],
        ["agrimarket", "load_areas"],
        ["agrimarket", "seed_demo"],
    ):
        subprocess.run(  # noqa: S603 - fixed commands of our own
            [str(BIN / "piccolo"), *command], check=True, env=env, cwd=ROOT, stdout=subprocess.DEVNULL
        )


def server_command(server: str, port: int, processes: int) -> list[str]:
    """The ASGI server serving agrimarket.asgi:app with ``processes`` worker processes on ``port``.

    Proxy headers are left to the app (TRUSTED_PROXIES): uvicorn's own handling is turned off, and
    granian has none (it passes the peer address as it is).
    """
    if server == "granian":
        return [
            str(BIN / "granian"), "--interface", "asgi", "--host", "127.0.0.1", "--port", str(port),
            "--workers", str(processes), "agrimarket.asgi:app",
        ]  # fmt: skip
    return [
        str(BIN / "uvicorn"), "agrimarket.asgi:app", "--host", "127.0.0.1", "--port", str(port),
        "--workers", str(processes), "--no-access-log", "--no-proxy-headers",  # the app writes the access line (LOG_FORMAT=json)
    ]  # fmt: skip


def start_processes(topology: Topology, env: dict[str, str]) -> list[subprocess.Popen]:
    """Simulators, app servers and sync workers; each a child process of this one."""
    simulators_env = env | {
        "INTEGRATIONS_SIMULATORS": "1",
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{topology.simulator_port}",
        "INTEGRATIONS_SIM_STATE_DIR": str(topology.sim_state_dir),
    }
    commands: list[tuple[list[str], dict[str, str]]] = [
        (server_command("uvicorn", topology.simulator_port, 1), simulators_env),
        *(
            (server_command(topology.server, port, topology.processes_per_port), env)
            for port in topology.app_ports
        ),
        ([str(BIN / "piccolo"), "integrations", "worker", "--processes", str(topology.sync_workers)], env),
    ]
    # A new session per child: Ctrl-C reaches this script only, which then stops them in order.
    return [
        subprocess.Popen(command, env=e, cwd=ROOT, start_new_session=True)  # noqa: S603 - fixed commands
        for command, e in commands
    ]


def wait_ready(urls: list[str], processes: list[subprocess.Popen], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    pending = list(urls)
    while pending:
        if time.monotonic() > deadline:
            raise TimeoutError(f"not ready after {timeout} s: {pending}")
        if any(p.poll() is not None for p in processes):
            raise RuntimeError("a process of the topology exited during start-up")
        try:
            if httpx.get(f"{pending[0]}/readyz", timeout=2).status_code == 200:
                pending.pop(0)
                continue
        except httpx.HTTPError:
            pass
        time.sleep(0.3)


def stop(processes: list[subprocess.Popen]) -> None:
    # Reverse start order: workers first, simulators last, so no worker pushes to a stopped simulator.
    for process in reversed(processes):
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--processes", type=int, default=int(os.environ.get("APP_PROCESSES", "2")))
    parser.add_argument("--workers", type=int, default=int(os.environ.get("SYNC_WORKERS", "2")))
    parser.add_argument("--server", choices=["granian", "uvicorn"], default=SERVER)
    args = parser.parse_args()
    # `kill` (SIGTERM) stops the children as Ctrl-C does, instead of orphaning them.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    topology = Topology(processes_per_port=args.processes, sync_workers=args.workers, server=args.server)

    print(f"PostgreSQL: recreating {topology.database} …", flush=True)
    asyncio.run(recreate_database(topology))
    s3, endpoint = start_s3(topology.s3_port)
    print(f"S3 (moto): {endpoint}/{BUCKET}", flush=True)
    env = environment(topology, endpoint)
    print("Migrations, areas, demo seed …", flush=True)
    prepare(env)
    processes = start_processes(topology, env)
    try:
        wait_ready([f"http://127.0.0.1:{port}" for port in topology.app_ports], processes)
        print(
            f"Ready: http://127.0.0.1:{topology.app_ports[0]} ({args.processes} × {args.server}, "
            f"{args.workers} sync workers, simulators on :{topology.simulator_port}). Ctrl-C stops.",
            flush=True,
        )
        while all(p.poll() is None for p in processes):
            time.sleep(0.5)
        print("A process exited; stopping the rest.", file=sys.stderr)
    except KeyboardInterrupt:
        print("\nStopping …", flush=True)
    finally:
        stop(processes)
        s3.stop()


if __name__ == "__main__":
    main()
