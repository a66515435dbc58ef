from decimal import Decimal

import pytest

from declarations.rules import Facts, evaluate
from healthcode.colours import Colour

NORMAL = {"temperature": Decimal("36.5"), "symptoms": frozenset({"none"})}
# DESIGN.md, "Colour rules": red lasts 14 days, yellow 7 (written out: not the module's constants).
DAYS = {Colour.RED: 14, Colour.YELLOW: 7}


def facts(**overrides):
    return Facts(**(NORMAL | overrides))


def test_normal_declaration_is_green():
    verdict = evaluate(facts())
    assert verdict.colour == Colour.GREEN
    assert verdict.fired == ()
    assert verdict.days == 0
    assert not verdict.manual_review


@pytest.mark.parametrize(
    ("overrides", "colour", "rule"),
    [
        ({"case_status": "confirmed"}, Colour.RED, "case"),
        ({"case_status": "suspected"}, Colour.RED, "case"),
        ({"case_status": "close_contact"}, Colour.RED, "close_contact"),
        ({"contact": "yes"}, Colour.RED, "close_contact"),
        (
            {"travel": "high", "temperature": Decimal("37.5"), "symptoms": frozenset({"fever"})},
            Colour.RED,
            "fever_high_risk",
        ),
        ({"travel": "high", "symptoms": frozenset({"cough"})}, Colour.RED, "fever_high_risk"),
        ({"travel": "medium"}, Colour.YELLOW, "risk_area_travel"),
        ({"travel": "high"}, Colour.YELLOW, "risk_area_travel"),
        ({"temperature": Decimal("37.3"), "symptoms": frozenset({"fever"})}, Colour.YELLOW, "fever_or_respiratory"),
        ({"symptoms": frozenset({"sore_throat"})}, Colour.YELLOW, "fever_or_respiratory"),
        ({"symptoms": frozenset({"shortness_of_breath"})}, Colour.YELLOW, "fever_or_respiratory"),
        ({"contact": "unsure"}, Colour.YELLOW, "contact_unsure"),
        ({"medicine_purchase": True}, Colour.YELLOW, "medicine_purchase"),
        ({"companion": True}, Colour.YELLOW, "companion"),
    ],
)
def test_each_rule_gives_its_colour_and_names_itself(overrides, colour, rule):
    verdict = evaluate(facts(**overrides))
    assert verdict.colour == colour
    assert rule in verdict.rule_codes
    assert verdict.days == DAYS[colour]
    assert all(str(r.text) for r in verdict.fired)


def test_temperature_threshold_edges():
    assert evaluate(facts(temperature=Decimal("37.2"))).colour == Colour.GREEN
    # 37.3 without ticking fever is still yellow by the temperature rule.
    assert evaluate(facts(temperature=Decimal("37.3"), symptoms=frozenset())).colour == Colour.YELLOW


def test_fatigue_or_diarrhoea_alone_stays_green():
    assert evaluate(facts(symptoms=frozenset({"fatigue", "diarrhoea"}))).colour == Colour.GREEN


def test_the_most_severe_rule_wins_and_all_are_reported():
    verdict = evaluate(facts(travel="medium", contact="yes", medicine_purchase=True))
    assert verdict.colour == Colour.RED
    assert set(verdict.rule_codes) == {"close_contact", "risk_area_travel", "medicine_purchase"}
    assert verdict.days == DAYS[Colour.RED]


@pytest.mark.parametrize(
    "overrides",
    [
        {"temperature": Decimal("39.0"), "symptoms": frozenset({"none"})},
        {"temperature": Decimal("38.5"), "symptoms": frozenset({"none"})},  # the edge: 38.5 counts
        {"symptoms": frozenset({"none", "cough"})},
    ],
)
def test_inconsistent_answers_go_to_a_person_instead_of_a_guess(overrides):
    verdict = evaluate(facts(**overrides))
    assert verdict.manual_review
    assert verdict.colour == Colour.PENDING
    assert verdict.days == 0  # no colour yet, so no duration
    assert verdict.manual_reasons


@pytest.mark.parametrize(
    ("temperature", "symptoms"),
    [
        ("38.4", {"none"}),  # just below 38.5: not inconsistent without fever
        ("38.5", {"fever"}),  # 38.5 or more with fever ticked agrees with itself
        ("39.0", {"fever", "cough"}),
    ],
)
def test_a_high_temperature_that_the_answers_agree_with_is_yellow_not_inconsistent(temperature, symptoms):
    verdict = evaluate(facts(temperature=Decimal(temperature), symptoms=frozenset(symptoms)))
    assert not verdict.manual_review
    assert verdict.colour == Colour.YELLOW
    assert verdict.rule_codes == ["fever_or_respiratory"]


@pytest.mark.parametrize(
    ("case_status", "rule"), [("confirmed", "case"), ("suspected", "case"), ("close_contact", "close_contact")]
)
def test_an_authority_case_is_red_even_when_answers_are_inconsistent(case_status, rule):
    verdict = evaluate(facts(case_status=case_status, temperature=Decimal("39.0")))
    assert verdict.colour == Colour.RED
    assert rule in verdict.rule_codes
    assert not verdict.manual_review
