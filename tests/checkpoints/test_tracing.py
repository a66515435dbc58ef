"""Contact tracing: a case's companions at the same venue within the window, over the past
14 days; their codes turn yellow with a reason that names the venue and day, never the case;
family members held by the case's account are flagged; running twice changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from checkpoints.models import CaseTrace, Scan, TraceContact, TraceVisit
from checkpoints.services import tracing
from checkpoints.services.visits import register_visit
from checkpoints.tasks import trace_untraced_cases
from declarations.models import HealthEvent
from declarations.services import record_health_event
from declarations.tasks import reassess_person
from family import sms
from family.models import InboxMessage
from family.services import self_applicant
from healthcode.colours import Colour
from healthcode.models import ColourChange
from healthcode.services import remember_language
from tests import factories
from tests.checkpoints.conftest import nonce

WINDOW = timedelta(hours=2)
SECOND = timedelta(seconds=1)


@pytest.fixture
def now(db):
    return timezone.now().replace(microsecond=0)


@pytest.fixture
def person(declare):
    """A declared person with a green code (their own account)."""

    def _person(name: str = "王小明"):
        user = factories.account()
        declare(user, name=name)
        applicant = self_applicant(user)
        applicant.refresh_from_db()
        return applicant

    return _person


@pytest.fixture
def case(person):
    return person("张三丰")


def visit(venue, applicant, at) -> Scan:
    result = register_visit(venue, applicant, nonce=nonce(), now=at)
    return Scan.objects.get(pk=result.scan_id)


def mark_case(applicant, when, kind=HealthEvent.Kind.CONFIRMED_CASE, ref="CDC-1") -> HealthEvent:
    """The authority's mark, without running what it enqueues (the tests trace by hand, on
    their own clock)."""
    return record_health_event(
        id_number=applicant.id_number, kind=kind, occurred_at=when, source="authority", source_ref=ref
    )


def colour_of(applicant) -> str:
    applicant.health_code.refresh_from_db()
    return applicant.health_code.colour


def traced(event, now, capture):
    """Trace on the test's clock and run what follows (re-assessment, notifications)."""
    with capture(execute=True):
        return tracing.trace_case(event.pk, now=now)


def found(trace) -> set[int]:
    return set(
        TraceContact.objects.filter(trace=trace, kind=TraceContact.Kind.COMPANION).values_list(
            "applicant_id", flat=True
        )
    )


def test_the_window_includes_its_edges_and_nothing_beyond(
    venue, other_venue, case, person, now, django_capture_on_commit_callbacks
):
    at = now - timedelta(days=3)
    visit(venue, case, at)
    early, late, too_early, too_late, elsewhere = (person() for _ in range(5))
    visit(venue, early, at - WINDOW)
    visit(venue, late, at + WINDOW)
    visit(venue, too_early, at - WINDOW - SECOND)
    visit(venue, too_late, at + WINDOW + SECOND)
    visit(other_venue, elsewhere, at)
    trace = traced(mark_case(case, now), now, django_capture_on_commit_callbacks)
    assert found(trace) == {early.pk, late.pk}
    assert (trace.visits, trace.companions, trace.notified) == (1, 2, 2)
    assert [colour_of(p) for p in (early, late, too_early, too_late, elsewhere)] == [
        Colour.YELLOW,
        Colour.YELLOW,
        Colour.GREEN,
        Colour.GREEN,
        Colour.GREEN,
    ]


def test_only_the_past_14_days_count(venue, other_venue, case, person, now, django_capture_on_commit_callbacks):
    oldest_counted, too_old = now - timedelta(days=14), now - timedelta(days=14) - SECOND
    visit(venue, case, oldest_counted)
    visit(other_venue, case, too_old)
    inside, outside = person(), person()
    visit(venue, inside, oldest_counted + timedelta(minutes=30))
    visit(other_venue, outside, too_old + timedelta(minutes=30))
    trace = traced(mark_case(case, now), now, django_capture_on_commit_callbacks)
    assert list(TraceVisit.objects.filter(trace=trace).values_list("venue", flat=True)) == [venue.pk]
    assert found(trace) == {inside.pk}
    assert (trace.since, trace.until) == (now - timedelta(days=14), now)


def test_a_case_with_no_scans_is_traced_and_finds_no_one(case, person, venue, now, django_capture_on_commit_callbacks):
    visit(venue, person(), now - timedelta(hours=1))  # someone else's scan, no case nearby
    trace = traced(mark_case(case, now), now, django_capture_on_commit_callbacks)
    assert (trace.visits, trace.companions, trace.notified, trace.family, trace.runs) == (0, 0, 0, 0, 1)
    assert not HealthEvent.objects.filter(kind=HealthEvent.Kind.COMPANION).exists()


def test_a_case_who_never_registered_is_traced_too(now, django_capture_on_commit_callbacks):
    event = record_health_event(
        id_number=factories.valid_id(), kind="suspected_case", occurred_at=now, source="authority", source_ref="X-9"
    )
    trace = traced(event, now, django_capture_on_commit_callbacks)
    assert trace.applicant is None and trace.visits == 0 and trace.finished == now


