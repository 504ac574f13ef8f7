"""``python -m bench [stamps|scan|product|memory|photos|sync|indicators|imports|orders|messages|weight|national ...]``.

Default: everything, then the table is also written to bench/REPORT.md. Each bench runs in a
process of its own (its own database and engine), so any one of them can run alone; a part run
alone leaves the report as it is, except the order desk's (run on its own, later than the rest),
which replaces its own section of bench/REPORT.md, and the indicators at national size (``national``,
not part of the default run: it loads 10 M history rows), which does the same. ``--seconds N``: how long the order desk's
bench runs at 60 orders a minute (default 30). ``--quick``: the messages bench's events for 10 s
instead of 30.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.report import REPORT, Result, machine, text_table, write_markdown, write_section

ALL = [
    "stamps",
    "scan",
    "product",
    "memory",
    "photos",
    "sync",
    "indicators",
    "imports",
    "orders",
    "messages",
    "weight",
]
ALONE = ["national"]  # run only when named: the province and national sizes side by side (minutes)
PAGES = ("scan", "product", "memory")  # one served session: both apps up, loaded in turns


def _groups(which: list[str]) -> list[tuple[str, list[str]]]:
    """The processes to run, in order; scan, product and memory share one page session."""
    groups: list[tuple[str, list[str]]] = []
    for name in which:
        if name in PAGES:
            if not any(g == "pages" for g, _ in groups):
                kinds = [k for k in ("scan", "product") if k in which] if "memory" not in which else []
                groups.append(("pages", kinds))
        else:
            groups.append((name, []))
    return groups


def _child(group: str, args: list[str], out: str) -> None:
    """Run one group in this process and leave its result as JSON in ``out``."""
    if group == "pages":
        from bench import pages

        result = pages.run(args or None)
    elif group == "stamps":
        from bench import stamps

        result = stamps.run()
    elif group == "photos":
        from bench import photos

        result = photos.run()
    elif group == "sync":
        from bench import sync

        result = sync.run()
    elif group == "indicators":
        from bench import indicators

        result = indicators.run("postgres")
    elif group == "national":
        from bench import indicators

        result = indicators.run_national()
    elif group == "imports":
        from bench import imports

        result = imports.run()
    elif group == "weight":
        from bench import weight

        result = weight.run()
    elif group == "orders":
        from bench import orders

        result = orders.run(orders.seconds_from(args))
    elif group == "messages":
        from bench import messages

        result = messages.run(messages.seconds_from(args))
    else:
        raise SystemExit(f"unknown bench {group!r}; one of {', '.join(ALL + ALONE)}")
    Path(out).write_text(json.dumps(result.to_json(), ensure_ascii=False))


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        group, out, *args = sys.argv[2:]
        _child(group, args, out)
        return
    argv = sys.argv[1:]
    seconds = argv[argv.index("--seconds") : argv.index("--seconds") + 2] if "--seconds" in argv else []
    quick = ["--quick"] if "--quick" in argv else []
    which = [a for a in argv if a not in seconds and a not in quick] or ALL
    unknown = sorted(set(which) - set(ALL + ALONE))
    if unknown:
        raise SystemExit(f"unknown bench {', '.join(unknown)}; choose from {', '.join(ALL + ALONE)}")
    started = time.perf_counter()
    results: dict[str, Result] = {}
    logs = Path(tempfile.mkdtemp(prefix="agm-bench-logs-"))
    for group, args in _groups(which):
        args = seconds if group == "orders" else quick if group == "messages" else args
        out, log = logs / f"{group}.json", logs / f"{group}.log"
        t0 = time.perf_counter()
        print(f"{group} …", end=" ", flush=True)
        with log.open("wb") as sink:
            command = [sys.executable, "-m", "bench", "--child", group, str(out), *args]
            done = subprocess.run(command, stdout=sink, stderr=subprocess.STDOUT, check=False)  # noqa: S603
        if done.returncode != 0:
            print(f"FAILED (exit {done.returncode}); the end of {log}:", flush=True)
            print("\n".join(log.read_text(errors="replace").splitlines()[-30:]), file=sys.stderr)
            raise SystemExit(1)
        results[group] = Result.from_json(json.loads(out.read_text()))
        print(f"{time.perf_counter() - t0:.0f} s", flush=True)
    runtime = time.perf_counter() - started
    figures = [f for r in results.values() for f in r.figures]
    print()
    print(text_table(figures))
    print()
    for result in results.values():
        for key, value in result.details:
            print(key, value)
    print(f"\n{runtime / 60:.1f} min; PostgreSQL; logs in {logs}")
    if set(which) == set(ALL):
        write_markdown(results, machine(), runtime, keep=tuple(ALONE))
        print(f"Written to {REPORT.relative_to(REPORT.parent.parent)}")
    for alone in ("orders", "national"):
        if alone in results and set(which) != set(ALL):
            write_section(alone, results[alone], machine(), runtime)
            print(f"The {alone} section of {REPORT.relative_to(REPORT.parent.parent)} replaced")


if __name__ == "__main__":
    main()
