import pytest
from django.core.exceptions import ValidationError

from healthcode.validators import id_check_digit, normalise_mobile, validate_mobile, validate_resident_id

# Real-shaped numbers with correct GB 11643 check digits (computed independently by hand).
VALID = [
    "11010519491231002X",  # final X
    "440524198001010013",
    "410105199003071234".replace("1234", "123") + id_check_digit("41010519900307123"),
    " 11010519491231002x ",  # lowercase x and spaces are normalised
]


@pytest.mark.parametrize("number", VALID)
def test_valid_ids_pass(number):
    validate_resident_id(number)


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("110105194912310021", "id_checksum"),  # last digit wrong
        ("11010519491231002", "id_length"),  # 17 characters
        ("1101051949123100211", "id_length"),
        ("11010519491231X021", "id_format"),  # X in the middle
        ("011010519491231002", "id_format"),  # leading zero
        ("110105194902300021", "id_birth"),  # 30 February
        ("110105299901010021", "id_birth"),  # born in the future
        ("440524188001010014", "id_birth"),  # born before 1900
        ("", "id_length"),
        ("１１０１０５１９４９１２３１００２Ｘ", "id_format"),  # full-width digits
    ],
)
def test_broken_ids_are_rejected_with_a_reason(number, code):
    with pytest.raises(ValidationError) as error:
        validate_resident_id(number)
    assert error.value.code == code


def test_check_digit_of_the_standard_example():
    # The example in GB 11643-1999, Appendix: 11010519491231002 → X
    assert id_check_digit("11010519491231002") == "X"
    assert id_check_digit("44052418800101001") == "4"


@pytest.mark.parametrize("number", ["13800000000", "19912345678", "+86 138 0000 0000", "138-0000-0000"])
def test_mainland_mobiles_pass(number):
    validate_mobile(number)
    assert len(normalise_mobile(number)) == 11


@pytest.mark.parametrize("number", ["12800000000", "1380000000", "138000000000", "abcdefghijk", "", "23800000000"])
def test_other_numbers_are_rejected(number):
    with pytest.raises(ValidationError):
        validate_mobile(number)
