"""Risk areas in the background review, and the re-review when one is added or raised."""

from datetime import timedelta

from django.utils import timezone

from declarations.models import Declaration, RiskArea
from declarations.services.review import area_saved, declarations_naming_area, reassess_areas
from healthcode.colours import Colour
from healthcode.models import ColourChange
from tests.declarations.conftest import code_of, enqueued_here

JINSHUI = {"province": "Henan/河南", "city": "Zhengzhou/郑州", "district": "Jinshui/金水"}
TRAVEL = {"travel": "medium", "travel_area": "Zhengzhou, Jinshui District"}


def area(level="high", **overrides):
    return RiskArea.objects.create(**(JINSHUI | {"level": level} | overrides))


def test_a_published_area_raises_the_declared_travel(citizen, reviewed):
    area("high")
    now = timezone.now()
    declaration = reviewed(citizen, now, symptoms=["cough"], **TRAVEL)
    assert code_of(citizen).colour == Colour.RED
    assert "fever_high_risk" in declaration.verdict_rules
    assert declaration.area_level == "high"
    reason = ColourChange.objects.get().reason
    assert "Risk areas:" in reason and "Jinshui" in reason


def test_an_area_that_ended_more_than_14_days_ago_does_not_count(citizen, reviewed):
    now = timezone.now()
    area("high", effective_from=now - timedelta(days=40), effective_until=now - timedelta(days=15))
    reviewed(citizen, now, symptoms=["cough"], **TRAVEL)
    # Declared medium travel and a cough: yellow, not the red of a high-risk area.
    assert code_of(citizen).colour == Colour.YELLOW


def test_living_in_a_raised_district_is_yellow(citizen, reviewed):
    area("medium")
    reviewed(citizen, timezone.now())  # the factories' address: Zhengzhou, Jinshui District
    assert code_of(citizen).colour == Colour.YELLOW
    assert ColourChange.objects.get().rules == ["risk_area_residence"]


def test_the_history_row_names_only_the_areas_a_place_certainly_falls_in(citizen, reviewed):
    """Declared high-risk travel to "Jinshui District" without its city: yellow as declared, and
    the row does not say the person was in Zhengzhou's Jinshui (many cities have a Jinshui)."""
    area("high")
    declaration = reviewed(
        citizen, timezone.now(), travel="high", travel_area="Jinshui District", district="Erqi District"
    )
    assert code_of(citizen).colour == Colour.YELLOW
    assert declaration.area_level == "none"
    change = ColourChange.objects.get()
    assert change.reason_parts == [{"code": "risk_area_travel"}]
    assert "Risk areas" not in change.reason and "Jinshui" not in change.reason


def test_adding_an_area_rereviews_the_declarations_that_named_it(
    citizen, outsider, reviewed, django_capture_on_commit_callbacks
):
    now = timezone.now()
    reviewed(citizen, now, **TRAVEL | {"district": "Erqi District"})
    reviewed(outsider, now, district="Erqi District")  # named nothing
    assert code_of(citizen).colour == Colour.YELLOW  # declared medium travel

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        new = area("high")
        assert area_saved(new, previous_level=None)
    assert len(enqueued_here(callbacks)) == 1
    # Yellow from travel stays yellow (the same colour): no new row, but the level is recorded.
    assert Declaration.objects.get(applicant__account=citizen).area_level == "high"
    assert code_of(outsider).colour == Colour.GREEN


def test_raising_an_area_turns_a_green_resident_yellow_once(citizen, reviewed, django_capture_on_commit_callbacks):
    low = area("low")
    reviewed(citizen, timezone.now())
    assert code_of(citizen).colour == Colour.GREEN

    for _ in range(2):  # saving twice (or the task running twice) changes it once
        with django_capture_on_commit_callbacks(execute=True):
            previous = RiskArea.objects.get(pk=low.pk).level
            RiskArea.objects.filter(pk=low.pk).update(level="medium")
            low.refresh_from_db()
            area_saved(low, previous_level=previous)
    assert code_of(citizen).colour == Colour.YELLOW
    change = ColourChange.objects.filter(to_colour=Colour.YELLOW).get()
    assert change.rules == ["risk_area_residence"]
    assert change.source == ColourChange.Source.REVIEW


def test_lowering_an_area_enqueues_nothing(db, django_capture_on_commit_callbacks):
    high = area("high")
    with django_capture_on_commit_callbacks() as callbacks:
        assert not area_saved(high, previous_level="high")
        high.level = "medium"
        assert not area_saved(high, previous_level="high")
    assert callbacks == []


def test_an_area_raised_later_never_lowers_a_red_code(citizen, reviewed):
    now = timezone.now()
    declaration = reviewed(citizen, now, contact="yes")
    assert code_of(citizen).colour == Colour.RED
    area("medium")
    assert reassess_areas(declaration.pk, now=now) is None
    assert code_of(citizen).colour == Colour.RED
    assert ColourChange.objects.count() == 1


def test_old_declarations_are_not_rereviewed(citizen, reviewed):
    now = timezone.now()
    declaration = reviewed(citizen, now)
    Declaration.objects.filter(pk=declaration.pk).update(confirmed_at=now - timedelta(days=15))
    new = area("high")
    assert declarations_naming_area(new.pk, now=now) == []
