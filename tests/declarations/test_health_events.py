"""Health events handed down by the authority or a checkpoint: cases, contacts, medicine, companions."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from declarations.models import HealthEvent
from declarations.services import record_health_event
from declarations.services.checkins import close_day, submit_checkin
from declarations.services.clock import local_day
from family.services import self_applicant
from healthcode.colours import Colour
from healthcode.models import ColourChange
from tests import factories
from tests.declarations.conftest import code_of, enqueued_here


def event(id_number, kind, when, ref="1", source="authority"):
    return record_health_event(
        id_number=id_number, kind=kind, occurred_at=when, source=source, source_ref=ref, now=when
    )


def test_a_confirmed_case_turns_the_code_red(citizen, reviewed, django_capture_on_commit_callbacks):
    now = timezone.now()
    declaration = reviewed(citizen, now)
    with django_capture_on_commit_callbacks(execute=True):
        event(declaration.id_number.lower(), HealthEvent.Kind.CONFIRMED_CASE, now)
    code = code_of(citizen)
    assert code.colour == Colour.RED
    change = ColourChange.objects.get(to_colour=Colour.RED)
    assert change.source == ColourChange.Source.AUTHORITY
    assert change.rules == ["case"]
    assert HealthEvent.objects.get().applicant == self_applicant(citizen)


def test_the_same_event_twice_is_recorded_once(citizen, reviewed, django_capture_on_commit_callbacks):
    now = timezone.now()
    declaration = reviewed(citizen, now)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        first = event(declaration.id_number, HealthEvent.Kind.MEDICINE_PURCHASE, now, ref="pharmacy-7")
        again = event(declaration.id_number, HealthEvent.Kind.MEDICINE_PURCHASE, now, ref="pharmacy-7")
    assert first.pk == again.pk
    assert len(enqueued_here(callbacks)) == 1
    assert code_of(citizen).colour == Colour.YELLOW
    assert ColourChange.objects.filter(to_colour=Colour.YELLOW).count() == 1


def test_an_event_before_the_person_declares_counts_when_they_do(citizen, reviewed, django_capture_on_commit_callbacks):
    now = timezone.now()
    id_number = factories.valid_id()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        event(id_number, HealthEvent.Kind.CLOSE_CONTACT, now - timedelta(days=2))
    assert callbacks == []  # no one to re-assess yet
    declaration = reviewed(citizen, now, id_number=id_number)
    assert code_of(citizen).colour == Colour.RED
    assert declaration.verdict_rules == ["close_contact"]


def test_an_event_older_than_14_days_does_not_count(citizen, reviewed):
    now = timezone.now()
    id_number = factories.valid_id()
    event(id_number, HealthEvent.Kind.COMPANION, now - timedelta(days=15))
    reviewed(citizen, now, id_number=id_number)
    assert code_of(citizen).colour == Colour.GREEN


def test_a_served_event_does_not_come_back_with_the_next_declaration(citizen, reviewed):
    start = timezone.now() - timedelta(days=9)
    declaration = reviewed(citizen, start)
    event(declaration.id_number, HealthEvent.Kind.MEDICINE_PURCHASE, start)
    from declarations.services.review import reassess_person

    reassess_person(self_applicant(citizen).pk, now=start)
    assert code_of(citizen).colour == Colour.YELLOW
    # Seven normal check-ins, then the night's task turns it green.
    applicant = self_applicant(citizen)
    for n in range(1, 8):
        day = start + timedelta(days=n)
        submit_checkin(applicant, citizen, temperature=Decimal("36.5"), symptoms=["none"], now=day)
    close_day(local_day(start + timedelta(days=7)), now=start + timedelta(days=8))
    assert code_of(citizen).colour == Colour.GREEN
    # A new, normal declaration within 14 days of the purchase: still green.
    reviewed(citizen, start + timedelta(days=8, hours=1), id_number=declaration.id_number)
    assert code_of(citizen).colour == Colour.GREEN


def test_an_event_does_not_lower_a_red_code(citizen, reviewed):
    now = timezone.now()
    declaration = reviewed(citizen, now, contact="yes")
    event(declaration.id_number, HealthEvent.Kind.COMPANION, now)
    from declarations.services.review import reassess_person

    assert reassess_person(self_applicant(citizen).pk, now=now) is None
    assert code_of(citizen).colour == Colour.RED


def test_the_most_serious_case_status_counts_whatever_the_order_of_the_events():
    """A confirmed case who was a close contact before is a case, not a contact: the history
    row names the case rule (events come back from the database in no given order)."""
    from declarations.services.review import event_facts

    kinds = [HealthEvent.Kind.CONFIRMED_CASE, HealthEvent.Kind.CLOSE_CONTACT, HealthEvent.Kind.SUSPECTED_CASE]
    for order in (kinds, kinds[::-1]):
        facts = event_facts([HealthEvent(kind=kind) for kind in order])
        assert facts["case_status"] == "confirmed", order
    assert (
        event_facts(
            [HealthEvent(kind=HealthEvent.Kind.CLOSE_CONTACT), HealthEvent(kind=HealthEvent.Kind.SUSPECTED_CASE)]
        )["case_status"]
        == "suspected"
    )


def test_a_companion_seen_twice_at_one_venue_on_one_day_is_told_it_once():
    """Two companion events at the same venue on the same day make one part of the reason."""
    from declarations.rules import Facts, evaluate
    from declarations.services.review import reason_parts

    noon = timezone.now().replace(hour=4, minute=0)  # 12:00 in Henan
    events = [
        HealthEvent(kind=HealthEvent.Kind.COMPANION, place="Erqi Square Mall", occurred_at=noon),
        HealthEvent(kind=HealthEvent.Kind.COMPANION, place="Erqi Square Mall", occurred_at=noon + timedelta(hours=2)),
        HealthEvent(kind=HealthEvent.Kind.COMPANION, place="Zijingshan Station", occurred_at=noon),
    ]
    verdict = evaluate(Facts(temperature=None, companion=True))
    day = local_day(noon).isoformat()
    assert reason_parts(verdict, events) == [
        {"code": "companion", "venue": "Erqi Square Mall", "date": day},
        {"code": "companion", "venue": "Zijingshan Station", "date": day},
    ]
