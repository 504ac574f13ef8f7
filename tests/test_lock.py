"""The hashed lock (requirements.txt, requirements-test.txt) covers everything pyproject names.

`make install` installs with `--require-hashes`, so a dependency added to pyproject but missing from
the lock would only show up as a failed install on the next fresh machine; these tests fail first.
"""

import re
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
RUNTIME = [Requirement(r) for r in PYPROJECT["dependencies"]]
TEST = [Requirement(r) for r in PYPROJECT["optional-dependencies"]["test"]]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)")


def read_lock(name: str) -> dict[str, tuple[str, list[str]]]:
    """{canonical name: (version, hashes)} from a pip-compile --generate-hashes file."""
    pins: dict[str, tuple[str, list[str]]] = {}
    current = None
    for line in (ROOT / name).read_text().splitlines():
        if match := PIN.match(line):
            current = canonicalize_name(match[1])
            pins[current] = (match[2], [])
        elif current and (stripped := line.strip()).startswith("--hash=sha256:"):
            pins[current][1].append(stripped.removeprefix("--hash=").rstrip(" \\"))
    return pins


RUNTIME_LOCK = read_lock("requirements.txt")
TEST_LOCK = read_lock("requirements-test.txt")


def extra_requirements(requirement: Requirement) -> list[Requirement]:
    """What `name[extra]` adds (litestar[jinja] -> jinja2), read from the installed metadata."""
    subs = [Requirement(line) for line in metadata.requires(requirement.name) or []]
    return [
        sub
        for sub in subs
        if sub.marker
        and not sub.marker.evaluate({"extra": ""})
        and any(sub.marker.evaluate({"extra": extra}) for extra in requirement.extras)
    ]


def assert_locked(requirement: Requirement, lock: dict[str, tuple[str, list[str]]], lock_name: str) -> None:
    name = canonicalize_name(requirement.name)
    assert name in lock, f"{requirement.name} is in pyproject but not pinned in {lock_name}: run make lock"
    version, hashes = lock[name]
    assert requirement.specifier.contains(version, prereleases=True), (
        f"{lock_name} pins {name}=={version}, outside pyproject's {requirement}: run make lock"
    )
    assert hashes, f"{name} has no hash in {lock_name}"


@pytest.mark.parametrize("requirement", RUNTIME, ids=str)
def test_every_runtime_dependency_is_pinned_with_a_hash_in_both_locks(requirement: Requirement) -> None:
    for lock, lock_name in ((RUNTIME_LOCK, "requirements.txt"), (TEST_LOCK, "requirements-test.txt")):
        assert_locked(requirement, lock, lock_name)
        for sub in extra_requirements(requirement):
            assert_locked(sub, lock, lock_name)


@pytest.mark.parametrize("requirement", TEST, ids=str)
def test_every_test_dependency_is_pinned_with_a_hash_in_the_test_lock(requirement: Requirement) -> None:
    assert_locked(requirement, TEST_LOCK, "requirements-test.txt")
    for sub in extra_requirements(requirement):
        assert_locked(sub, TEST_LOCK, "requirements-test.txt")


def test_every_locked_package_has_a_hash() -> None:
    unhashed = [
        name for lock in (RUNTIME_LOCK, TEST_LOCK) for name, (_, hashes) in lock.items() if not hashes
    ]
    assert not unhashed


def test_production_lock_runs_the_versions_the_tests_ran() -> None:
    differ = {
        name: (version, TEST_LOCK.get(name, ("missing",))[0])
        for name, (version, _) in RUNTIME_LOCK.items()
        if TEST_LOCK.get(name, ("missing",))[0] != version
    }
    assert not differ


def test_the_installed_environment_is_the_lock() -> None:
    installed = {canonicalize_name(d.metadata["Name"]): d.version for d in metadata.distributions()}
    differ = {
        name: (version, installed.get(name, "missing"))
        for name, (version, _) in TEST_LOCK.items()
        if installed.get(name) != version
    }
    assert not differ, "the venv differs from requirements-test.txt: run make install"
