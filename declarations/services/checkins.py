"""Daily health check-ins (打卡) and the daily task that turns served codes green.

Yellow turns green after 7 consecutive normal daily check-ins, red after 14, counted from the
day after the colour began (Asia/Shanghai days); a missed day restarts the count; an abnormal
check-in escalates at once (green → yellow → red). The count is derived from the check-in
rows themselves, so nothing can drift; `CheckInDay` records the days already closed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from declarations import rules
from declarations.models import CheckIn, CheckInDay
from declarations.services.clock import first_counted_day, local_day
from family.models import Applicant
from healthcode.colours import Colour
from healthcode.models import ColourChange, HealthCode, User
from healthcode.services import StaleCode, change_colour

# The daily task catches up on missed days, but not further back than this.
MAX_CATCH_UP_DAYS = 14
BATCH = 500


@dataclass(frozen=True)
class CheckInResult:
    checkin: CheckIn
    created: bool  # False: this day's check-in existed already (a double submit)
    change: ColourChange | None = None  # an abnormal check-in that escalated the colour
    # Not created, but the same answers from the same account: this check-in sent again (a
    # double click, the browser's retry), answered as the first time (`change` is its change).
    again: bool = False


def checkin_for_day(applicant: Applicant, day: date) -> CheckIn | None:
    return CheckIn.objects.filter(applicant=applicant, day=day).first()


def submit_checkin(
    applicant: Applicant,
    user: User,
    *,
    temperature: Decimal,
    symptoms: list[str],
    now: datetime | None = None,
) -> CheckInResult:
    """Record today's check-in. One per person per day: a second submit returns the first.
    An abnormal one escalates the colour at once and restarts the count."""
    now = now or timezone.now()
    day = local_day(now)
    normal = rules.checkin_is_normal(temperature, frozenset(symptoms))
    with transaction.atomic():
        try:
            with transaction.atomic():
                checkin = CheckIn.objects.create(
                    applicant=applicant,
                    day=day,
                    temperature=temperature,
                    symptoms=list(symptoms),
                    normal=normal,
                    submitted_by=user,
                    created=now,
                )
        except IntegrityError:
            return _existing(applicant, user, day, temperature, symptoms)
        if normal or applicant.health_code_id is None:
            return CheckInResult(checkin, created=True)
        code = HealthCode.objects.select_for_update().get(pk=applicant.health_code_id)
        verdict = rules.checkin_verdict(code.colour, temperature, frozenset(symptoms))
        change = None
        if verdict is not None:
            change = change_colour(
                code.pk,
                verdict.colour,
                source=ColourChange.Source.CHECKIN,
                rules=verdict.rule_codes,
                reason_parts=[
                    *({"code": code} for code in verdict.rule_codes),
                    {"code": rules.CHECKIN_DAY, "day": day.isoformat(), "temperature": str(temperature)},
                ],
                until=now + timedelta(days=verdict.days),
                now=now,
            )
        return CheckInResult(checkin, created=True, change=change)


def _existing(applicant: Applicant, user: User, day: date, temperature: Decimal, symptoms: list[str]) -> CheckInResult:
    """The day's check-in that was there; `again` if these are its answers from its account."""
    checkin = CheckIn.objects.get(applicant=applicant, day=day)
    again = (
        checkin.submitted_by_id == user.pk
        and Decimal(checkin.temperature) == Decimal(temperature)
        and sorted(checkin.symptoms) == sorted(symptoms)
    )
    change = None
    if again and not checkin.normal and applicant.health_code_id is not None:
        # The change it made, if it made one: written with the check-in's own time.
        change = ColourChange.objects.filter(
            code_id=applicant.health_code_id, source=ColourChange.Source.CHECKIN, created=checkin.created
        ).first()
    return CheckInResult(checkin, created=False, change=change, again=again)


def normal_by_day(applicant_ids: list[int], first: date, last: date) -> dict[int, dict[date, bool]]:
    out: dict[int, dict[date, bool]] = defaultdict(dict)
    rows = CheckIn.objects.filter(applicant_id__in=applicant_ids, day__gte=first, day__lte=last).values_list(
        "applicant_id", "day", "normal"
    )
    for applicant_id, day, normal in rows:
        out[applicant_id][day] = normal
    return out


def _release(code_id: int, version: int, served: int, day: date, now: datetime) -> ColourChange | None:
    try:
        with transaction.atomic():  # a savepoint: StaleCode is caught here
            return change_colour(
                code_id,
                Colour.GREEN,
                source=ColourChange.Source.CHECKIN,
                rules=[rules.CHECKINS_SERVED],
                reason_parts=[{"code": rules.CHECKINS_SERVED, "n": served, "day": day.isoformat()}],
                now=now,
                expected_version=version,
            )
    except StaleCode:
        return None  # the colour changed meanwhile (a new rule, a reviewer): the count starts afresh


def close_day(day: date, *, now: datetime | None = None) -> CheckInDay:
    """Count every yellow and red code's check-ins up to `day` (which is over) and turn the
    served ones green (once their minimum duration is over too: a new reason for the same
    colour extends it). Running it twice, or concurrently, turns each code green once: the
    change is a compare-and-set on the code's version."""
    now = now or timezone.now()
    people = turned_green = 0
    codes = (
        Applicant.objects.filter(health_code__colour__in=[Colour.YELLOW, Colour.RED])
        .values_list(
            "pk",
            "health_code_id",
            "health_code__colour",
            "health_code__version",
            "health_code__since",
            "health_code__until",
        )
        .order_by("pk")
    )
    batch: list[tuple] = []

    def flush() -> None:
        nonlocal turned_green
        if not batch:
            return
        longest = max(rules.CHECKINS_TO_GREEN.values())
        history = normal_by_day([row[0] for row in batch], day - timedelta(days=longest + 1), day)
        for applicant_id, code_id, colour, version, since, until in batch:
            needed = rules.checkins_needed(colour)
            served = rules.served_streak(history.get(applicant_id, {}), first_counted_day(since), day, day_over=True)
            # Served, and the colour's minimum duration ("at least until") is over.
            over = until is None or until <= now
            if served >= needed > 0 and over and _release(code_id, version, served, day, now):
                turned_green += 1
        batch.clear()

    for row in codes.iterator(chunk_size=BATCH):
        people += 1
        batch.append(row)
        if len(batch) >= BATCH:
            flush()
    flush()
    closed, created = CheckInDay.objects.get_or_create(
        day=day, defaults={"closed_at": now, "people": people, "turned_green": turned_green}
    )
    if not created:
        CheckInDay.objects.filter(pk=closed.pk).update(turned_green=closed.turned_green + turned_green)
        closed.refresh_from_db()
    return closed


def days_to_close(now: datetime) -> list[date]:
    """Every day that is over (Asia/Shanghai) and not closed yet, oldest first, from the day
    after the last closed one (at most MAX_CATCH_UP_DAYS back)."""
    yesterday = local_day(now) - timedelta(days=1)
    last = CheckInDay.objects.order_by("-day").values_list("day", flat=True).first()
    first = max(last + timedelta(days=1), yesterday - timedelta(days=MAX_CATCH_UP_DAYS - 1)) if last else yesterday
    return [first + timedelta(days=n) for n in range((yesterday - first).days + 1)]


def close_due_days(*, now: datetime | None = None) -> list[CheckInDay]:
    """The beat task's body: close yesterday, and any day a missed run left open."""
    now = now or timezone.now()
    return [close_day(day, now=now) for day in days_to_close(now)]
