"""Background review: the published rules applied to a confirmed declaration, and again when
the authority learns something later (a health event, a risk area raised).

The machine only ever raises a colour, or keeps it: daily check-ins and reviewers (with a
second reviewer's approval) lower it. Every function a task calls here takes ids, is
idempotent and is safe to run twice or concurrently: the state machine lives in the database
rows, moved by compare-and-set updates.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from declarations import rules
from declarations.models import Declaration, HealthEvent, RiskArea, RiskLevel
from declarations.services.areas import active_areas, areas_in_force, settle
from declarations.services.clock import local_day
from family.models import Applicant
from healthcode.colours import SEVERITY, Colour
from healthcode.hooks import enqueue_after_commit
from healthcode.models import ColourChange, HealthCode
from healthcode.prepared import STAND_IN_EARLIER, STAND_IN_ID, STAND_IN_TIME, Prepared
from healthcode.services import change_colour
from healthcode.writes import update_fields

LOOKBACK = timedelta(days=rules.LOOKBACK_DAYS)
WAITS_WITH_EARLIER = gettext_lazy(
    "An earlier declaration of this person is waiting for a reviewer; this one waits with it."
)
# ColourChange sources that lower a colour on purpose: what was known before them is served.
RELEASE_SOURCES = (ColourChange.Source.CHECKIN, ColourChange.Source.REVIEWER)
CASE_KINDS = {
    HealthEvent.Kind.CONFIRMED_CASE: "confirmed",
    HealthEvent.Kind.SUSPECTED_CASE: "suspected",
    HealthEvent.Kind.CLOSE_CONTACT: "close_contact",
}
CASE_RANK = {"none": 0, "close_contact": 1, "suspected": 2, "confirmed": 3}
# What a review writes on the declaration.
REVIEWED_FIELDS = [
    "status",
    "verdict_colour",
    "verdict_rules",
    "suggested_colour",
    "area_level",
    "reviewed_at",
    "review_note",
]


# ---------------------------------------------------------------------------------------
# Facts: what the rules are fed


def release_time(code_id: int) -> datetime | None:
    """When the code last turned green by check-ins or a reviewer: what was known before is served."""
    return (
        ColourChange.objects.filter(code_id=code_id, to_colour=Colour.GREEN, source__in=RELEASE_SOURCES)
        .order_by("-version")
        .values_list("created", flat=True)
        .first()
    )


def live_events(
    applicant_id: int | None, id_number: str, now: datetime, *, code_id: int | None = None
) -> list[HealthEvent]:
    """Health events about the person in the past 14 days, recorded after their last release
    (what was known before it has been served). Usually none: then one cheap query."""
    who = Q(id_number=id_number) if id_number else Q(pk__in=[])
    if applicant_id is not None:
        who |= Q(applicant_id=applicant_id)
    events = list(HealthEvent.objects.filter(who, occurred_at__gte=now - LOOKBACK, occurred_at__lte=now))
    released = release_time(code_id) if events and code_id else None
    return [event for event in events if released is None or event.created > released]


def event_facts(events: Iterable[HealthEvent]) -> dict:
    case_status = "none"
    medicine = companion = False
    for event in events:
        status = CASE_KINDS.get(event.kind)
        if status and CASE_RANK[status] > CASE_RANK[case_status]:
            case_status = status
        medicine |= event.kind == HealthEvent.Kind.MEDICINE_PURCHASE
        companion |= event.kind == HealthEvent.Kind.COMPANION
    return {"case_status": case_status, "medicine_purchase": medicine, "companion": companion}


def home_of(declaration: Declaration) -> str:
    city = declaration.city
    return f"{city.province} {city.name_en} {city.name_zh} {declaration.district}"


def facts_for(
    declaration: Declaration, *, areas: tuple[rules.Area, ...] = (), events: Iterable[HealthEvent] = ()
) -> rules.Facts:
    """The declared answers, with the risk areas in force and what the authority knows."""
    return rules.Facts(
        temperature=declaration.temperature,
        symptoms=frozenset(declaration.symptoms),
        travel=declaration.travel,
        contact=declaration.contact,
        travel_area=declaration.travel_area,
        home=home_of(declaration),
        risk_areas=areas,
        **event_facts(events),
    )


# ---------------------------------------------------------------------------------------
# Applying a verdict


def companion_parts(events: Iterable[HealthEvent]) -> list[dict[str, Any]]:
    """What a companion reads about each companion event: the venue and the day (contact
    tracing: where and when, never who the case is). An event without a place (recorded by
    hand, or before places were kept) is told by its note, as written."""
    parts: list[dict[str, Any]] = []
    for event in events:
        if event.kind != HealthEvent.Kind.COMPANION:
            continue
        if event.place:
            day = local_day(event.occurred_at).isoformat()
            part = {"code": rules.R_COMPANION.code, "venue": event.place, "date": day}
        elif event.note:
            part = {"text": event.note}
        else:
            continue
        if part not in parts:
            parts.append(part)
    return parts


def reason_parts(verdict: rules.Verdict, events: Iterable[HealthEvent] = ()) -> list[dict[str, Any]]:
    """The history row's reason, as parts put into words when read (healthcode/reasons.py):
    the rules that fired, with a companion's venues and days in place of the general companion
    rule, and the risk areas the declared places fall in. Other events' notes are the
    authority's own and stay out of it."""
    companions = companion_parts(events)
    parts: list[dict[str, Any]] = []
    for rule in verdict.fired:
        if rule.code == rules.R_COMPANION.code and companions:
            parts += companions
        else:
            parts.append({"code": rule.code})
    named = dict.fromkeys((m.area.name, m.area.level) for m in verdict.areas if m.certain)
    if named:
        parts.append({"code": rules.RISK_AREAS, "areas": [{"name": name, "level": level} for name, level in named]})
    return parts or [{"code": rules.NO_RULE}]


