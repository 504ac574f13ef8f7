"""GS1 Digital Link URI syntax: GTIN lengths and check digits, qualifier order, values."""

from __future__ import annotations

import pytest

from traceability.resolver.uri import BadLink, gtin14, gtin_forms, parse

GTIN13 = "9506000134352"


def test_gtins_are_padded_to_14_digits_and_check_digits_checked():
    assert gtin14(GTIN13) == "0" + GTIN13
    assert gtin14("96385074") == "00000096385074"  # GTIN-8
    assert gtin14("036000291452") == "00036000291452"  # GTIN-12 (UPC-A)
    for bad in ("9506000134353", "12345", "abcdefghijklm", "١٢٣٤٥٦٧٨", "950600013435212"):
        with pytest.raises(BadLink):
            gtin14(bad)
    assert gtin_forms("0" + GTIN13) == ["0" + GTIN13, GTIN13]
    assert gtin_forms("00000096385074") == ["00000096385074", "0000096385074", "000096385074", "96385074"]


def test_qualifiers_in_the_standard_order_with_encoded_values():
    link = parse(f"/01/{GTIN13}/22/V1/10/LO%2F26/21/ABC")
    assert link.gtin == "0" + GTIN13
    assert (link.value("22"), link.lot, link.serial) == ("V1", "LO/26", "ABC")
    assert link.path() == f"/01/0{GTIN13}/22/V1/10/LO%2F26/21/ABC"
    assert link.levels() == [
        f"/01/0{GTIN13}/22/V1/10/LO%2F26/21/ABC",
        f"/01/0{GTIN13}/22/V1/10/LO%2F26",
        f"/01/0{GTIN13}/22/V1",
        f"/01/0{GTIN13}",
    ]
    assert parse(f"/01/{GTIN13}/21/ABC/").serial == "ABC"  # a trailing slash is tolerated
    assert parse(f"/01/{GTIN13}?linkType=linkset").qualifiers == ()


@pytest.mark.parametrize(
    ("path", "words"),
    [
        (f"/01/{GTIN13}/21/ABC/10/LO", "thứ tự"),  # serial before lot
        (f"/01/{GTIN13}/10/A/10/B", "thứ tự"),  # a qualifier twice
        (f"/01/{GTIN13}/17/261231", "không phải là mã AI"),  # a data attribute belongs in the query
        (f"/01/{GTIN13}/10/LO/foo", "cặp"),  # the conformance suite's own bad URI
        (f"/01/{GTIN13}/10/" + "X" * 21, "1–20"),
        (f"/01/{GTIN13}/10/L%C3%94", "1–20"),  # Ô is outside the GS1 character set
        (f"/01/{GTIN13}//", "cặp"),
        ("/01/9506000134353", "kiểm tra"),
        ("/01/abc", "chữ số"),
    ],
)
def test_bad_syntax_is_a_400_that_says_why(path, words):
    with pytest.raises(BadLink) as raised:
        parse(path)
    assert raised.value.status_code == 400 and words in raised.value.message_vi
