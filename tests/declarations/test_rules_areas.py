"""The pure rules with the published risk areas: travel and home matched against them."""

from decimal import Decimal

import pytest

from declarations import rules
from declarations.rules import Area, Facts, evaluate, match_areas
from healthcode.colours import Colour

NORMAL = {"temperature": Decimal("36.5"), "symptoms": frozenset({"none"})}
JINSHUI_HIGH = Area("Henan/河南", "Zhengzhou/郑州", "Jinshui/金水", "high")
ERQI_MEDIUM = Area("Henan", "Zhengzhou", "Erqi", "medium")
SHANGHAI_HIGH = Area("Shanghai/上海", "", "", "high")
LOW = Area("Henan", "Luoyang", "", "low")
AREAS = (JINSHUI_HIGH, ERQI_MEDIUM, SHANGHAI_HIGH, LOW)
HOME = "henan Luoyang 洛阳 Laocheng District"


def facts(**overrides):
    return Facts(**({**NORMAL, "home": HOME, "risk_areas": AREAS} | overrides))


@pytest.mark.parametrize(
    ("text", "area", "certain"),
    [
        ("Zhengzhou, Jinshui District", JINSHUI_HIGH, True),
        ("郑州市金水区", JINSHUI_HIGH, True),
        ("jinshui  district , ZHENGZHOU city", JINSHUI_HIGH, True),
        ("Jinshui District", JINSHUI_HIGH, False),  # the city is not named: ambiguous
        ("Shanghai, Pudong New Area", SHANGHAI_HIGH, True),
        ("上海", SHANGHAI_HIGH, True),
    ],
)
def test_a_place_falls_in_an_area(text, area, certain):
    found = {m.area: m.certain for m in match_areas(text, AREAS, "travel")}
    assert found.get(area) is certain


def test_other_places_fall_in_no_area():
    assert match_areas("Kaifeng, Gulou District", AREAS, "travel") == []
    assert match_areas("", AREAS, "travel") == []


@pytest.mark.parametrize(
    "area",
    [
        Area("Henan", "Xinyang", "X County", "high"),  # one letter left: too short to mean anything
        Area("Henan", "Xinyang", "县", "high"),  # nothing left once the suffix is gone
        Area("", "", "", "high"),  # no name at all
    ],
)
def test_a_name_too_short_to_mean_anything_matches_nothing(area):
    assert match_areas("Henan Xinyang 信阳 Xixian County", (area,), "travel") == []


def test_declared_none_but_the_named_area_is_published_medium_is_yellow():
    verdict = evaluate(facts(travel="none", travel_area="Zhengzhou Erqi District"))
    assert verdict.colour == Colour.YELLOW
    assert verdict.rule_codes == ["risk_area_travel"]
    assert verdict.area_level == "medium"


def test_the_published_level_raises_what_was_declared():
    # Declared "medium", but the area is high now: fever + high-risk travel is red.
    verdict = evaluate(facts(travel="medium", travel_area="郑州金水区", symptoms=frozenset({"cough"})))
    assert verdict.colour == Colour.RED
    assert "fever_high_risk" in verdict.rule_codes
    assert verdict.days == rules.RED_DAYS


def test_a_declared_level_is_never_lowered_by_the_list():
    verdict = evaluate(facts(travel="high", travel_area="Kaifeng"))
    assert verdict.colour == Colour.YELLOW
    assert verdict.rule_codes == ["risk_area_travel"]


@pytest.mark.parametrize("district", ["Jinshui District", "Erqi District"])  # high, medium
def test_living_in_a_risk_district_is_yellow_and_named(district):
    verdict = evaluate(facts(home=f"henan Zhengzhou 郑州 {district}"))
    assert verdict.colour == Colour.YELLOW
    assert verdict.rule_codes == ["risk_area_residence"]
    assert verdict.days == 7  # DESIGN.md: yellow, 7 days
    assert "district of residence" in str(verdict.fired[0].text)


@pytest.mark.parametrize(
    ("travel_area", "home"), [("Zhengzhou Jinshui", "Zhengzhou Erqi"), ("Zhengzhou Erqi", "Zhengzhou Jinshui")]
)
def test_the_area_level_is_the_highest_of_the_places(travel_area, home):
    assert evaluate(facts(travel_area=travel_area, home=home)).area_level == "high"


@pytest.mark.parametrize("overrides", [{"travel_area": "Luoyang"}, {}])  # lives in Luoyang (low)
def test_a_low_risk_area_changes_nothing(overrides):
    verdict = evaluate(facts(**overrides))
    assert verdict.colour == Colour.GREEN
    assert not verdict.manual_review
    assert verdict.areas == ()
    assert verdict.area_level == "none"


@pytest.mark.parametrize("place", ["Jinshui District", "Erqi District"])  # high, medium
def test_a_district_without_its_city_goes_to_a_person(place):
    verdict = evaluate(facts(travel="none", travel_area=place))
    assert verdict.manual_review
    assert verdict.colour == Colour.PENDING
    assert verdict.suggested == Colour.GREEN
    assert "city was not given" in str(verdict.manual_reasons[0])


@pytest.mark.parametrize(("travel", "place"), [("high", "Jinshui District"), ("medium", "Erqi District")])
def test_a_district_without_its_city_is_no_question_when_the_declared_level_covers_it(travel, place):
    """Only an area that may be riskier than what was declared goes to a person: declared
    "high" (or "medium" for a medium area), the travel rule applies as declared."""
    verdict = evaluate(facts(travel=travel, travel_area=place))
    assert not verdict.manual_review
    assert verdict.colour == Colour.YELLOW
    assert verdict.rule_codes == ["risk_area_travel"]


def test_only_keeps_the_area_rules():
    verdict = evaluate(facts(travel_area="Shanghai", contact="unsure"))
    assert set(verdict.rule_codes) == {"risk_area_travel", "contact_unsure"}
    area_only = rules.only(verdict, rules.AREA_RULES)
    assert area_only.rule_codes == ["risk_area_travel"]
    assert area_only.colour == Colour.YELLOW


def test_area_keywords_are_the_most_specific_name():
    assert rules.area_keywords(JINSHUI_HIGH) == ["jinshui", "金水"]
    assert rules.area_keywords(SHANGHAI_HIGH) == ["shanghai", "上海"]


def test_suggested_colour_for_a_manual_review():
    verdict = evaluate(facts(temperature=Decimal("39.0"), contact="yes"))
    assert verdict.manual_review
    assert verdict.suggested == Colour.RED
