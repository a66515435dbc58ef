"""The pure check-in rules: what is normal, escalation, and the count towards green."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from declarations import rules
from healthcode.colours import Colour

D1 = date(2026, 3, 1)


def days(*flags, start=D1):
    return {start + timedelta(days=n): flag for n, flag in enumerate(flags) if flag is not None}


@pytest.mark.parametrize(
    ("temperature", "symptoms", "normal"),
    [
        ("36.5", {"none"}, True),
        ("37.2", {"fatigue"}, True),
        ("37.3", {"none"}, False),
        ("36.5", {"cough"}, False),
        ("36.5", {"fever"}, False),
    ],
)
def test_normal_checkin(temperature, symptoms, normal):
    assert rules.checkin_is_normal(Decimal(temperature), symptoms) is normal


@pytest.mark.parametrize(
    ("colour", "to", "rule"),
    [
        (Colour.GREEN, Colour.YELLOW, "abnormal_checkin"),
        (Colour.YELLOW, Colour.RED, "abnormal_checkin_escalated"),
        (Colour.RED, Colour.RED, "abnormal_checkin_escalated"),
    ],
)
def test_an_abnormal_checkin_escalates(colour, to, rule):
    verdict = rules.checkin_verdict(colour, Decimal("38.0"), {"fever"})
    assert verdict.colour == to
    assert verdict.rule_codes == [rule]
    assert verdict.fired[0].colour == to  # the rule named gives the colour given
    assert verdict.days == (rules.RED_DAYS if to == Colour.RED else rules.YELLOW_DAYS)


def test_a_normal_checkin_or_a_pending_code_gives_no_verdict():
    assert rules.checkin_verdict(Colour.YELLOW, Decimal("36.6"), {"none"}) is None
    assert rules.checkin_verdict(Colour.PENDING, Decimal("39.0"), {"fever"}) is None


def test_checkins_needed():
    assert rules.checkins_needed(Colour.YELLOW) == 7
    assert rules.checkins_needed(Colour.RED) == 14
    assert rules.checkins_needed(Colour.GREEN) == 0


def test_streak_counts_consecutive_normal_days():
    history = days(True, True, True)
    assert rules.served_streak(history, D1, D1 + timedelta(days=2)) == 3


def test_today_without_a_checkin_does_not_break_the_count_until_the_day_is_over():
    history = days(True, True)
    today = D1 + timedelta(days=2)
    assert rules.served_streak(history, D1, today) == 2
    assert rules.served_streak(history, D1, today, day_over=True) == 0


def test_a_missed_day_restarts_the_count():
    history = days(True, True, None, True)
    assert rules.served_streak(history, D1, D1 + timedelta(days=3)) == 1


def test_an_abnormal_day_restarts_the_count():
    history = days(True, False, True, True)
    assert rules.served_streak(history, D1, D1 + timedelta(days=3)) == 2


def test_days_before_the_first_counted_day_do_not_count():
    history = days(True, True, True)
    assert rules.served_streak(history, D1 + timedelta(days=1), D1 + timedelta(days=2)) == 2


def test_lowers():
    assert rules.lowers(Colour.RED, Colour.GREEN)
    assert rules.lowers(Colour.YELLOW, Colour.GREEN)
    assert rules.lowers(Colour.RED, Colour.YELLOW)
    assert not rules.lowers(Colour.GREEN, Colour.RED)
    assert not any(rules.lowers(colour, colour) for colour in (Colour.GREEN, Colour.YELLOW, Colour.RED))
    assert not rules.lowers(Colour.PENDING, Colour.GREEN)


def test_every_code_on_a_change_has_plain_words():
    for code in [rule.code for rule in rules.RULES] + list(rules.RELEASE_TEXTS):
        assert rules.text_for(code) != code
    assert rules.text_for("unknown") == "unknown"
