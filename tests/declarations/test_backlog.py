"""The machine's review in turns (declarations/services/backlog.py): a confirmation takes its
part's turn or finds it taken; a turn reviews everyone of its part waiting, oldest first; one
that cannot be reviewed goes to the sweeper without stopping the rest; beat wakes a part
whose turn died."""

from __future__ import annotations

import base64
import os
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from declarations import services
from declarations.models import Declaration
from declarations.services import backlog
from declarations.services.review import sweep_stuck
from family.models import Applicant
from family.services import self_applicant
from healthcode.colours import Colour
from healthcode.hooks import _send_once
from tests import factories

pytestmark = pytest.mark.django_db


def confirm_one(**answers) -> Declaration:
    user = factories.account()
    draft = services.save_draft(user, self_applicant(user), factories.declaration_data(**answers))
    return services.confirm(user, draft.ref)


def confirmed_while_turns_run(count: int, **answers) -> list[Declaration]:
    """`count` people confirm while every part's turn is taken (a turn runs elsewhere): their
    confirmations send nothing, nothing reviews them yet."""
    cache.set_many(dict.fromkeys(backlog.turn_keys(), 1), 60)
    return [confirm_one(**answers) for _ in range(count)]


def every_turn() -> int:
    turns = settings.HC_REVIEW_TURNS
    return sum(backlog.review_confirmed(part, turns) for part in range(turns))


def statuses(declarations) -> list[str]:
    found = dict(Declaration.objects.filter(pk__in=[d.pk for d in declarations]).values_list("pk", "status"))
    return [found[d.pk] for d in declarations]


REVIEWED, CONFIRMED = Declaration.Status.REVIEWED, Declaration.Status.CONFIRMED


def test_a_confirmation_takes_its_parts_turn_and_its_review_runs_after_commit(django_capture_on_commit_callbacks):
    user = factories.account()
    draft = services.save_draft(user, self_applicant(user), factories.declaration_data())
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.confirm(user, draft.ref)
    # One callback of its own: its part's turn (the SMS sender's follows, from the review's colour).
    turns = settings.HC_REVIEW_TURNS
    part = draft.pk % turns
    turn = (_send_once, (backlog.TURN_TASK, backlog.key_of(part, turns), backlog.TURN_HOLD, (part, turns)))
    assert (callbacks[0].func, callbacks[0].args) == turn
    assert [c.args[0] for c in callbacks[1:]] == ["family.tasks.send_waiting_sms"]
    assert Declaration.objects.get(pk=draft.pk).status == REVIEWED
    assert self_applicant(user).health_code.colour == Colour.GREEN
    assert cache.get_many(backlog.turn_keys()) == {}, "the turn was given back"


