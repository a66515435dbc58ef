""" "Why this colour?": the reasons in plain words, the days served, the check-ins done and
left, and what exactly turns the code green. Read-only: computed from the history rows, the
declarations, the health events and the check-ins."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.utils import timezone

from declarations import rules
from declarations.models import Appeal, CheckIn, Declaration, HealthEvent, PendingOverride
from declarations.services.clock import first_counted_day, local_day
from family.models import Applicant
from healthcode.colours import Colour
from healthcode.models import ColourChange, ColourExtension, HealthCode
from healthcode.reasons import part_text, reason_text, words

EVENT_RULES = {
    HealthEvent.Kind.CONFIRMED_CASE: rules.R_CASE.code,
    HealthEvent.Kind.SUSPECTED_CASE: rules.R_CASE.code,
    HealthEvent.Kind.CLOSE_CONTACT: rules.R_CLOSE_CONTACT.code,
    HealthEvent.Kind.MEDICINE_PURCHASE: rules.R_MEDICINE.code,
    HealthEvent.Kind.COMPANION: rules.R_COMPANION.code,
}


def current_rule_codes(applicant: Applicant, code: HealthCode, *, now: datetime | None = None) -> list[str]:
    """The rules behind the current colour: those of the change that set it, and those of the
    same colour that fired since (a declaration or an event that found the code already at
    that colour writes no history row, but it is a reason all the same)."""
    now = now or timezone.now()
    codes: list[str] = []
    last = ColourChange.objects.filter(code=code).order_by("-version").first()
    if last is not None and last.to_colour == code.colour:
        codes += last.rules
    fired = Declaration.objects.filter(
        applicant=applicant, status=Declaration.Status.REVIEWED, reviewed_at__gte=code.since
    ).values_list("verdict_rules", flat=True)
    for fired_rules in fired:
        codes += [c for c in fired_rules if c in rules.BY_CODE and rules.BY_CODE[c].colour == code.colour]
    events = HealthEvent.objects.filter(applicant=applicant, created__gte=code.since, occurred_at__lte=now)
    for kind in events.values_list("kind", flat=True):
        rule = rules.BY_CODE[EVENT_RULES[kind]]
        if rule.colour == code.colour:
            codes.append(rule.code)
    return list(dict.fromkeys(codes))


def reason_texts(
    codes: list[str], last: ColourChange | None, extensions: list[ColourExtension] | tuple = ()
) -> list[str]:
    """Each rule's words in the active language, with the details the change that set the
    colour kept (a companion's venue and day, say), or an extension of the colour since; a rule
    none has a part for, in plain words."""
    parts = list(last.reason_parts) if last is not None else []
    for extension in extensions:
        parts += extension.reason_parts
    texts: list[str] = []
    for code in codes:
        texts += [part_text(part) for part in parts if part.get("code") == code] or [rules.text_for(code)]
    return texts


def reviewer_words(change: ColourChange | ColourExtension, shown: list[str]) -> str:
    """A reviewer's change's reason in the active language, without the rules it names that the
    page lists among the reasons already (a reviewer who approved the rules' colour)."""
    if not change.reason_parts:
        return reason_text(change)
    return words(part for part in change.reason_parts if part.get("code") not in shown)


def history_lines(change: ColourChange | ColourExtension) -> list[str]:
    """A history row's reason, line by line, in the active language: its parts; for a row
    without them, its rules' plain words and a reviewer's own words, as written."""
    if change.reason_parts:
        return [text for text in (part_text(part) for part in change.reason_parts) if text]
    lines = [rules.text_for(code) for code in change.rules]
    if change.source == ColourChange.Source.REVIEWER and change.reason:
        lines.append(change.reason)
    return lines


@dataclass
class Explanation:
    applicant: Applicant
    colour: Colour
    since: datetime | None = None
    until: datetime | None = None
    reasons: list[str] = field(default_factory=list)
    reviewer_reason: str = ""
    last_change: ColourChange | None = None
    under_review: bool = False  # a declaration is being reviewed by the machine
    waiting_for_reviewer: bool = False  # a declaration waits for a person
    days_served: int = 0
    checkins_needed: int = 0
    checkins_done: int = 0
    checkins_left: int = 0  # to the end of the minimum duration too (rules.checkins_left)
    counting_from: date | None = None
    checked_in_today: CheckIn | None = None
    earliest_green: date | None = None
    # The colour changes and, among them, the colours extended for a new reason (is_extension).
    history: list[ColourChange | ColourExtension] = field(default_factory=list)
    appeal: Appeal | None = None
    pending_override: PendingOverride | None = None
    today: date | None = None

    @property
    def restricted(self) -> bool:
        return self.colour in (Colour.YELLOW, Colour.RED)


def explain(applicant: Applicant, *, now: datetime | None = None, history: int = 10) -> Explanation:
    now = now or timezone.now()
    today = local_day(now)
    code = HealthCode.objects.filter(pk=applicant.health_code_id).first()
    statuses = set(
        Declaration.objects.filter(applicant=applicant)
        .exclude(status=Declaration.Status.DRAFT)
        .order_by("-created")
        .values_list("status", flat=True)[:3]
    )
    out = Explanation(
        applicant=applicant,
        colour=Colour(code.colour) if code else Colour.PENDING,
        today=today,
        under_review=Declaration.Status.CONFIRMED in statuses,
        waiting_for_reviewer=Declaration.Status.NEEDS_REVIEW in statuses,
        checked_in_today=CheckIn.objects.filter(applicant=applicant, day=today).first(),
        appeal=Appeal.objects.filter(applicant=applicant).order_by("-created", "-id").first(),
        pending_override=PendingOverride.objects.filter(
            applicant=applicant, status=PendingOverride.Status.PENDING
        ).first(),
    )
    if code is None:
        return out
    out.since, out.until = code.since, code.until
    changes = list(ColourChange.objects.filter(code=code).order_by("-version")[:history])
    extensions = list(ColourExtension.objects.filter(code=code).order_by("-created", "-id")[:history])
    out.history = sorted(changes + extensions, key=lambda row: row.created, reverse=True)[:history]
    out.last_change = changes[0] if changes else None
    codes = current_rule_codes(applicant, code, now=now)
    last_version = out.last_change.version if out.last_change is not None else 0
    told_since = [extension for extension in extensions if extension.version > last_version]
    # The reasons the colour was extended for since it was set are reasons too (an abnormal
    # check-in, a reviewer's decision): the person was told them, and sent here for the whole.
    codes += [rule for extension in reversed(told_since) for rule in extension.rules if rule not in codes]
    out.reasons = reason_texts(codes, out.last_change, told_since)
    by_reviewer = [row for row in (*told_since, out.last_change) if row is not None and row.source == "reviewer"]
    if by_reviewer:  # the latest reviewer's own words
        out.reviewer_reason = reviewer_words(by_reviewer[0], codes)
    if not out.restricted:
        return out

    out.days_served = (today - local_day(code.since)).days
    out.checkins_needed = rules.checkins_needed(code.colour)
    out.counting_from = first_counted_day(code.since)
    normal = _normal_days(applicant, out.counting_from, today)
    out.checkins_done = rules.served_streak(normal, out.counting_from, today)
    # The next check-in that counts is today's, or tomorrow's once today's is in (and no
    # earlier than the first counted day); the daily task turns the code green in the night
    # after the last one, and not before the colour's minimum duration is over.
    # Until it turns green, every day needs its check-in (a missed day restarts the count).
    # The check-ins left run to the end of the minimum duration too: the count must be unbroken then.
    next_day = max(today + timedelta(days=1) if today in normal else today, out.counting_from)
    floor = local_day(code.until) if code.until else None
    out.checkins_left = rules.checkins_left(out.checkins_needed, out.checkins_done, next_day, floor)
    last_needed = next_day + timedelta(days=out.checkins_left - 1) if out.checkins_left else today
    out.earliest_green = max(last_needed, floor or last_needed) + timedelta(days=1)
    return out


def _normal_days(applicant: Applicant, start: date, today: date) -> dict[date, bool]:
    return dict(
        CheckIn.objects.filter(applicant=applicant, day__gte=start, day__lte=today).values_list("day", "normal")
    )


@dataclass
class Panel:
    """What the code page's small review panel shows: three facts read with the page's own
    query (`panel_annotations`), the full explanation one tap away."""

    colour: Colour
    waiting_for_reviewer: bool = False
    checked_in_today: bool = False
    appeal_status: str | None = None  # the latest appeal's
    checkins_needed: int = 0
    checkins_done: int = 0
    checkins_left: int = 0  # as on the "Why this colour?" page (rules.checkins_left)

    @property
    def restricted(self) -> bool:
        return self.colour in (Colour.YELLOW, Colour.RED)

    @property
    def appeal_status_label(self) -> str:
        return Appeal.Status(self.appeal_status).label if self.appeal_status else ""


def panel_annotations(queryset: QuerySet, today: date) -> QuerySet:
    """The panel's facts as annotations on an Applicant query (family's code page query)."""
    applicant = OuterRef("pk")
    return queryset.annotate(
        panel_waiting=Exists(Declaration.objects.filter(applicant=applicant, status=Declaration.Status.NEEDS_REVIEW)),
        panel_checked_in_today=Exists(CheckIn.objects.filter(applicant=applicant, day=today)),
        panel_appeal_status=Subquery(
            Appeal.objects.filter(applicant=applicant).order_by("-created", "-id").values("status")[:1]
        ),
    )


def panel(applicant: Applicant, code: HealthCode) -> Panel:
    """`applicant` as family's code page read it, with `panel_annotations`."""
    out = Panel(
        colour=Colour(code.colour),
        waiting_for_reviewer=applicant.panel_waiting,
        checked_in_today=applicant.panel_checked_in_today,
        appeal_status=applicant.panel_appeal_status,
    )
    if not out.restricted:
        return out
    today = local_day(timezone.now())
    start = first_counted_day(code.since)
    normal = _normal_days(applicant, min(start, today), today)
    out.checked_in_today = today in normal
    out.checkins_needed = rules.checkins_needed(code.colour)
    out.checkins_done = rules.served_streak(normal, start, today)
    next_day = max(today + timedelta(days=1) if out.checked_in_today else today, start)
    floor = local_day(code.until) if code.until else None
    out.checkins_left = rules.checkins_left(out.checkins_needed, out.checkins_done, next_day, floor)
    return out
