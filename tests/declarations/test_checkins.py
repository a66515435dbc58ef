"""Daily check-ins and the daily task, on a controlled clock (Asia/Shanghai days)."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from declarations.models import CheckIn, CheckInDay
from declarations.services.checkins import close_day, close_due_days, days_to_close, submit_checkin
from declarations.tasks import close_checkin_days
from family.services import self_applicant
from healthcode.colours import Colour
from healthcode.models import ColourChange
from tests.declarations.conftest import at, code_of

START = "2026-03-01"  # the colour begins at 10:00; check-ins count from 03-02


def day(n: int) -> str:
    return (date.fromisoformat(START) + timedelta(days=n)).isoformat()


def check_in(user, n, temperature="36.5", symptoms=("none",), hour=8):
    return submit_checkin(
        self_applicant(user), user, temperature=Decimal(temperature), symptoms=list(symptoms), now=at(day(n), hour)
    )


def close(n):
    """The night after day n: the task closes it at 00:10."""
    return close_day(date.fromisoformat(day(n)), now=at(day(n + 1), 0, 10))


@pytest.fixture
def yellow(citizen, reviewed):
    reviewed(citizen, at(START, 10), contact="unsure")
    assert code_of(citizen).colour == Colour.YELLOW
    return citizen


@pytest.fixture
def red(citizen, reviewed):
    reviewed(citizen, at(START, 10), contact="yes")
    assert code_of(citizen).colour == Colour.RED
    return citizen


def test_yellow_turns_green_after_7_consecutive_normal_days(yellow):
    for n in range(1, 8):
        check_in(yellow, n)
        close(n)
        assert code_of(yellow).colour == (Colour.GREEN if n == 7 else Colour.YELLOW)
    change = ColourChange.objects.get(to_colour=Colour.GREEN)
    assert change.source == ColourChange.Source.CHECKIN
    assert change.rules == ["checkins_served"]
    assert change.created == at(day(8), 0, 10)
    assert "7 consecutive normal daily check-ins" in change.reason


def test_red_turns_green_after_14(red):
    for n in range(1, 15):
        check_in(red, n)
        close(n)
        assert code_of(red).colour == (Colour.GREEN if n == 14 else Colour.RED)


def test_a_checkin_on_the_day_the_colour_began_does_not_count(yellow):
    check_in(yellow, 0, hour=20)
    for n in range(1, 7):
        check_in(yellow, n)
        close(n)
    assert code_of(yellow).colour == Colour.YELLOW


def test_a_missed_day_restarts_the_count(yellow):
    for n in [1, 2, 3, *range(5, 12)]:  # day 4 missed
        check_in(yellow, n)
    for n in range(1, 11):
        close(n)
    assert code_of(yellow).colour == Colour.YELLOW  # days 5..10: six in a row
    close(11)
    assert code_of(yellow).colour == Colour.GREEN


def test_an_abnormal_checkin_escalates_yellow_to_red_at_once(yellow):
    result = check_in(yellow, 3, temperature="37.8", symptoms=["fever"])
    code = code_of(yellow)
    assert code.colour == Colour.RED
    assert result.change.rules == ["abnormal_checkin_escalated"]
    assert result.change.source == ColourChange.Source.CHECKIN
    assert (code.until - code.since).days == 14
    # Red now: the count starts the next day and needs 14.
    for n in range(4, 11):
        check_in(yellow, n)
        close(n)
    assert code_of(yellow).colour == Colour.RED


def test_an_abnormal_checkin_turns_a_green_code_yellow(citizen, reviewed):
    reviewed(citizen, at(START, 10))
    result = check_in(citizen, 2, symptoms=["cough"])
    assert code_of(citizen).colour == Colour.YELLOW
    assert result.change.rules == ["abnormal_checkin"]


def test_an_abnormal_checkin_on_red_restarts_the_count(red):
    for n in range(1, 6):
        check_in(red, n)
    assert check_in(red, 6, temperature="38.0", symptoms=["fever"]).change is None  # red stays red
    for n in range(7, 20):
        check_in(red, n)
    for n in range(1, 20):
        close(n)
    assert code_of(red).colour == Colour.RED  # 13 normal days since the abnormal one
    check_in(red, 20)
    close(20)
    assert code_of(red).colour == Colour.GREEN


def test_one_checkin_per_day(yellow):
    first = check_in(yellow, 1, hour=8)
    second = check_in(yellow, 1, temperature="39.0", symptoms=["fever"], hour=9)
    assert first.created and not second.created
    assert second.checkin.pk == first.checkin.pk
    assert CheckIn.objects.count() == 1
    assert code_of(yellow).colour == Colour.YELLOW  # the second (abnormal) submit did nothing


def test_days_are_asia_shanghai_days(yellow):
    # 15:30 UTC is 23:30 in Henan: still the 2nd. 16:30 UTC is 00:30 on the 3rd.
    applicant = self_applicant(yellow)
    late = datetime(2026, 3, 2, 15, 30, tzinfo=UTC)
    after_midnight = datetime(2026, 3, 2, 16, 30, tzinfo=UTC)
    submit_checkin(applicant, yellow, temperature=Decimal("36.5"), symptoms=["none"], now=late)
    submit_checkin(applicant, yellow, temperature=Decimal("36.5"), symptoms=["none"], now=after_midnight)
    assert list(CheckIn.objects.order_by("day").values_list("day", flat=True)) == [
        date(2026, 3, 2),
        date(2026, 3, 3),
    ]


def test_the_daily_task_run_twice_turns_green_once(yellow):
    for n in range(1, 8):
        check_in(yellow, n)
    CheckInDay.objects.create(day=date.fromisoformat(day(0)))  # the task has run before
    night = at(day(8), 0, 10)
    first = close_due_days(now=night)
    second = close_due_days(now=night)
    assert [d.day.isoformat() for d in first] == [day(n) for n in range(1, 8)]  # catches up, oldest first
    assert second == []
    assert code_of(yellow).colour == Colour.GREEN
    assert ColourChange.objects.filter(to_colour=Colour.GREEN).count() == 1
    # Closing the same day again (a retried or concurrent run) changes nothing either.
    close(7)
    assert ColourChange.objects.filter(to_colour=Colour.GREEN).count() == 1
    assert CheckInDay.objects.filter(day=date.fromisoformat(day(7))).count() == 1


def test_days_to_close_is_yesterday_then_nothing(db):
    night = at(day(5), 0, 10)
    assert days_to_close(night) == [date.fromisoformat(day(4))]
    close_due_days(now=night)
    assert days_to_close(night) == []
    assert days_to_close(at(day(5), 23, 59)) == []


def test_a_new_reason_for_the_same_colour_extends_the_minimum(yellow, reviewed):
    # Day 3: a new declaration with a fever: still yellow, but at least 7 days from day 3.
    applicant = self_applicant(yellow)
    reviewed(yellow, at(day(3), 9), id_number=applicant.id_number, temperature=Decimal("37.5"), symptoms=["fever"])
    for n in range(1, 11):
        check_in(yellow, n)
    for n in range(1, 9):
        close(n)
    assert code_of(yellow).colour == Colour.YELLOW  # served 7, but the minimum runs to day 10
    close(9)
    close(10)
    assert code_of(yellow).colour == Colour.GREEN


def test_the_celery_task_closes_yesterday_once(yellow):
    close_checkin_days.apply()
    close_checkin_days.apply()
    assert CheckInDay.objects.count() == 1