def locked_with_code(since: datetime, now: datetime) -> QuerySet[Declaration]:
    """Declarations with their person's code, both locked (the state machine's rows), with the
    city, and whether any health event about the person falls between `since` and `now`
    (usually none: then `live_events` is not asked): what `judge` reads. The person's own
    fields stay behind. A declaration whose person has no code is not among them."""
    events = HealthEvent.objects.filter(
        Q(applicant_id=OuterRef("applicant_id")) | Q(id_number=OuterRef("id_number")),
        occurred_at__gte=since,
        occurred_at__lte=now,
    )
    return (
        Declaration.objects.select_for_update(of=("self", "applicant__health_code"))
        .select_related("city", "applicant__health_code")
        .defer("applicant__name", "applicant__id_number", "applicant__phone")
        .annotate(has_events=Exists(events))
        .filter(applicant__health_code__isnull=False)
    )


def _locked_declaration(pk: int, since: datetime, now: datetime) -> QuerySet[Declaration]:
    # By primary key alone, the status checked by the caller: with `status = 'confirmed'` in
    # the WHERE, Postgres chose the status index whenever its statistics counted few confirmed
    # declarations, and scanned the whole backlog for each review (bench/README.md, session 6).
    return locked_with_code(since, now).filter(pk=pk).order_by()


def _waiting_severity(declaration: Declaration, now: datetime) -> int:
    """How severe a colour the person's other declarations waiting for a reviewer suggest (one
    without a suggestion counts as yellow), 0 when none waits. Read after the code's lock, in
    its own statement: another review holding the lock may just have sent one to a reviewer,
    and a subquery of the locking statement would have read the rows before the wait. Asked
    only while the code has no colour, so a review of a coloured code costs no more."""
    suggestions = (
        Declaration.objects.filter(
            applicant_id=declaration.applicant_id,
            status=Declaration.Status.NEEDS_REVIEW,
            confirmed_at__gte=now - LOOKBACK,
        )
        .exclude(pk=declaration.pk)
        .values_list("suggested_colour", flat=True)
    )
    return max((SEVERITY.get(c or Colour.YELLOW, SEVERITY[Colour.YELLOW]) for c in suggestions), default=0)


def _locked_code(pk: int):
    return HealthCode.objects.select_for_update().filter(pk=pk).order_by()


# Compiled once per process (healthcode/prepared.py): Django compiling these took about a
# quarter of a review's own CPU, as much as running them (bench/README.md).
_declaration_query = Prepared(_locked_declaration, pk=STAND_IN_ID, since=STAND_IN_EARLIER, now=STAND_IN_TIME)
_code_query = Prepared(_locked_code, pk=STAND_IN_ID)


