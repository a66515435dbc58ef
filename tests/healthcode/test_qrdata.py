"""healthcode.qrdata gives qrcode's own codewords and version, and qr.matrix qrcode's own matrix."""

import random
import string

import pytest
import qrcode
from qrcode import util
from qrcode.constants import ERROR_CORRECT_H, ERROR_CORRECT_L, ERROR_CORRECT_M, ERROR_CORRECT_Q

from healthcode import qr, qrdata
from tests.qrdecode import decode

LEVELS = (ERROR_CORRECT_L, ERROR_CORRECT_M, ERROR_CORRECT_Q, ERROR_CORRECT_H)
TOKEN_CHARS = string.ascii_letters + string.digits + "-_.:/?&=%"


def byte_capacity(version: int, level: int) -> int:
    """The most bytes a version holds at a level: each version's last length before the next."""
    count_bits = util.length_in_bits(util.MODE_8BIT_BYTE, version)
    return (util.BIT_LIMIT_TABLE[level][version] - 4 - count_bits) // 8


def qrcode_matrix(data: str) -> list[list[bool]]:
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=qr.QUIET_ZONE, mask_pattern=qr.FIXED_MASK)
    code.add_data(data, optimize=0)
    code.make(fit=True)
    return code.get_matrix()


def text(length: int, seed: int) -> str:
    rnd = random.Random(seed)
    return "".join(rnd.choice(TOKEN_CHARS) for _ in range(length - 1)) + "a"  # lower case: byte mode


@pytest.mark.parametrize("level", LEVELS)
def test_version_and_codewords_are_qrcodes_at_every_version_boundary(level):
    lengths = {1, 2, 3}
    for version in range(1, 41):
        capacity = byte_capacity(version, level)
        lengths |= {capacity - 1, capacity, capacity + 1}
    for length in sorted(n for n in lengths if 0 < n <= byte_capacity(40, level)):
        chunk = util.QRData(text(length, length))
        assert chunk.mode == util.MODE_8BIT_BYTE
        reference = qrcode.QRCode(error_correction=level)
        reference.add_data(chunk)
        version = reference.best_fit()
        assert qrdata.version_for(length, level) == version, length
        assert qrdata.codewords(chunk.data, version, level) == util.create_data(version, level, [chunk]), length


def test_too_much_data_is_refused_as_qrcode_refuses_it():
    with pytest.raises(qrcode.exceptions.DataOverflowError):
        qrdata.version_for(byte_capacity(40, ERROR_CORRECT_M) + 1, ERROR_CORRECT_M)
    with pytest.raises(qrcode.exceptions.DataOverflowError):
        qrdata.codewords(b"x" * (byte_capacity(5, ERROR_CORRECT_M) + 1), 5, ERROR_CORRECT_M)


@pytest.mark.parametrize("length", [1, 40, 120, 204, 260, 300, 700])
def test_the_matrix_is_qrcodes_module_for_module(length):
    data = text(length, 7 * length)
    assert qr.matrix(data) == qrcode_matrix(data)


@pytest.mark.parametrize("data", ["1234567890", "HTTPS://EXAMPLE.ORG/V/ABC", "健康码 HC1.abc"])
def test_other_modes_and_utf8_give_qrcodes_matrix(data):
    assert qr.matrix(data) == qrcode_matrix(data)


def test_a_token_length_code_decodes():
    token = "HC1." + text(200, 3)
    assert decode(qr.matrix(token)) == token
