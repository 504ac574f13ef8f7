"""The import contracts hold on the tree, and a planted forbidden import, cycle or hidden import fails them."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.contracts.check import APPS, ROOT, check, cycles


@pytest.fixture(scope="module")
def sources(tmp_path_factory) -> Path:
    """A copy of the three apps' sources (migrations and assets left out) to plant imports in."""
    root = tmp_path_factory.mktemp("tree")
    for app in APPS:
        shutil.copytree(
            ROOT / app,
            root / app,
            ignore=shutil.ignore_patterns("piccolo_migrations", "*.pyc", "templates", "static", "fonts"),
        )
    return root


@pytest.fixture
def tree(sources: Path):
    """The copy, with what a test plants in it removed afterwards."""
    yield sources
    for planted in sources.rglob("planted*.py"):
        planted.unlink()


def plant(tree: Path, module: str, source: str) -> None:
    path = tree.joinpath(*module.split(".")).with_suffix(".py")
    path.write_text(source, encoding="utf-8")


def new_problems(tree: Path, before: list[str]) -> list[str]:
    return [problem for problem in check(tree) if problem not in before]


def test_the_house_keeps_its_contracts():
    assert check() == []


def test_a_core_module_importing_integrations_is_refused(tree):
    before = check(tree)
    plant(tree, "agrimarket.products.planted", "from integrations.listings import service\n")
    (problem,) = new_problems(tree, before)
    assert problem.startswith(
        "agrimarket/products/planted.py:1: agrimarket.products.planted imports integrations.listings.service"
    )
    assert "the core imports neither traceability nor integrations" in problem


@pytest.mark.parametrize(
    ("module", "source", "contract"),
    [
        ("traceability.planted", "import integrations.tables\n", "traceability does not import integrations"),
        (
            "integrations.adapters.planted",
            "from agrimarket.tables import Product\n",
            "adapters touch neither our tables",
        ),
        (
            "integrations.adapters.planted",
            "from litestar import get\n",
            "adapters touch neither our tables nor the web layer",
        ),
        (
            "integrations.simulators.planted",
            "from agrimarket import clock\n",
            "simulators know nothing of agrimarket",
        ),
        (
            "integrations.simulators.planted",
            "from integrations.sync import outbox\n",
            "simulators know nothing of agrimarket",
        ),
        ("agrimarket.web.planted", "from traceability.stamps import scan\n", "the core imports neither"),
    ],
)
def test_each_forbidden_arrow_is_refused(tree, module, source, contract):
    before = check(tree)
    plant(tree, module, source)
    problems = new_problems(tree, before)
    assert len(problems) == 1 and contract in problems[0], problems


def test_an_import_hidden_in_a_function_is_refused_even_without_a_cycle(tree):
    before = check(tree)
    plant(tree, "agrimarket.planted", "def later():\n    from agrimarket import clock\n    return clock\n")
    (problem,) = new_problems(tree, before)
    assert "agrimarket.planted imports agrimarket.clock inside a function" in problem


def test_a_late_third_party_import_needs_a_reason(tree):
    before = check(tree)
    plant(tree, "agrimarket.planted", "def later():\n    import json\n    return json\n")
    (problem,) = new_problems(tree, before)
    assert "without a comment saying why" in problem
    plant(
        tree,
        "agrimarket.planted",
        "def later():\n    import json  # heavy: only the export needs it\n    return json\n",
    )
    assert new_problems(tree, before) == []


def test_a_cycle_between_modules_is_refused(tree):
    before = check(tree)
    plant(tree, "agrimarket.planted_a", "from agrimarket import planted_b\n")
    plant(tree, "agrimarket.planted_b", "from agrimarket import planted_a\n")
    assert new_problems(tree, before) == ["import cycle: agrimarket.planted_a -> agrimarket.planted_b"]


def test_cycles_finds_every_group_and_only_groups():
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": {"e"}, "e": {"d"}, "f": {"a"}}
    assert sorted(cycles(edges)) == [["a", "b", "c"], ["d", "e"]]


def test_make_lint_runs_the_check_and_fails_on_a_broken_contract(tree):
    plant(tree, "agrimarket.planted", "import integrations\n")
    run = subprocess.run(
        [
            sys.executable,
            "-c",
            f"import sys; from pathlib import Path; from tests.contracts.check import main; sys.exit(main(Path({str(tree)!r})))",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert run.returncode == 1
    assert "agrimarket.planted imports integrations" in run.stdout
    lint = (ROOT / "Makefile").read_text().split("\nlint:", 1)[1].split("\n\n", 1)[0]
    assert "$(BIN)/python -m tests.contracts" in lint