def raise_colour(
    code_id: int,
    verdict: rules.Verdict,
    *,
    source: ColourChange.Source,
    now: datetime,
    events: Iterable[HealthEvent] = (),
    locked: HealthCode | None = None,
) -> tuple[ColourChange | None, str]:
    """Apply a machine verdict if it is at least as severe as the current colour (the same
    colour extends its minimum duration). Returns the history row, if any, and a note.
    `locked`: the code as the caller read it with select_for_update in its transaction."""
    with transaction.atomic(savepoint=False):
        code = locked if locked is not None else _code_query.first(pk=code_id)
        if code is None:
            raise HealthCode.DoesNotExist(code_id)
        if code.colour != Colour.PENDING and SEVERITY[verdict.colour] < SEVERITY[code.colour]:
            # A declaration never lowers a colour: check-ins or a reviewer do (DESIGN.md).
            kept = _("Kept %(colour)s: a declaration does not lower a colour.")
            return None, kept % {"colour": Colour(code.colour).label}
        until = now + timedelta(days=verdict.days) if verdict.days else None
        change = change_colour(
            code_id,
            verdict.colour,
            source=source,
            rules=verdict.rule_codes,
            reason_parts=reason_parts(verdict, events),
            until=until,
            now=now,
            locked=code,  # the row locked above: change_colour does not read it again
        )
        return change, ""


def review(declaration_id: int, *, now: datetime | None = None) -> Declaration | None:
    """Apply the published rules to a confirmed declaration. Idempotent: a declaration that
    is not waiting for review is left alone, so a redelivered task does nothing. Its notes for
    reviewers are written in the site's language, whoever's request ran it (a reviewer's
    decision releases waiting ones; without a broker it runs inside the citizen's request)."""
    now = now or timezone.now()
    with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
        # The declaration and the code (locked), the city, and whether there is any recent health
        # event, in one query; the areas from this process's recent read (services/areas.py). A
        # review costs a fixed number of queries (tests/declarations pin it).
        declaration = _declaration_query.first(pk=declaration_id, since=now - LOOKBACK, now=now)
        if declaration is None or declaration.status != Declaration.Status.CONFIRMED:
            return None
        judge(declaration, areas_in_force.in_force(now), now)
        update_fields(declaration, REVIEWED_FIELDS)  # built once per process (healthcode/writes.py)
        return declaration


def judge(declaration: Declaration, areas: tuple[rules.Area, ...], now: datetime) -> None:
    """The review of a confirmed declaration read with its code, both locked in the caller's
    transaction (`has_events` annotated as `_locked_declaration` does): the verdict and the
    status set on `declaration` (the caller writes REVIEWED_FIELDS), the colour raised."""
    code = declaration.applicant.health_code
    code_id = code.pk
    events = []
    if declaration.has_events:
        events = live_events(declaration.applicant_id, declaration.id_number, now, code_id=code_id)
    verdict = rules.evaluate(facts_for(declaration, areas=areas, events=events))
    declaration.verdict_colour = verdict.colour
    declaration.verdict_rules = verdict.rule_codes
    declaration.suggested_colour = verdict.suggested or ""
    declaration.area_level = verdict.area_level
    declaration.reviewed_at = now
    if verdict.manual_review:
        declaration.status = Declaration.Status.NEEDS_REVIEW
        declaration.review_note = " ".join(str(reason) for reason in verdict.manual_reasons)
    elif code.colour == Colour.PENDING and _waiting_severity(declaration, now) > SEVERITY[verdict.colour]:
        # An earlier declaration waits for a reviewer who may find it yellow or red: a milder
        # one declared meanwhile must not colour the code first (it made a pending code green
        # until the reviewer came: session 10's audit). It waits with the earlier one; a
        # declaration as severe or more is applied at once, as raising is always safe.
        declaration.status = Declaration.Status.NEEDS_REVIEW
        declaration.review_note = str(WAITS_WITH_EARLIER)
    else:
        declaration.status = Declaration.Status.REVIEWED
        _, declaration.review_note = raise_colour(
            code_id, verdict, source=ColourChange.Source.REVIEW, now=now, events=events, locked=code
        )


