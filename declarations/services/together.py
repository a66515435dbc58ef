"""A turn's look: the oldest declarations of its part waiting, reviewed together in one
transaction (services/backlog.py).

Each is judged exactly as `review.review` judges one (`review.judge`: the same rules, the
same colour raised with its history row and message), so the people's codes and what they
read do not depend on which way it ran. What is shared is the database's and the worker's
work: one statement, compiled once per process and prepared on the server, finds the look's
declarations and locks each with its person's code, as a single review does, in the order of
the codes; one UPDATE writes every declaration with the same outcome (under a station
morning nearly all: green, nothing new); one commit. Reviewed one by one, each cost four
statements, a commit and half a millisecond of compiling them (bench/README.md, session 14).

A look takes a person's oldest waiting declaration only: their next one waits for the next
look, which sees what the earlier one's review wrote (a declaration sent to a reviewer, say),
as it would one by one. So a look never holds a code twice: it cannot wait for a declaration
of a code it holds, which a single review of that declaration would hold while waiting for
the code. Two looks, or a look and a single review, lock codes in the same order and wait
for each other. A deadlock with another path (a family member removed while their
declaration is reviewed: the code locked first) is broken by Postgres, as it was for a
single review: the look is then reviewed one by one.

If anything in the look fails, nothing of it is written (no history row, message or SMS):
the caller reviews the declarations one by one, where a failure costs only its own.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone, translation

from declarations.models import Declaration
from declarations.services.areas import areas_in_force
from declarations.services.review import LOOKBACK, REVIEWED_FIELDS, judge, locked_with_code
from family.models import Applicant
from healthcode.prepared import STAND_IN_EARLIER, STAND_IN_ID, STAND_IN_TIME, Prepared
from healthcode.writes import update_many

STAND_IN_PARTS = STAND_IN_ID - 1


# How many of the oldest waiting declarations (every part's) a look reads to choose its own
# from. Without this window Postgres sorted every waiting declaration of the part, and asked
# the one-per-person question of each, at every look (it cannot tell how many match the part,
# so it does not expect to stop early): 50 ms a look with 20 000 waiting, a cost that grows
# with the backlog after an outage. The window is read in order from the index of waiting
# declarations (`declaration_waiting_idx`) and stops at WINDOW.
WINDOW = 2000

# The look's choice, written as SQL rather than through the ORM (which has no WITH): the
# window is read once, in order, from the index of waiting declarations (its predicate
# written out, so that a plan prepared for any values can use the partial index), and a
# person's oldest waiting declaration is found inside it: any older one of theirs is older,
# so it is in the window too, and the window answers the one-per-person question alone.
# Written through the ORM the window was a subquery the planner could run again for every
# row, and the question a search of the whole table per declaration: when the statistics
# counted no declaration waiting (the usual case: they wait milliseconds), Postgres chose
# nested loops that took 0.2 to 0.75 s a look of 1 000 waiting (500 000 buffer reads), where
# this reads the window once (bench/README.md, session 15).
_CHOOSE = """
WITH oldest AS {materialized} (
    SELECT id, applicant_id, confirmed_at FROM {declarations}
    WHERE status = '{confirmed}' AND sweeps = 0 AND applicant_id IS NOT NULL
    ORDER BY confirmed_at, id LIMIT {window}
), firsts AS (
    SELECT id, applicant_id, confirmed_at,
        ROW_NUMBER() OVER (PARTITION BY applicant_id ORDER BY confirmed_at, id) AS nth
    FROM oldest
)
SELECT firsts.id FROM firsts INNER JOIN {applicants} ON {applicants}.id = firsts.applicant_id
WHERE firsts.nth = 1 AND {applicants}.health_code_id IS NOT NULL AND firsts.id %% %s = %s
ORDER BY firsts.confirmed_at, firsts.id LIMIT {batch}
"""


def _choose(part: int, turns: int, batch: int) -> RawSQL:
    quote = connection.ops.quote_name
    sql = _CHOOSE.format(
        # Postgres would otherwise inline the window into each use; SQLite reads it once anyway.
        materialized="MATERIALIZED" if connection.vendor == "postgresql" else "",
        declarations=quote(Declaration._meta.db_table),
        applicants=quote(Applicant._meta.db_table),
        confirmed=Declaration.Status.CONFIRMED.value,
        window=int(max(WINDOW, batch)),  # constants of the statement (one per look size)
        batch=int(batch),
    )
    # Nothing from outside is in the text: table names, a status and two numbers of ours.
    return RawSQL(sql, (turns, part))  # noqa: S611


def waiting(part: int, turns: int, batch: int) -> QuerySet[Declaration]:
    """Up to `batch` of the confirmed declarations of a part that turns review (those the
    sweeper has touched are its own), oldest first, among the WINDOW oldest waiting; of a
    person, only the oldest waiting in any part (their next one waits for its review, which
    it may depend on, and a look never holds a code twice). A declaration whose person has
    no code is not among them: nothing could review it, and a look full of them would hide
    the rest; the sweeper finds it. What a look chooses, for the one-by-one review and
    beat's wake (services/backlog.py)."""
    return Declaration.objects.filter(pk__in=_choose(part, turns, batch)).order_by("confirmed_at", "pk")


