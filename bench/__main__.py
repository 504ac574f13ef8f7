"""``python -m bench [stamps|scan|sync|indicators]``: run the benches and print their figures."""

from __future__ import annotations

import subprocess
import sys


def _table(title: str, rows: list[tuple[str, str]]) -> None:
    print(f"\n{title}")
    print("-" * len(title))
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"{key:<{width}}  {value}")


def main() -> None:
    which = sys.argv[1:] or ["stamps", "scan", "sync", "indicators"]
    if "stamps" in which:
        from bench import stamps

        _table("Stamps: issue + render 10,000 (PostgreSQL)", stamps.run())
    if "scan" in which:
        from bench import scan

        _table("Scan page under load (PostgreSQL)", scan.run())
    if "sync" in which:
        from bench import sync

        _table("Marketplace sync against a rate-limited simulator (PostgreSQL)", sync.run())
    if "indicators" in which:
        # Its own processes (one per engine, 130,000 households): it prints as it goes.
        print("\nIndicators: households selling online by commune\n" + "-" * 48, flush=True)
        subprocess.run([sys.executable, "-m", "bench.indicators"], check=True)


if __name__ == "__main__":
    main()
