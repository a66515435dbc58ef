""" "Honest about why a code has its colour": for each way a colour is set, the history row,
the "Why this colour?" page, the inbox and SMS and the reviewers' admin tell the same truth
(session 12's audit)."""

from datetime import timedelta
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from declarations.services.checkins import close_day, submit_checkin
from declarations.services.clock import local_day
from declarations.services.events import record_health_event
from declarations.services.explain import explain
from declarations.services.review import reassess_person
from family.services import self_applicant
from healthcode.colours import Colour
from tests.declarations.conftest import CHINA, at, code_of

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


def at_day(day, hour):
    return timezone.make_aware(timezone.datetime.combine(day, timezone.datetime.min.time()), CHINA) + timedelta(
        hours=hour
    )


# ---------------------------------------------------------------------------------------
# A new reason of the same colour extends its minimum duration: the check-ins go on until then.


def test_check_ins_left_count_to_the_end_of_the_minimum_duration(client, citizen, reviewed):
    """Yellow for "not sure" on day 0; a medicine purchase on day 2 keeps it yellow and its 7
    days run to day 9. After the 7 check-ins of days 1-7, the page said 0 left (and the
    check-in page "0 more turn your code green"), but the code turns green only in the night
    after day 9 and only if days 8 and 9 are checked in too: a person who believed the page
    and stopped started the count again. (The check-in page, before today's, says the same.)"""
    today = local_day(timezone.now())
    start = today - timedelta(days=7)
    reviewed(citizen, at_day(start, 10), contact="unsure")
    me = self_applicant(citizen)
    record_health_event(
        id_number=me.id_number,
        kind="medicine_purchase",
        occurred_at=at_day(start + timedelta(days=2), 9),
        source="pharmacy",
        source_ref="purchase-1",
        now=at_day(start + timedelta(days=2), 9),
    )
    reassess_person(me.pk, now=at_day(start + timedelta(days=2), 9))
    code = code_of(citizen)
    assert code.colour == Colour.YELLOW and local_day(code.until) == start + timedelta(days=9)
    for n in range(1, 8):
        submit_checkin(me, citizen, temperature=Decimal("36.5"), symptoms=["none"], now=at_day(start + timedelta(n), 8))

    x = explain(me, now=at_day(today, 20))
    assert (x.checkins_done, x.checkins_needed) == (7, 7)
    assert x.checkins_left == 2  # tomorrow's and the day after's
    assert x.earliest_green == today + timedelta(days=3)
    client.force_login(citizen)
    why = client.get(reverse("why-colour", args=[me.pk])).content.decode()
    assert "<dt>Check-ins left</dt><dd>2</dd>" in why
    code_page = client.get(reverse("code", args=[me.pk])).content.decode()
    assert "2 more normal daily check-ins in a row turn it green." in code_page

    # What the page says is what the daily task does: without tomorrow's check-in, no green.
    for n in (1, 2):
        close_day(today + timedelta(days=n), now=at_day(today + timedelta(days=n + 1), 0) + timedelta(minutes=30))
    assert code_of(citizen).colour == Colour.YELLOW


def test_check_ins_left_on_a_controlled_clock_without_an_extension(citizen, reviewed):
    """Without a later reason, the minimum duration ends before the check-ins do: unchanged."""
    reviewed(citizen, at("2026-03-01", 10), contact="unsure")
    me = self_applicant(citizen)
    submit_checkin(me, citizen, temperature=Decimal("36.4"), symptoms=["none"], now=at("2026-03-02", 8))
    x = explain(me, now=at("2026-03-02", 20))
    assert (x.checkins_done, x.checkins_left, str(x.earliest_green)) == (1, 6, "2026-03-09")


def test_checkins_left_is_a_published_rule():
    from datetime import date

    from declarations import rules

    day = date(2026, 3, 8)
    assert rules.checkins_left(7, 3, day, None) == 4
    assert rules.checkins_left(7, 7, day, None) == 0
    assert rules.checkins_left(7, 7, day, date(2026, 3, 9)) == 2  # the 8th and the 9th
    assert rules.checkins_left(7, 3, day, date(2026, 3, 9)) == 4  # the count lasts longer anyway
    assert rules.checkins_left(7, 7, day, date(2026, 3, 7)) == 0  # the duration is over
    assert rules.checkins_left(0, 0, day, date(2026, 3, 9)) == 0  # green: nothing to serve
