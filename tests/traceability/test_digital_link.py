"""GS1 Digital Link paths resolve to the stamp's page when GTIN, lot and serial agree."""

from __future__ import annotations

import pytest

from agrimarket.errors import DomainError
from tests.traceability.test_stamps_helpers import issue, make_batch
from traceability.stamps import digital_link
from traceability.tables import Stamp

GTIN13 = "8938505974194"


def test_check_digits_and_padding():
    assert digital_link.gtin14(GTIN13) == "0" + GTIN13
    assert digital_link.gtin14("96385074") == "00000096385074"  # GTIN-8
    assert digital_link.gtin14("036000291452") == "00036000291452"  # UPC-A
    for bad in ("8938505974195", "12345", "abcdefghijklm"):
        with pytest.raises(DomainError):
            digital_link.gtin14(bad)


async def test_digital_link_resolves_and_mismatches_are_404(client, accounts):
    session, _, batch_id = await make_batch(accounts, gtin=GTIN13, lot="LO-2026.11")
    assert (await issue(client, session, batch_id, 2)).status_code == 201
    serial = (await Stamp.select(Stamp.serial).first())["serial"]
    for gtin in (GTIN13, "0" + GTIN13):
        response = await client.get(f"/01/{gtin}/10/LO-2026.11/21/{serial}", follow_redirects=False)
        assert response.status_code == 307 and response.headers["location"] == f"/t/{serial}"
    followed = await client.get(f"/01/{GTIN13}/10/LO-2026.11/21/{serial.lower()}")
    assert followed.status_code == 200 and "Bưởi da xanh Cát Hải" in followed.text
    assert (await client.get(f"/01/{GTIN13}/10/LO-OTHER/21/{serial}")).status_code == 404
    assert (await client.get(f"/01/{GTIN13}/10/LO-2026.11/21/0000000000000000")).status_code == 404
    assert (await client.get(f"/01/00000096385074/10/LO-2026.11/21/{serial}")).status_code == 404
    bad = await client.get(f"/01/8938505974195/10/LO-2026.11/21/{serial}")
    assert bad.status_code == 400 and "kiểm tra" in bad.text


async def test_no_gtin_means_no_digital_link(client, accounts):
    session, _, batch_id = await make_batch(accounts)
    assert (await issue(client, session, batch_id, 1)).status_code == 201
    serial = (await Stamp.select(Stamp.serial).first())["serial"]
    assert (await client.get(f"/01/{GTIN13}/10/LO-01/21/{serial}")).status_code == 404
