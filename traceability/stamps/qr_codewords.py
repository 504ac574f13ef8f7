"""The codewords of a QR symbol (data + Reed–Solomon error correction, interleaved), fast.

Does what ``qrcode.util.create_data`` does (ISO/IEC 18004 §7.4 segments, §7.4.9 terminator and pad
codewords, §7.5 error correction, §7.6 interleaving) with the bits in one Python int and the
Reed–Solomon division as a table-driven shift register: qrcode's bit-at-a-time buffer and polynomial
``%`` were most of a stamp's QR time. The stamps tests check every module against qrcode's own.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from operator import itemgetter

import qrcode.base as qr_base
import qrcode.util as qr_util

_ALPHA = {c: i for i, c in enumerate(qr_util.ALPHA_NUM)}


def _gmul(a: int, b: int) -> int:
    return 0 if a == 0 or b == 0 else qr_base.gexp(qr_base.glog(a) + qr_base.glog(b))


@lru_cache(maxsize=16)
def _rs_table(ec_count: int) -> tuple[int, ...]:
    """For each feedback byte, the generator polynomial times it (without its leading 1) as one int."""
    generator = [1]
    for i in range(ec_count):  # (x - a^0)(x - a^1)...(x - a^(n-1)) over GF(256)
        root = qr_base.gexp(i)
        generator = [
            (generator[j] if j < len(generator) else 0) ^ (_gmul(generator[j - 1], root) if j else 0)
            for j in range(len(generator) + 1)
        ]
    return tuple(int.from_bytes(bytes(_gmul(f, g) for g in generator[1:]), "big") for f in range(256))


def _ec(data: bytes, ec_count: int) -> bytes:
    table, shift, mask = _rs_table(ec_count), 8 * (ec_count - 1), (1 << 8 * ec_count) - 1
    register = 0
    for byte in data:
        register = ((register << 8) & mask) ^ table[byte ^ (register >> shift)]
    return register.to_bytes(ec_count, "big")


def _segment_bits(mode: int, data: bytes, version: int) -> tuple[int, int]:
    """(value, bit count) of one segment: mode indicator, character count, data."""
    value, bits = mode, 4
    count_bits: int = qr_util.length_in_bits(mode, version)  # type: ignore[arg-type]
    value, bits = (value << count_bits) | len(data), bits + count_bits
    if mode == qr_util.MODE_NUMBER:
        for i in range(0, len(data), 3):
            group = data[i : i + 3]
            width = qr_util.NUMBER_LENGTH[len(group)]
            value, bits = (value << width) | int(group), bits + width
    elif mode == qr_util.MODE_ALPHA_NUM:
        for i in range(0, len(data), 2):
            pair = data[i : i + 2]
            if len(pair) == 2:
                value, bits = (value << 11) | (_ALPHA[pair[0]] * 45 + _ALPHA[pair[1]]), bits + 11
            else:
                value, bits = (value << 6) | _ALPHA[pair[0]], bits + 6
    else:
        value, bits = (value << 8 * len(data)) | int.from_bytes(data, "big"), bits + 8 * len(data)
    return value, bits


@lru_cache(maxsize=16)
def _layout(version: int, error_correction: int) -> tuple[tuple[tuple[int, int], ...], Callable]:
    """The RS blocks ((data count, ec count), ...) and the interleaving (§7.6) as one gather over
    ``data codewords + every block's ec codewords``, block after block."""
    blocks = tuple(
        (b.data_count, b.total_count - b.data_count) for b in qr_base.rs_blocks(version, error_correction)
    )
    data_at, ec_at, offset = [], [], 0
    for data_count, _ in blocks:
        data_at.append(range(offset, offset + data_count))
        offset += data_count
    for _, ec_count in blocks:
        ec_at.append(range(offset, offset + ec_count))
        offset += ec_count
    order = [
        group[i]
        for groups in (data_at, ec_at)
        for i in range(max(map(len, groups)))
        for group in groups
        if i < len(group)
    ]
    return blocks, itemgetter(*order)


_PAD = bytes((qr_util.PAD0, qr_util.PAD1)) * 1500  # alternating pad codewords, more than version 40 holds


def codewords(version: int, error_correction: int, segments: list[tuple[int, bytes]]) -> bytes:
    """The interleaved data and error-correction codewords of ``(mode, data)`` segments."""
    blocks, interleave = _layout(version, error_correction)
    limit = 8 * sum(data_count for data_count, _ in blocks)
    value = bits = 0
    for mode, data in segments:
        seg_value, seg_bits = _segment_bits(mode, data, version)
        value, bits = (value << seg_bits) | seg_value, bits + seg_bits
    if bits > limit:
        raise ValueError(f"QR data of {bits} bits over the {limit} of version {version}")
    terminator = min(limit - bits, 4)
    value, bits = value << terminator, bits + terminator
    value, bits = value << (-bits % 8), bits + (-bits % 8)
    stream = value.to_bytes(bits // 8, "big") + _PAD[: (limit - bits) // 8]
    ec, offset = b"", 0
    for data_count, ec_count in blocks:
        ec += _ec(stream[offset : offset + data_count], ec_count)
        offset += data_count
    return bytes(interleave(stream + ec))