def _look(part: int, turns: int, since: datetime, now: datetime, *, batch: int) -> QuerySet[Declaration]:
    # What `waiting` chooses, locked with their codes in the codes' order. No status
    # in the outer WHERE (the caller checks it): a declaration reviewed meanwhile comes back
    # with its new status. A part with none in the window (the other parts hold every one of
    # the oldest WINDOW) finds none this look: its turn ends and the next confirmation or
    # beat's wake starts it again, by which time the window moved. A declaration that
    # the sweeper touched is outside the window: nor do turns take it.
    return (
        locked_with_code(since, now)
        .filter(pk__in=_choose(part, turns, batch))
        .order_by("applicant__health_code_id", "pk")
    )


# Compiled once per process and look size (healthcode/prepared.py): building and compiling
# the two statements of a look cost 3 ms of the worker's CPU, more than reviewing a look of
# a few declarations (bench/README.md, session 14).
_looks: dict[int, Prepared] = {}


def look(part: int, turns: int, batch: int, *, now: datetime | None = None) -> tuple[int, list[int]]:
    """Review up to `batch` of a part's waiting declarations, oldest first, in one
    transaction. Returns how many the look found and those it reviewed. `now`: the review's
    time (else the time the look's locks are held)."""
    prepared = _looks.get(batch)
    if prepared is None:
        prepared = _looks[batch] = Prepared(
            lambda **values: _look(**values, batch=batch),
            part=STAND_IN_ID,
            turns=STAND_IN_PARTS,
            since=STAND_IN_EARLIER,
            now=STAND_IN_TIME,
        )
    reviewed: list[int] = []
    # Declarations by what their review writes: the values, and the keys to write them to.
    outcomes: dict[tuple, tuple[dict[str, Any], list[int]]] = {}
    with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
        asked = now or timezone.now()
        found = prepared.all(part=part, turns=turns, since=asked - LOOKBACK, now=asked)
        # The time written on the verdicts and colour changes: after the locks, so that a
        # change another transaction made while the look waited for a code stays the earlier.
        now = now or timezone.now()
        areas = areas_in_force.in_force(now) if found else ()
        for declaration in found:  # one per person (waiting): their order does not matter
            if declaration.status != Declaration.Status.CONFIRMED:
                continue  # reviewed while the look waited for its lock
            judge(declaration, areas, now)
            values = {name: getattr(declaration, name) for name in REVIEWED_FIELDS}
            key = tuple(tuple(value) if isinstance(value, list) else value for value in values.values())
            outcomes.setdefault(key, (values, []))[1].append(declaration.pk)
            reviewed.append(declaration.pk)
        for values, pks in outcomes.values():
            update_many(Declaration, pks, values)
    return len(found), reviewed