def test_confirmations_while_the_turn_is_taken_enqueue_nothing_and_wait_for_it(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        waiting = confirmed_while_turns_run(3)
    assert statuses(waiting) == [CONFIRMED] * 3
    assert every_turn() == 3  # the running turns find them
    assert statuses(waiting) == [REVIEWED] * 3
    assert cache.get_many(backlog.turn_keys()) == {}


def test_a_turn_reviews_every_waiting_declaration_of_its_part_oldest_first_in_batches(settings):
    settings.HC_REVIEW_TURNS = 1
    waiting = confirmed_while_turns_run(5)
    # Confirmed in the reverse order of their ids: the turn goes by confirmation time.
    now = timezone.now()
    for i, declaration in enumerate(waiting):
        Declaration.objects.filter(pk=declaration.pk).update(confirmed_at=now - timedelta(seconds=i))
    assert backlog.waiting(0, 1, batch=10) == [d.pk for d in reversed(waiting)]
    assert backlog.waiting(0, 1, batch=2) == [waiting[4].pk, waiting[3].pk]
    assert backlog.review_confirmed(0, 1, batch=2) == 5  # looks of 2, 2 and 1, then none
    assert statuses(waiting) == [REVIEWED] * 5
    assert backlog.review_confirmed(0, 1) == 0  # a second turn (a message delivered twice): nothing


def test_a_look_after_giving_the_turn_back_finds_what_was_confirmed_meanwhile(settings, monkeypatch):
    """A confirmation committed just before the turn is given back found it taken and sent
    nothing: the look after the give-back reviews it."""
    settings.HC_REVIEW_TURNS = 1
    first = confirmed_while_turns_run(1)[0]
    late = []
    give_back = backlog.release

    def confirmed_just_before(key):
        if not late:
            late.append(confirm_one())  # the turn is still taken: it sends nothing
        give_back(key)

    monkeypatch.setattr(backlog, "release", confirmed_just_before)
    assert backlog.review_confirmed(0, 1, linger=0) == 2
    assert statuses([first, *late]) == [REVIEWED, REVIEWED]


def test_a_turn_that_found_a_few_waits_its_pace_and_reviews_those_confirmed_meanwhile_together(settings, monkeypatch):
    """People declaring one after another: a look that finds fewer than a full batch waits
    `pace` before the next, which takes everyone confirmed meanwhile in one look; a full
    batch (a backlog) is followed by the next look at once."""
    settings.HC_REVIEW_TURNS = 1
    settings.HC_REVIEW_PACE_MS = 30
    first = confirmed_while_turns_run(3)
    meanwhile, pauses, looks = [], [], []
    look = backlog._look

    def counted(*args):
        found, done = look(*args)
        looks.append(found)
        return found, done

    def pause(seconds):
        pauses.append(seconds)
        if not meanwhile:
            meanwhile.extend(confirm_one() for _ in range(4))  # the turn is taken: they send nothing

    monkeypatch.setattr(backlog, "_look", counted)
    monkeypatch.setattr(backlog, "_pause", pause)
    assert backlog.review_confirmed(0, 1, batch=2, linger=0) == 7
    # 2 (full: at once), 1 (paced: the four confirm), 2 (full), 2, then none: given back, one more.
    assert looks == [2, 1, 2, 2, 0, 0]
    assert pauses == [0.03]
    assert statuses(first + meanwhile) == [REVIEWED] * 7


def test_a_turn_run_inside_the_persons_request_neither_paces_nor_lingers(
    settings, monkeypatch, django_capture_on_commit_callbacks
):
    """No broker (tasks run eagerly): the confirming request runs the turn, and would wait out
    every pause."""
    settings.HC_REVIEW_PACE_MS, settings.HC_REVIEW_LINGER_MS = 50, 50
    pauses = []
    monkeypatch.setattr(backlog, "_pause", lambda seconds: pauses.append(seconds) if seconds else None)
    with django_capture_on_commit_callbacks(execute=True):
        declaration = confirm_one()
    assert statuses([declaration]) == [REVIEWED]
    assert pauses == []


def test_a_turn_given_back_stops_at_its_time_even_with_work_left(settings, monkeypatch):
    """After the give-back a new turn may be running (a confirmation took the key): the old
    one ends at its time, whatever it finds, rather than race the new one without limit."""
    settings.HC_REVIEW_TURNS = 1
    first = confirmed_while_turns_run(1)[0]
    late = []
    give_back = backlog.release

    def then_a_rush(key):
        late.extend(confirm_one() for _ in range(3))
        time.sleep(0.3)  # past the turn's time
        give_back(key)

    monkeypatch.setattr(backlog, "release", then_a_rush)
    # Batches of one: the look after the give-back finds a full one, reviews it, then stops.
    assert backlog.review_confirmed(0, 1, batch=1, linger=0, turn_seconds=0.2) == 2
    assert statuses([first, *late]) == [REVIEWED, REVIEWED, CONFIRMED, CONFIRMED]


def test_a_turn_past_its_time_passes_on_to_a_new_task_of_its_part(settings):
    settings.HC_REVIEW_TURNS = 1
    waiting = confirmed_while_turns_run(2)
    # This task reviews nothing: the turn goes to a new task (eager here), which reviews both.
    assert backlog.review_confirmed(0, 1, turn_seconds=0) == 0
    assert statuses(waiting) == [REVIEWED] * 2
    assert cache.get_many(backlog.turn_keys()) == {}, "the new task gave the turn back"


def test_turns_side_by_side_never_take_the_same_declaration(settings):
    settings.HC_REVIEW_TURNS = 3
    waiting = confirmed_while_turns_run(7)
    parts = [backlog.waiting(part, 3) for part in range(3)]
    assert sorted(pk for part in parts for pk in part) == sorted(d.pk for d in waiting)
    assert all(pk % 3 == part for part, pks in enumerate(parts) for pk in pks)
    assert backlog.review_confirmed(1, 3) == len(parts[1])
    assert statuses(waiting) == [REVIEWED if d.pk % 3 == 1 else CONFIRMED for d in waiting]


def test_a_turn_sent_before_the_number_of_parts_changed_reviews_what_it_was_sent_for(settings):
    settings.HC_REVIEW_TURNS = 3
    waiting = confirmed_while_turns_run(6)
    # Sent when there were two parts: the odd ids, whatever the setting says now.
    assert backlog.review_confirmed(1, 2) == sum(d.pk % 2 == 1 for d in waiting)
    assert statuses(waiting) == [REVIEWED if d.pk % 2 == 1 else CONFIRMED for d in waiting]


def test_each_declaration_of_a_turn_gets_its_own_colour():
    answers = ({}, {"contact": "unsure"}, {"contact": "yes"})
    green, yellow, red = (confirmed_while_turns_run(1, **a)[0] for a in answers)
    every_turn()
    colours = [Declaration.objects.get(pk=d.pk).applicant.health_code.colour for d in (green, yellow, red)]
    assert colours == [Colour.GREEN, Colour.YELLOW, Colour.RED]


def unreadable(declaration: Declaration) -> None:
    """Its ID number sealed with another key (a key rotated wrongly): reading it fails."""
    garbage = base64.urlsafe_b64encode(os.urandom(40)).decode().rstrip("=")
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Declaration._meta.db_table} SET id_number = %s WHERE id = %s", [f"e1::{garbage}", declaration.pk]
        )