def test_a_companion_turns_yellow_and_is_told_where_and_when_but_not_who(
    venue, case, person, now, django_capture_on_commit_callbacks
):
    at = now - timedelta(days=2, hours=3)
    visit(venue, case, at)
    companion = person("李四")
    visit(venue, companion, at + timedelta(minutes=20))
    traced(mark_case(case, now), now, django_capture_on_commit_callbacks)
    change = ColourChange.objects.filter(code=companion.health_code).order_by("-version").first()
    assert (change.from_colour, change.to_colour, change.rules) == (Colour.GREEN, Colour.YELLOW, ["companion"])
    day = timezone.localtime(at + timedelta(minutes=20)).date().isoformat()
    assert change.reason == f"Spatio-temporal companion of a case at {venue.name} on {day}."
    for secret in ("张三丰", "张*丰", case.id_number, case.id_number[-4:], case.phone):
        assert secret not in change.reason
    # Told: the companion's account has the message in its inbox, and an SMS.
    message = InboxMessage.objects.get(change=change)
    assert message.account_id == companion.account_id and message.reason == change.reason
    assert message.sms_state == InboxMessage.SmsState.SENT


def test_the_companions_reason_names_the_venue_and_day_in_the_readers_language(
    client, venue, case, person, now, django_capture_on_commit_callbacks
):
    at = now - timedelta(days=1, hours=2)
    visit(venue, case, at)
    chinese, english = person("李四"), person("王五")
    remember_language(chinese.account, "zh-hans")
    for companion in (chinese, english):
        visit(venue, companion, at + timedelta(minutes=10))
    sms.outbox.clear()
    traced(mark_case(case, now), now, django_capture_on_commit_callbacks)
    day = timezone.localtime(at + timedelta(minutes=10)).date().isoformat()
    zh = f"{day} 在{venue.name}与病例时空伴随。"
    en = f"Spatio-temporal companion of a case at {venue.name} on {day}."
    change = ColourChange.objects.filter(code=english.health_code).order_by("-version").first()
    assert change.reason_parts == [{"code": "companion", "venue": venue.name, "date": day}]
    assert HealthEvent.objects.get(kind="companion", applicant=english).place == venue.name
    # The SMS, in each account's language; neither names the case.
    texts = {message.to: message.text for message in sms.outbox}
    assert zh in texts[chinese.account.username] and en not in texts[chinese.account.username]
    assert en in texts[english.account.username] and zh not in texts[english.account.username]
    for text in texts.values():
        assert "张三丰" not in text and "张*丰" not in text
    # The inbox and "Why this colour?" in the reader's language, whatever the account's.
    client.force_login(english.account)
    zh_headers = {"HTTP_ACCEPT_LANGUAGE": "zh-CN,zh;q=0.9"}
    assert f"原因</span>：{zh}" in client.get(reverse("inbox"), **zh_headers).content.decode()
    why = client.get(reverse("why-colour", args=[english.pk]), **zh_headers).content.decode()
    assert f"<li>{zh}</li>" in why
    assert f"<li>{en}</li>" in client.get(reverse("why-colour", args=[english.pk])).content.decode()


def test_family_members_held_by_the_case_account_are_flagged_as_close_contacts(
    venue, citizen, declare, now, django_capture_on_commit_callbacks
):
    declare(citizen, name="王小明")
    agent = self_applicant(citizen)
    grandmother = factories.member(citizen, name="王奶奶")
    declare(citizen, grandmother, name="王奶奶", id_number=grandmother.id_number)
    undeclared = factories.member(citizen, name="王小小", id_number=factories.valid_id("20200101"))
    undeclared.id_number = None
    undeclared.save(update_fields=["id_number"])
    grandmother.refresh_from_db()
    trace = traced(mark_case(grandmother, now), now, django_capture_on_commit_callbacks)
    assert colour_of(agent) == Colour.RED
    change = ColourChange.objects.filter(code=agent.health_code).order_by("-version").first()
    assert change.rules == ["close_contact"] and change.source == ColourChange.Source.AUTHORITY
    assert "王奶奶" not in change.reason
    family = TraceContact.objects.filter(trace=trace, kind=TraceContact.Kind.FAMILY)
    assert {c.applicant_id: c.event_id is not None for c in family} == {agent.pk: True, undeclared.pk: False}
    assert trace.family == 1
    event = HealthEvent.objects.get(kind=HealthEvent.Kind.CLOSE_CONTACT)
    assert (event.source, event.applicant) == ("trace", agent)


