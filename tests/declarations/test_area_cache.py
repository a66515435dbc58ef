"""The risk areas a review applies, read once per refresh period per process
(declarations/services/areas.py): what is read is filtered by each review's own time, an area
saved in this process is seen at once, and one written elsewhere within the refresh period."""

from datetime import timedelta

import pytest
from django.utils import timezone

from declarations.models import RiskArea
from declarations.services.areas import active_areas, areas_in_force
from healthcode.colours import Colour
from tests.declarations.conftest import code_of

JINSHUI = {"province": "Henan/河南", "city": "Zhengzhou/郑州", "district": "Jinshui/金水"}
JINSHUI_NAME = "Henan/河南 Zhengzhou/郑州 Jinshui/金水"


@pytest.fixture
def clock(settings, monkeypatch):
    """The cache on, with a controlled clock: `clock[0]` seconds."""
    settings.HC_AREA_REFRESH_SECONDS = 2
    moment = [1000.0]
    monkeypatch.setattr(areas_in_force, "clock", lambda: moment[0])
    return moment


def names(areas) -> list[str]:
    return sorted(area.name for area in areas)


def test_an_area_written_in_another_process_is_seen_after_the_refresh(db, clock, django_assert_num_queries):
    now = timezone.now()
    with django_assert_num_queries(1):
        assert areas_in_force.in_force(now) == ()
    with django_assert_num_queries(0):  # read again within the period: nothing asked
        assert areas_in_force.in_force(now) == ()
    # Another process saves an area: no signal reaches this one (bulk_create sends none).
    RiskArea.objects.bulk_create([RiskArea(level="high", **JINSHUI)])
    clock[0] += 1.9
    assert areas_in_force.in_force(timezone.now()) == ()
    clock[0] += 0.1
    later = timezone.now()
    assert names(areas_in_force.in_force(later)) == names(active_areas(later)) == [JINSHUI_NAME]


def test_an_area_saved_in_this_process_is_seen_by_the_next_review(citizen, reviewed, clock):
    assert areas_in_force.in_force(timezone.now()) == ()  # read, before the area
    RiskArea.objects.create(level="medium", **JINSHUI)
    reviewed(citizen, timezone.now())  # the factories' address: Zhengzhou, Jinshui District
    assert code_of(citizen).colour == Colour.YELLOW


def test_one_read_is_filtered_by_each_reviews_time(db, clock, django_assert_num_queries):
    now = timezone.now()
    RiskArea.objects.create(level="high", effective_from=now + timedelta(hours=1), **JINSHUI)
    RiskArea.objects.create(
        level="medium",
        province="Henan",
        city="Luoyang",
        effective_from=now - timedelta(days=30),
        effective_until=now - timedelta(days=13),
    )
    RiskArea.objects.create(level="low", province="Henan", city="Kaifeng")  # never applies
    areas_in_force.committed()  # as after the commit
    times = [now, now + timedelta(hours=2), now + timedelta(days=1, hours=2), now - timedelta(hours=12)]
    with django_assert_num_queries(1):
        got = [names(areas_in_force.in_force(when)) for when in times]
    assert got == [names(active_areas(when)) for when in times]
    assert got[0] == ["Henan Luoyang"] and got[2] == [JINSHUI_NAME]


def test_a_time_long_before_the_read_asks_the_database(db, clock, django_assert_num_queries):
    now = timezone.now()
    old = RiskArea.objects.create(
        level="high", effective_from=now - timedelta(days=60), effective_until=now - timedelta(days=50), **JINSHUI
    )
    areas_in_force.committed()
    areas_in_force.in_force(now)
    then = old.effective_from + timedelta(days=1)
    with django_assert_num_queries(1):
        assert names(areas_in_force.in_force(then)) == [JINSHUI_NAME]


def test_until_an_area_written_here_is_committed_every_review_asks_the_database(db, clock, django_assert_num_queries):
    """Another thread must not keep an area that may still be rolled back (nor miss one)."""
    areas_in_force.in_force(timezone.now())
    RiskArea.objects.create(level="high", **JINSHUI)  # in the test's transaction: not committed
    with django_assert_num_queries(2):
        areas_in_force.in_force(timezone.now())
        areas_in_force.in_force(timezone.now())
    clock[0] += 2  # a rollback sends nothing: after the refresh period the process reads again
    with django_assert_num_queries(1):
        areas_in_force.in_force(timezone.now())
        areas_in_force.in_force(timezone.now())
