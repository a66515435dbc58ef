from family.services import self_applicant
from healthcode.colours import Colour


def test_green_citizen_has_green_code(green_citizen):
    assert self_applicant(green_citizen).health_code.colour == Colour.GREEN