def test_tracing_twice_finds_and_flags_everyone_once(venue, case, person, now, django_capture_on_commit_callbacks):
    at = now - timedelta(days=1)
    visit(venue, case, at)
    visit(venue, case, at + timedelta(minutes=40))  # entry and exit: two visits, one person each
    companion = person()
    visit(venue, companion, at + timedelta(minutes=10))
    event = mark_case(case, now)
    first = traced(event, now, django_capture_on_commit_callbacks)
    snapshot = (
        HealthEvent.objects.count(),
        ColourChange.objects.count(),
        InboxMessage.objects.count(),
        TraceContact.objects.count(),
    )
    again = traced(event, now + timedelta(minutes=5), django_capture_on_commit_callbacks)
    assert again.pk == first.pk and again.runs == 2
    assert (
        HealthEvent.objects.count(),
        ColourChange.objects.count(),
        InboxMessage.objects.count(),
        TraceContact.objects.count(),
    ) == snapshot
    assert (again.visits, again.companions, again.notified) == (2, 1, 1)
    assert list(TraceVisit.objects.filter(trace=again).values_list("companions", flat=True)) == [1, 1]
    assert CaseTrace.objects.count() == 1


def test_a_second_run_adds_scans_uploaded_since(venue, case, person, now, django_capture_on_commit_callbacks):
    at = now - timedelta(hours=5)
    visit(venue, case, at)
    event = mark_case(case, now)
    assert traced(event, now, django_capture_on_commit_callbacks).companions == 0
    late_upload = person()
    visit(venue, late_upload, at + timedelta(minutes=5))
    assert traced(event, now + timedelta(hours=1), django_capture_on_commit_callbacks).companions == 1
    assert colour_of(late_upload) == Colour.YELLOW


def test_a_companion_without_an_id_number_is_found_and_flagged_once_they_have_one(
    venue, case, now, declare, django_capture_on_commit_callbacks
):
    at = now - timedelta(hours=3)
    visit(venue, case, at)
    stranger = self_applicant(factories.account())  # never declared: no ID number on file
    visit(venue, stranger, at)
    event = mark_case(case, now)
    trace = traced(event, now, django_capture_on_commit_callbacks)
    assert (trace.companions, trace.notified) == (1, 0)
    declare(stranger.account)  # the ID number is on file now
    trace = traced(event, now + timedelta(minutes=10), django_capture_on_commit_callbacks)
    assert (trace.companions, trace.notified) == (1, 1)
    assert colour_of(stranger) == Colour.YELLOW


def test_a_stricter_code_stays_as_it_is(venue, case, person, now, django_capture_on_commit_callbacks):
    at = now - timedelta(hours=3)
    visit(venue, case, at)
    red = person()
    record_health_event(
        id_number=red.id_number, kind="close_contact", occurred_at=now, source="authority", source_ref="CC-1"
    )
    with django_capture_on_commit_callbacks(execute=True):
        reassess_person(red.pk)
    assert colour_of(red) == Colour.RED
    visit(venue, red, at)
    traced(mark_case(case, now), now, django_capture_on_commit_callbacks)
    assert colour_of(red) == Colour.RED


def test_marking_a_case_traces_it_after_commit(venue, case, person, django_capture_on_commit_callbacks):
    """The real path: the authority records the case, the trace runs after commit (wired by
    settings.HC_HOOKS), the companion's code turns yellow and the companion is told."""
    at = timezone.now() - timedelta(hours=1)
    visit(venue, case, at)
    companion = person()
    visit(venue, companion, at)
    with django_capture_on_commit_callbacks(execute=True):
        event = mark_case(case, timezone.now())
    trace = CaseTrace.objects.get(event=event)
    assert (trace.companions, trace.notified) == (1, 1)
    assert colour_of(case) == Colour.RED and colour_of(companion) == Colour.YELLOW
    assert InboxMessage.objects.filter(account_id=companion.account_id, to_colour=Colour.YELLOW).exists()


def test_close_contacts_and_other_events_are_not_traced(case, now, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        event = mark_case(case, now, kind=HealthEvent.Kind.CLOSE_CONTACT)
    assert tracing.trace_case(event.pk, now=now) is None
    assert not CaseTrace.objects.exists()


def test_the_sweep_finds_cases_whose_trace_was_lost(case, now, django_capture_on_commit_callbacks):
    event = mark_case(case, now)  # its on-commit trace never ran (not captured)
    earlier = now - timedelta(minutes=5)
    HealthEvent.objects.filter(pk=event.pk).update(created=earlier, occurred_at=earlier)
    assert tracing.untraced_cases(now=now) == [event.pk]
    assert tracing.untraced_cases(now=now + timedelta(days=15)) == []  # too old to matter
    with django_capture_on_commit_callbacks(execute=True):
        trace_untraced_cases()  # beat's task, on the real clock: the case was recorded 5 minutes ago
    assert CaseTrace.objects.filter(event=event).exists()
    assert tracing.untraced_cases(now=now) == []


def test_the_trace_query_is_one_statement(venue, other_venue, case, person, now, django_assert_num_queries):
    at = now - timedelta(days=2)
    for place in (venue, other_venue):
        visit(place, case, at)
        visit(place, person(), at + timedelta(minutes=1))
    with django_assert_num_queries(1):
        rows = list(tracing.encounters(case.pk, since=now - timedelta(days=14), until=now, window=WINDOW))
    assert len(rows) == 2
