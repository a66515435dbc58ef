"""The migration that brought dates saved before the constraints into range (declarations
0011): an area in force since year 1, one that ended in year 1, a case dated in 9999.

Among the integration tests, which run last: on Postgres, the first browser test after this
one (which migrates back and forth) found the permissions gone (tests/e2e/test_accessibility.py,
session 10), though each test's database is restored; the cause was not found."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from declarations.models import EARLIEST_DATE, HealthEvent, RiskArea
from declarations.services.events import sweep_unassessed
from family.services import self_applicant
from healthcode.colours import Colour
from tests import factories
from tests.declarations.conftest import code_of

JINSHUI = {"province": "Henan/河南", "city": "Zhengzhou/郑州", "district": "Jinshui/金水"}


def _stored_as_written(table: str, values: dict) -> None:
    """A row as an admin form wrote it before the constraints, dates as the database keeps
    them (a day of year 0 cannot pass through Python)."""
    columns = ", ".join(values)
    marks = ", ".join(["%s"] * len(values))
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({columns}) VALUES ({marks})", list(values.values()))


def _year_one_in_henan(hour: int = 0) -> str:
    # 0001-01-01 00:00 in Henan: 0000-12-31 16:00 UTC, as each database keeps it.
    if connection.vendor == "postgresql":
        return f"0001-01-01 {hour:02d}:00:00+08:00"
    return f"0000-12-31 {16 + hour:02d}:00:00" if hour < 8 else f"0001-01-01 {hour - 8:02d}:00:00"


def _utc(moment: datetime):
    return connection.ops.adapt_datetimefield_value(moment)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_migration_brings_stored_dates_into_range_and_reviews_work_again(citizen, outsider):
    """An area in force since year 1 and a case dated in 9999, saved before the constraints:
    after the migration the areas' list opens, a citizen's declaration is reviewed (with the
    area in force, as it was meant), and the case dated ahead turns its person red."""
    factories.declared(outsider)  # committed: reviewed at once (tasks run eagerly)
    assert code_of(outsider).colour == Colour.GREEN
    executor = MigrationExecutor(connection)
    before = [("declarations", "0010_reassess_rereview_due")]
    latest = executor.loader.graph.leaf_nodes("declarations")
    executor.migrate(before)
    try:
        now = timezone.now()
        person = self_applicant(outsider)
        seal = HealthEvent._meta.get_field("id_number").get_prep_value
        _stored_as_written(
            "declarations_riskarea",
            JINSHUI
            | {"level": "high", "note": "", "effective_from": _year_one_in_henan(), "effective_until": None}
            | {"created": _utc(now), "updated": _utc(now)},
        )
        # Both dates in year 1 (an area that ended before the first cases): the migration stopped
        # on "until after from" when it moved the start alone (session 10's review).
        _stored_as_written(
            "declarations_riskarea",
            JINSHUI
            | {"level": "low", "note": "", "effective_from": _year_one_in_henan()}
            | {"effective_until": _year_one_in_henan(hour=12)}
            | {"created": _utc(now), "updated": _utc(now)},
        )
        in_9999 = _utc(datetime(9999, 12, 31, tzinfo=UTC))
        _stored_as_written(
            "declarations_riskarea",
            {"province": "Henan", "city": "Kaifeng", "district": "", "level": "medium", "note": ""}
            | {"effective_from": _utc(now - timedelta(days=1)), "effective_until": in_9999}
            | {"created": _utc(now), "updated": _utc(now)},
        )
        _stored_as_written(
            "declarations_healthevent",
            {"kind": "confirmed_case", "id_number": seal(person.id_number), "applicant_id": person.pk}
            | {"occurred_at": _utc(datetime(9999, 12, 31, 15, 59, tzinfo=UTC)), "source": "authority"}
            | {"source_ref": "CDC-9999", "place": "", "note": "", "created": _utc(now - timedelta(hours=1))},
        )
        executor = MigrationExecutor(connection)
        executor.migrate(latest)
    finally:
        MigrationExecutor(connection).migrate(latest)

    kaifeng = RiskArea.objects.get(city="Kaifeng")
    year_one = RiskArea.objects.get(city=JINSHUI["city"], level="high")
    over = RiskArea.objects.get(city=JINSHUI["city"], level="low")
    assert (over.effective_from, over.effective_until) == (EARLIEST_DATE, EARLIEST_DATE + timedelta(seconds=1))
    assert (kaifeng.city, kaifeng.effective_until) == ("Kaifeng", None)  # 9999: no end
    assert year_one.effective_from == EARLIEST_DATE
    event = HealthEvent.objects.get()
    assert event.occurred_at == event.created and event.reassess_due is not None
    declaration = factories.declared(citizen)
    declaration.refresh_from_db()
    assert declaration.status == "reviewed" and code_of(citizen).colour == Colour.YELLOW  # Jinshui
    sweep_unassessed(now=timezone.now() + timedelta(hours=1))  # beat: the event is due
    assert code_of(outsider).colour == Colour.RED
