"""The grammar-based Digital Link reader (what a till or a recall tool does with a QR's text) and
the stamp URI builder: qualifier order, 20-character set-82 values, percent-encoding, GS1 dates."""

from __future__ import annotations

from datetime import date

import pytest

from traceability.resolver.dl_grammar import NotDigitalLink, gs1_date, parse_uri
from traceability.resolver.uri import BadLink, stamp_uri

GTIN = "09506000134352"
TODAY = date(2026, 12, 7)


def test_the_stamp_uri_round_trips_with_encoded_values_and_expiry():
    uri = stamp_uri(
        "https://truyxuat.example.vn/", "9506000134352", "A/B+C", "7K3M9QXT2BFAWN4D", date(2027, 5, 31)
    )
    assert uri == f"https://truyxuat.example.vn/01/{GTIN}/10/A%2FB%2BC/21/7K3M9QXT2BFAWN4D?17=270531"
    parsed = parse_uri(uri, TODAY)
    assert (parsed.gtin, parsed.lot, parsed.serial, parsed.expiry) == (
        GTIN,
        "A/B+C",
        "7K3M9QXT2BFAWN4D",
        date(2027, 5, 31),
    )
    # Unreserved characters stand as they are; no expiry, no query.
    assert (
        stamp_uri("http://x.vn", GTIN, "lo.2026_b-1", "S1") == f"http://x.vn/01/{GTIN}/10/lo.2026_b-1/21/S1"
    )


def test_the_builder_refuses_what_gs1_cannot_carry():
    for lot in ("L" * 21, "Lô-01", "LO 01", "LO#1"):
        with pytest.raises(BadLink) as refused:
            stamp_uri("http://x.vn", GTIN, lot, "S1")
        assert "không ghi được trong GS1 Digital Link" in refused.value.message_vi
    with pytest.raises(BadLink):
        stamp_uri("http://x.vn", "09506000134353", "L1", "S1")  # check digit


@pytest.mark.parametrize(
    "text",
    [
        f"https://x.vn/01/{GTIN}/21/S1/10/L1",  # serial before lot
        f"https://x.vn/01/{GTIN}/10/L1/10/L2",  # twice
        f"https://x.vn/01/{GTIN}/10/{'L' * 21}",  # over 20 characters
        f"https://x.vn/01/{GTIN}/10/L%231",  # '#' is not in set 82
        f"https://x.vn/01/{GTIN}/10/L/1",  # a raw slash splits the path
        f"https://x.vn/01/{GTIN}/10/L%C3%B41",  # a Vietnamese letter, encoded
        "https://x.vn/01/09506000134353/10/L1",  # check digit
        f"https://x.vn/01/{GTIN}/10/L1?17=271331",  # month 13
        f"https://x.vn/01/{GTIN}/10/L1?17=2705",  # not 6 digits
        f"https://x.vn/01/{GTIN}/10/L1?17=270531&17=270601",
        f"ftp://x.vn/01/{GTIN}",
        "https://x.vn/T/7K3M9QXT2BFAWN4D",
    ],
)
def test_the_reader_refuses_what_the_grammar_does_not_produce(text):
    with pytest.raises(NotDigitalLink):
        parse_uri(text, TODAY)


def test_the_reader_takes_a_prefix_capitals_and_gtin_13():
    parsed = parse_uri(
        "HTTPS://TRUYXUAT.EXAMPLE.VN:8443/truy-xuat/01/9506000134352/22/V1/10/L1?17=270200&linkType=all",
        TODAY,
    )
    assert (parsed.gtin, parsed.variant, parsed.lot, parsed.serial) == (GTIN, "V1", "L1", None)
    assert parsed.expiry == date(2027, 2, 28)  # day 00: the month's last day
    assert parsed.attributes["linkType"] == "all"


def test_gs1_dates_take_the_century_within_49_years_back_and_50_ahead():
    assert gs1_date("760101", TODAY) == date(2076, 1, 1)
    assert gs1_date("770101", TODAY) == date(1977, 1, 1)
    assert gs1_date("280229", TODAY) == date(2028, 2, 29)
    with pytest.raises(NotDigitalLink):
        gs1_date("270229", TODAY)