def test_a_declaration_that_cannot_be_reviewed_goes_to_the_sweeper_and_the_turn_goes_on(settings, caplog):
    settings.HC_REVIEW_TURNS = 1  # one turn: it must go past the broken one to reach the last
    first, broken, last = confirmed_while_turns_run(3)
    unreadable(broken)
    assert every_turn() == 2
    assert statuses([first, broken, last]) == [REVIEWED, CONFIRMED, REVIEWED]
    handed = Declaration.objects.filter(pk=broken.pk).values("sweeps", "swept_at").get()
    assert (handed["sweeps"], handed["swept_at"] is not None) == (1, True)
    assert f"review of declaration {broken.pk} failed" in caplog.text
    # No later turn tries it again (each would fail and log); the sweeper's period applies.
    caplog.clear()
    assert every_turn() == 0
    assert "failed" not in caplog.text
    assert sweep_stuck(now=timezone.now()) == []  # handed just now: not before its period
    assert sweep_stuck(now=timezone.now() + timedelta(minutes=6)) == [broken.pk]


def test_a_declaration_no_turn_can_review_does_not_hold_the_turn(settings):
    """A person whose code is gone: no review can colour it. Turns do not look at it (a look
    full of them would hide everyone behind), nor does beat wake a part for it; the sweeper
    finds it after its period (it looped forever in a turn, once)."""
    settings.HC_REVIEW_TURNS = 1
    orphan, other = confirmed_while_turns_run(2)
    Applicant.objects.filter(pk=orphan.applicant_id).update(health_code=None)
    assert backlog.review_confirmed(0, 1, linger=0) == 1
    assert statuses([orphan, other]) == [CONFIRMED, REVIEWED]
    assert backlog.wake_stalled(now=timezone.now() + timedelta(minutes=1)) == []
    assert sweep_stuck(now=timezone.now() + timedelta(minutes=6)) == [orphan.pk]


def test_beat_wakes_a_part_whose_declarations_wait_too_long(settings):
    settings.HC_REVIEW_TURNS = 2
    stalled = confirmed_while_turns_run(2)  # their turns died with the worker: keys left taken
    now = timezone.now() + backlog.STALLED_AFTER + timedelta(seconds=1)
    assert backlog.wake_stalled(now=now) == []  # the keys are taken: nothing sent
    assert statuses(stalled) == [CONFIRMED] * 2
    cache.delete_many(backlog.turn_keys())  # the dead turns' keys lapse (TURN_HOLD)
    assert backlog.wake_stalled(now=timezone.now()) == []  # not waiting long enough yet
    assert sorted(backlog.wake_stalled(now=now)) == sorted({d.pk % 2 for d in stalled})
    assert statuses(stalled) == [REVIEWED] * 2  # the turns ran (eagerly here)