def reassess_person(applicant_id: int, *, now: datetime | None = None) -> ColourChange | None:
    """Re-apply the rules to what the authority knows about a person (cases, contacts,
    medicine purchases, companions). Raises the colour when they call for more; never lowers.
    A person who has not declared yet is reviewed with these facts when they do."""
    now = now or timezone.now()
    person = Applicant.objects.filter(pk=applicant_id).values("health_code_id", "id_number").first()
    if person is None or person["health_code_id"] is None:
        return None
    events = live_events(applicant_id, person["id_number"] or "", now, code_id=person["health_code_id"])
    verdict = rules.evaluate(rules.Facts(temperature=None, **event_facts(events)))
    if verdict.colour in (Colour.GREEN, Colour.PENDING):
        return None
    authority = {rules.R_CASE.code, rules.R_CLOSE_CONTACT.code} & set(verdict.rule_codes)
    source = ColourChange.Source.AUTHORITY if authority else ColourChange.Source.REVIEW
    change, _note = raise_colour(person["health_code_id"], verdict, source=source, now=now, events=events)
    return change


def reassess_people(applicant_ids: Iterable[int], *, now: datetime | None = None) -> None:
    """Re-assess each person (`reassess_person`), then mark their events due for it as done.
    Only the events seen due before the re-assessment read them are marked: one recorded
    meanwhile keeps its mark for its own task (or the sweep)."""
    applicant_ids = list(applicant_ids)
    due = list(
        HealthEvent.objects.filter(applicant_id__in=applicant_ids, reassess_due__isnull=False).values_list(
            "pk", flat=True
        )
    )
    for applicant_id in applicant_ids:
        reassess_person(applicant_id, now=now)
    if due:
        HealthEvent.objects.filter(pk__in=due).update(reassess_due=None)


# ---------------------------------------------------------------------------------------
# Risk areas added or raised


