"""A QR code's codewords for byte-mode data: qrcode's own result, about forty times sooner.

qrcode builds the data one bit at a time (`BitBuffer.put_bit`) twice, once to choose the
version and once to fill it, and divides the Reed-Solomon polynomial in pure-Python
`Polynomial` objects: about 2 ms of the 2.9 ms a code took (bench/README.md, session 10).
Here the bits are one integer and the division keeps its remainder in one integer too, with
one table per number of error-correction bytes. qrcode still places the modules
(`QRCode.makeImpl`); tests/healthcode/test_qrdata.py checks the codewords against qrcode's
`util.create_data` over many lengths, every version boundary included.
"""

from __future__ import annotations

from functools import cache

from qrcode import LUT, base, exceptions, util

MODE_BYTE = 0b0100
PAD_BYTES = bytes((util.PAD0, util.PAD1))


def version_for(length: int, error_correction: int) -> int:
    """The smallest version holding `length` bytes (qrcode's `best_fit` for one byte chunk)."""
    limits = util.BIT_LIMIT_TABLE[error_correction]
    for version in range(1, 41):
        count_bits = util.length_in_bits(util.MODE_8BIT_BYTE, version)
        if 4 + count_bits + 8 * length <= limits[version]:
            return version
    raise exceptions.DataOverflowError(f"{length} bytes do not fit in a QR code")


@cache
def _generator(ec_count: int) -> tuple[int, ...]:
    """The Reed-Solomon generator's coefficients after its leading 1 (qrcode's rsPoly)."""
    if ec_count in LUT.rsPoly_LUT:
        coefficients = LUT.rsPoly_LUT[ec_count]
    else:  # as qrcode builds one its table lacks
        poly = base.Polynomial([1], 0)
        for i in range(ec_count):
            poly = poly * base.Polynomial([1, base.gexp(i)], 0)
        coefficients = [poly[i] for i in range(len(poly))]
    return tuple(coefficients[1:])


@cache
def _products(ec_count: int) -> tuple[int, ...]:
    """For each byte value f: the generator's coefficients times f in GF(256), packed big-endian
    into one integer of `ec_count` bytes, so one division step is one shift and one XOR."""
    generator = _generator(ec_count)
    products = [0]
    for factor in range(1, 256):
        log_f = base.glog(factor)
        packed = 0
        for coefficient in generator:
            product = base.gexp(base.glog(coefficient) + log_f) if coefficient else 0
            packed = (packed << 8) | product
        products.append(packed)
    return tuple(products)


def _error_correction(block: bytes, ec_count: int) -> bytes:
    """The remainder of block · x^ec_count divided by the generator: the block's EC bytes."""
    products = _products(ec_count)
    shift = 8 * (ec_count - 1)
    mask = (1 << (8 * ec_count)) - 1
    remainder = 0
    for byte in block:
        remainder = ((remainder << 8) & mask) ^ products[(remainder >> shift) ^ byte]
    return remainder.to_bytes(ec_count, "big")


def codewords(data: bytes, version: int, error_correction: int) -> list[int]:
    """What `qrcode.util.create_data` returns for one byte-mode chunk: data and EC codewords,
    interleaved by block, ready for `QRCode.map_data`."""
    blocks = base.rs_blocks(version, error_correction)
    limit = sum(block.data_count for block in blocks) * 8
    count_bits = util.length_in_bits(util.MODE_8BIT_BYTE, version)
    bits = (((MODE_BYTE << count_bits) | len(data)) << (8 * len(data))) | int.from_bytes(data, "big")
    length = 4 + count_bits + 8 * len(data)
    if length > limit:
        raise exceptions.DataOverflowError(f"{length} bits do not fit in version {version}")
    pad = min(limit - length, 4) + (-(length + min(limit - length, 4)) % 8)  # terminator, then to a byte
    bits <<= pad
    length += pad
    filler = (limit - length) // 8
    stream = bits.to_bytes(length // 8, "big") + (PAD_BYTES * (filler // 2 + 1))[:filler]

    data_blocks: list[bytes] = []
    ec_blocks: list[bytes] = []
    offset = 0
    for block in blocks:
        chunk = stream[offset : offset + block.data_count]
        offset += block.data_count
        data_blocks.append(chunk)
        ec_blocks.append(_error_correction(chunk, block.total_count - block.data_count))
    out: list[int] = []
    for group in (data_blocks, ec_blocks):
        for i in range(max(len(b) for b in group)):
            out.extend(b[i] for b in group if i < len(b))
    return out
