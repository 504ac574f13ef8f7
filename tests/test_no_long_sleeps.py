"""Tests wait for conditions or move a clock, never for time: no sleep longer than 0.2 s anywhere in
the suite except the fault tests (tests/faults), whose outages last real seconds on purpose.

A sleep is a call named ``sleep`` (``time.sleep``, ``asyncio.sleep``, ...) whose duration is a number
known from the source — a literal, a name or parameter default bound to one, or arithmetic on those
— and any ``sleep(N)`` / ``pg_sleep(N)`` written in a string (SQL, a script run in a subprocess).
A duration computed at run time is not judged. To wait for something, use ``tests.waiting.until``.
"""

from __future__ import annotations

import ast
import operator
import re
from pathlib import Path

LONGEST_S = 0.2
TESTS = Path(__file__).resolve().parent
ALLOWED = ("faults",)  # folders of tests/ that may wait on real time
IN_TEXT = re.compile(r"(?<![A-Za-z0-9])sleep\(\s*([0-9]*\.?[0-9]+)\s*\)")  # pg_sleep( too
ARITHMETIC = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.USub: operator.neg,
    ast.UAdd: operator.pos,
}


def _bindings(tree: ast.AST) -> dict[str, list[ast.expr]]:
    """Every value a name is given in the file: assignments and parameter defaults, in any scope."""
    bound: dict[str, list[ast.expr]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            bound.setdefault(node.targets[0].id, []).append(node.value)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value:
            bound.setdefault(node.target.id, []).append(node.value)
        elif isinstance(node, ast.arguments):
            positional = [*node.posonlyargs, *node.args]
            for arg, default in zip(
                positional[len(positional) - len(node.defaults) :], node.defaults, strict=True
            ):
                bound.setdefault(arg.arg, []).append(default)
            for arg, default in zip(node.kwonlyargs, node.kw_defaults, strict=True):
                if default is not None:
                    bound.setdefault(arg.arg, []).append(default)
    return bound


def _durations(
    node: ast.expr, bound: dict[str, list[ast.expr]], seen: frozenset = frozenset()
) -> list[float]:
    """The numbers ``node`` can stand for, as far as the source says (empty: not known)."""
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return [float(node.value)]
    if isinstance(node, ast.Name) and node.id not in seen:
        return [v for value in bound.get(node.id, []) for v in _durations(value, bound, seen | {node.id})]
    if isinstance(node, ast.UnaryOp) and type(node.op) in ARITHMETIC:
        return [ARITHMETIC[type(node.op)](v) for v in _durations(node.operand, bound, seen)]
    if isinstance(node, ast.BinOp) and type(node.op) in ARITHMETIC:
        lefts, rights = _durations(node.left, bound, seen), _durations(node.right, bound, seen)
        try:
            return [ARITHMETIC[type(node.op)](a, b) for a in lefts for b in rights]
        except ZeroDivisionError:
            return []
    return []


def long_sleeps(source: str, name: str = "<source>") -> list[str]:
    """Each sleep in ``source`` longer than LONGEST_S, as ``name:line: code``, in line order."""
    tree = ast.parse(source)
    bound = _bindings(tree)
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if called != "sleep":
                continue
            given = node.args[:1] + [k.value for k in node.keywords if k.arg in ("delay", "seconds", "secs")]
            if any(d > LONGEST_S for arg in given for d in _durations(arg, bound)):
                found.append((node.lineno, ast.unparse(node)))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            for match in IN_TEXT.finditer(node.value):
                if float(match.group(1)) > LONGEST_S:
                    found.append((node.lineno, f"{match.group(0)} in a string"))
    return [f"{name}:{line}: {code}" for line, code in sorted(found)]


def test_no_test_sleeps_longer_than_a_fifth_of_a_second():
    offenders = []
    for path in sorted(TESTS.rglob("*.py")):
        relative = path.relative_to(TESTS)
        if relative.parts[0] in ALLOWED or path == Path(__file__).resolve():
            continue  # this file plants long sleeps in strings, to see the check find them
        offenders += long_sleeps(path.read_text(encoding="utf-8"), f"tests/{relative.as_posix()}")
    assert not offenders, "wait for a condition (tests.waiting.until) instead:\n" + "\n".join(offenders)


def test_the_check_sees_a_planted_sleep_in_every_form():
    planted = """
import asyncio, time
from asyncio import sleep
PAUSE = 0.5
time.sleep(0.3)
await asyncio.sleep(PAUSE)
await sleep(delay=1)
await asyncio.sleep(2 * 0.15)
def helper(every=0.25):
    time.sleep(every)
SQL = "SELECT pg_sleep(0.3)"
SCRIPT = "import time; time.sleep(1)"
"""
    assert [line.split(":")[1] for line in long_sleeps(planted)] == ["5", "6", "7", "8", "10", "11", "12"]
    allowed = """
import asyncio, time
STEP = 0.05
time.sleep(0.2)
await asyncio.sleep(0)
await asyncio.sleep(STEP)
await asyncio.sleep(0.01 * (6 - value))  # computed at run time: not judged
"SELECT pg_sleep(0.1)"
"""
    assert long_sleeps(allowed) == []