def declarations_naming_area(area_id: int, *, now: datetime | None = None) -> list[int]:
    """Reviewed declarations of the past 14 days that may name the area (as travel or home).
    A cheap database pre-filter; the rules decide for each one (`reassess_areas`)."""
    now = now or timezone.now()
    area = RiskArea.objects.filter(pk=area_id).first()
    if area is None or area.level not in (RiskLevel.MEDIUM, RiskLevel.HIGH):
        return []
    if area.effective_until is not None and area.effective_until <= now - 2 * LOOKBACK:
        return []
    keywords = rules.area_keywords(area.as_rule_area())
    if not keywords:
        return []
    named = Q()
    for word in keywords:
        named |= (
            Q(travel_area__icontains=word)
            | Q(district__icontains=word)
            | Q(city__name_en__icontains=word)
            | Q(city__name_zh__icontains=word)
        )
    return list(
        Declaration.objects.filter(
            named,
            status=Declaration.Status.REVIEWED,
            applicant__isnull=False,
            confirmed_at__gte=now - LOOKBACK,
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def reassess_areas(declaration_id: int, *, now: datetime | None = None) -> ColourChange | None:
    """Re-review a reviewed declaration against the risk areas in force now. Only a rise of
    the area level it falls in counts (recorded on the declaration, so a second run does
    nothing), and only the area rules apply: what was declared otherwise was judged already."""
    now = now or timezone.now()
    with transaction.atomic():
        declaration = (
            Declaration.objects.select_for_update(of=("self",))
            .select_related("city")
            .filter(pk=declaration_id, status=Declaration.Status.REVIEWED, applicant__isnull=False)
            .first()
        )
        if declaration is None:
            return None
        since = (declaration.confirmed_at or now) - LOOKBACK
        verdict = rules.evaluate(facts_for(declaration, areas=active_areas(now, since=since)))
        if rules.LEVEL_RANK[verdict.area_level] <= rules.LEVEL_RANK[declaration.area_level]:
            return None
        Declaration.objects.filter(pk=declaration.pk).update(area_level=verdict.area_level)
        area_verdict = rules.only(verdict, rules.AREA_RULES)
        if area_verdict.colour == Colour.GREEN:
            return None
        code_id = Applicant.objects.values_list("health_code_id", flat=True).get(pk=declaration.applicant_id)
        change, _note = raise_colour(code_id, area_verdict, source=ColourChange.Source.REVIEW, now=now)
        return change


def area_saved(area: RiskArea, previous_level: str | None, *, now: datetime | None = None) -> bool:
    """Called after an area is added or edited (in the admin), in the same transaction: a new
    area, or a raised level, re-reviews the recent declarations that name it, in the
    background, after commit. An area that comes into force later is re-reviewed when it does.
    The area is marked due for re-review (`rereview_due`, from when) until that has run: if the
    message never reaches the broker, the beat sweep (`sweep_unreviewed_areas`) sends it again."""
    from declarations.tasks import rereview_area  # tasks import services: import late

    raised = previous_level is None or rules.LEVEL_RANK[area.level] > rules.LEVEL_RANK[previous_level]
    if not raised or area.level not in (RiskLevel.MEDIUM, RiskLevel.HIGH):
        return False
    # Due once every process's reviews have seen the area (services/areas.py): a declaration
    # reviewed meanwhile with the areas read before is then among the reviewed ones it lists.
    area.rereview_due = max(area.effective_from, now or timezone.now()) + settle()
    RiskArea.objects.filter(pk=area.pk).update(rereview_due=area.rereview_due)
    enqueue_after_commit(rereview_area, area.pk, eta=area.rereview_due)  # broker down: the sweep
    return True


def rereview(area_id: int, enqueue, *, now: datetime | None = None) -> list[int]:
    """The re-review of an area added or raised: `enqueue` (a task's `delay`) each recent
    declaration that may name it (`declarations_naming_area`; `reassess_areas` decides), then
    clear the area's mark. Nothing before the area comes into force (a message delivered
    early): the mark stays for its own task or the sweep. An area raised again meanwhile keeps
    the mark that raise set. Returns the declarations enqueued."""
    now = now or timezone.now()
    row = RiskArea.objects.filter(pk=area_id).values_list("rereview_due", "effective_from").first()
    if row is None:
        return []
    due, starts = row
    if starts > now:
        return []
    ids = declarations_naming_area(area_id, now=now)
    for declaration_id in ids:
        enqueue(declaration_id)
    if due is not None:
        RiskArea.objects.filter(pk=area_id, rereview_due=due).update(rereview_due=None)
    return ids


# ---------------------------------------------------------------------------------------
# The sweeper


def sweep_stuck(
    *,
    now: datetime | None = None,
    older_than: timedelta | None = None,
    max_sweeps: int | None = None,
    limit: int = 1000,
) -> list[int]:
    """Re-enqueue declarations confirmed more than `older_than` ago and still not reviewed
    (a lost message, a worker killed mid-task). Each is re-enqueued at most once per period;
    after `max_sweeps` it goes to the manual review queue instead of looping forever."""
    from declarations.tasks import review_declaration  # tasks import services: import late

    now = now or timezone.now()
    older_than = older_than or timedelta(minutes=settings.HC_SWEEP_AFTER_MINUTES)
    max_sweeps = max_sweeps or settings.HC_SWEEP_MAX
    cutoff = now - older_than
    stuck = (
        Declaration.objects.filter(status=Declaration.Status.CONFIRMED, confirmed_at__lt=cutoff)
        .filter(Q(swept_at__isnull=True) | Q(swept_at__lt=cutoff))
        .order_by("confirmed_at")
        .values_list("pk", "sweeps")[:limit]
    )
    requeued = []
    for pk, sweeps in list(stuck):
        claimed = Declaration.objects.filter(pk=pk, status=Declaration.Status.CONFIRMED, sweeps=sweeps)
        if sweeps >= max_sweeps:
            claimed.update(
                status=Declaration.Status.NEEDS_REVIEW,
                reviewed_at=now,
                review_note=_("The automatic review did not finish after %(n)s attempts; a reviewer decides.")
                % {"n": sweeps},
            )
            continue
        if claimed.update(sweeps=F("sweeps") + 1, swept_at=now):
            enqueue_after_commit(review_declaration, pk)  # broker down: the next sweep
            requeued.append(pk)
    return requeued


def sweep_unreviewed_areas(*, now: datetime | None = None, older_than: timedelta | None = None) -> list[int]:
    """Beat: re-enqueue the re-review of areas still due for it `older_than` after it fell
    due (the area saved, or come into force if later: an area that starts tomorrow is not
    swept today). Each is re-enqueued at most once per period (a compare-and-set moves its
    due time on); the re-review clears it. Returns the areas re-enqueued."""
    from declarations.tasks import rereview_area  # tasks import services: import late

    now = now or timezone.now()
    cutoff = now - (older_than or timedelta(minutes=settings.HC_SWEEP_AFTER_MINUTES))
    due = RiskArea.objects.filter(rereview_due__lte=cutoff, effective_from__lte=cutoff).order_by("rereview_due")
    requeued = []
    with transaction.atomic():
        for pk, when in list(due.values_list("pk", "rereview_due")[:100]):
            if RiskArea.objects.filter(pk=pk, rereview_due=when).update(rereview_due=now):
                enqueue_after_commit(rereview_area, pk)  # broker down: the next sweep
                requeued.append(pk)
    return requeued
