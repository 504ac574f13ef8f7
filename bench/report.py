"""The one table every bench feeds: figure | ours | ceiling | ratio | goal → verdict."""

from __future__ import annotations

import os
import platform
import subprocess
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "bench" / "REPORT.md"
HEADERS = ("figure", "ours", "ceiling", "ratio", "goal → verdict")


@dataclass(frozen=True)
class Figure:
    name: str
    ours: str
    ceiling: str
    ratio: str
    goal: str  # "goal → OK", "goal → MISSED", or a note when no goal is agreed

    def cells(self) -> tuple[str, ...]:
        return (self.name, self.ours, self.ceiling, self.ratio, self.goal)


@dataclass
class Result:
    """What one bench hands back: its table rows and the lines that explain them."""

    figures: list[Figure] = field(default_factory=list)
    details: list[tuple[str, str]] = field(default_factory=list)
    setup: str = ""  # sizes and durations, for the report header

    def to_json(self) -> dict:
        return {"figures": [asdict(f) for f in self.figures], "details": self.details, "setup": self.setup}

    @classmethod
    def from_json(cls, data: dict) -> Result:
        figures = [Figure(**f) for f in data["figures"]]
        return cls(figures, [tuple(d) for d in data["details"]], data["setup"])


def verdict(goal: str, met: bool) -> str:
    return f"{goal} → {'OK' if met else 'MISSED'}"


def text_table(figures: list[Figure]) -> str:
    rows = [HEADERS, *(f.cells() for f in figures)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(HEADERS))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def markdown_table(figures: list[Figure]) -> str:
    lines = ["| " + " | ".join(HEADERS) + " |", "|" + "---|" * len(HEADERS)]
    lines += ["| " + " | ".join(c.replace("|", "\\|") for c in f.cells()) + " |" for f in figures]
    return "\n".join(lines)


def machine() -> dict[str, str]:
    """Date, machine, engine and commit, as the report header states them."""

    def git(*args: str) -> str:
        try:
            out = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True)  # noqa: S603, S607
        except (OSError, subprocess.CalledProcessError):
            return "?"
        return out.stdout.strip()

    dirty = " + uncommitted changes" if git("status", "--porcelain", "--untracked-files=no") else ""
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return {
        "date": datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "machine": f"{os.cpu_count()} cores ({cpu}), {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}",
        "commit": git("rev-parse", "--short", "HEAD") + dirty,
        "load": load,
    }


def write_markdown(
    results: dict[str, Result], info: dict[str, str], runtime_s: float, keep: tuple[str, ...] = ()
) -> None:
    """The whole report from this run; the sections of the benches named in ``keep`` (run only
    alone, e.g. the national size) stay as they were."""
    figures = [f for r in results.values() for f in r.figures]
    setup = "\n".join(f"- **{name}**: {r.setup}" for name, r in results.items() if r.setup)
    details = "\n".join(
        f"- **{name}**: " + "; ".join(f"{k} {v}" for k, v in r.details)
        for name, r in results.items()
        if r.details
    )
    text = f"""# Benchmark report — the latest figures

Written by `make bench` (`python -m bench`); see the Benchmarks section of the README for what each
line means. Every ceiling was measured in the same run as the figure next to it.

- date: {info["date"]}
- machine: {info["machine"]}
- engine: PostgreSQL (local, 127.0.0.1:5432), a database created for the run by `bench/db.py`
- commit: {info["commit"]}
- load average when the run ended (1, 5, 15 min): {info["load"]}
- whole run: {runtime_s / 60:.1f} min

**Read the ratios.** Absolute figures depend on what else used the 2 cores during the run (the load
average above counts the bench's own processes too: about 2 on a quiet machine); the ratios — each
pair measured in the same run, interleaved where the bench allows — are what to compare.

{markdown_table(figures)}

## Sizes and durations of this run

Reduced where needed to keep the whole run under 10 minutes on 2 cores ("was" gives the earlier size):

{setup}

## Details

{details}
"""
    old = REPORT.read_text() if REPORT.exists() else ""
    for name in keep:
        start, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
        if start in old and end in old:
            text += "\n" + old[old.index(start) : old.index(end) + len(end)] + "\n"
    REPORT.write_text(text)


def write_section(name: str, result: Result, info: dict[str, str], runtime_s: float) -> None:
    """One bench run alone: its own section of the report (between markers), replaced or added,
    the rest of the report left as it was."""
    start, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    details = "; ".join(f"{k} {v}" for k, v in result.details)
    note = os.environ.get("BENCH_NOTE", "")  # what else ran on the machine, in the runner's words
    section = f"""{start}
## `python -m bench {name}`, run alone

- date: {info["date"]}; commit: {info["commit"]}; {runtime_s / 60:.1f} min
- machine: {info["machine"]}; load average when the run ended (1, 5, 15 min): {info["load"]}
- engine: PostgreSQL (local, 127.0.0.1:5432), a database created for the run by `bench/db.py`
- setup: {result.setup}
{f"- **{note}**" if note else ""}

Absolute figures depend on what else used the cores; each ceiling was measured in the same run,
interleaved with our figure, so the ratios are what to compare.

{markdown_table(result.figures)}

{details}
{end}"""
    text = REPORT.read_text() if REPORT.exists() else ""
    if start in text and end in text:
        text = text[: text.index(start)] + section + text[text.index(end) + len(end) :]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    REPORT.write_text(text)
