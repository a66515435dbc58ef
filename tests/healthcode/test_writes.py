"""healthcode/writes.py: a row's named fields written with an UPDATE built once per process
store what `save(update_fields=...)` stores, and nothing else; a row inserted with an INSERT
built once per process is what `create` stores."""

from datetime import timedelta

from django.db import connection
from django.utils import timezone

from declarations.models import Declaration
from declarations.services import save_draft
from family.services import self_applicant
from healthcode.models import ColourChange, HealthCode
from healthcode.writes import insert, update_fields, update_many
from tests import factories
from tests.counting import statement_text

REVIEWED = ["status", "verdict_colour", "verdict_rules", "suggested_colour", "area_level", "reviewed_at", "review_note"]


def test_the_fields_are_stored_as_save_stores_them(citizen, django_assert_num_queries):
    declaration = factories.declared(citizen)
    other = factories.declared(citizen)
    now = timezone.now()
    values = {
        "status": Declaration.Status.REVIEWED,
        "verdict_colour": "yellow",
        "verdict_rules": ["travel_medium", "contact_unsure"],
        "suggested_colour": "",
        "area_level": "medium",
        "reviewed_at": now,
        "review_note": "Kept “yellow” — 黄码",
    }
    for name, value in values.items():
        setattr(declaration, name, value)
        setattr(other, name, value)
    declaration.name = "Not written"  # a field not named stays as it is in the row
    with django_assert_num_queries(1) as captured:
        assert update_fields(declaration, REVIEWED) == 1
    other.save(update_fields=REVIEWED)
    stored, saved = Declaration.objects.get(pk=declaration.pk), Declaration.objects.get(pk=other.pk)
    assert {name: getattr(stored, name) for name in values} == {name: getattr(saved, name) for name in values}
    assert stored.verdict_rules == ["travel_medium", "contact_unsure"] and stored.reviewed_at == now
    assert stored.name != "Not written"
    if connection.vendor == "postgresql":  # prepared on the server once per connection
        logged = captured.captured_queries[0]["sql"]
        assert logged.startswith("EXECUTE") and statement_text(logged).startswith('UPDATE "declarations_declaration"')


def test_a_null_and_a_row_that_is_gone(citizen):
    code = HealthCode.objects.get(pk=self_applicant(citizen).health_code_id)
    code.until, code.version = None, code.version + 1
    assert update_fields(code, ["version", "until"]) == 1
    assert HealthCode.objects.filter(pk=code.pk, until=None, version=code.version).exists()
    code.until = timezone.now() + timedelta(days=7)
    gone = HealthCode(pk=code.pk + 1000, colour="red", version=1)
    assert update_fields(gone, ["colour"]) == 0


def test_an_inserted_row_is_what_create_stores(citizen, django_assert_num_queries):
    code = HealthCode.objects.get(pk=self_applicant(citizen).health_code_id)
    now = timezone.now()
    values = {
        "code": code,
        "from_colour": "pending",
        "to_colour": "yellow",
        "version": 2,
        "source": ColourChange.Source.REVIEW,
        "rules": ["travel_medium"],
        "reason_parts": [
            {"code": "travel_medium"},
            {"code": "risk_areas", "areas": [{"name": "金水", "level": "high"}]},
        ],
        "reason": "Travel — 旅行",
        "actor": None,
        "approved_by": citizen,
        "created": now,
    }
    with django_assert_num_queries(1):
        inserted = insert(ColourChange(**values))
    created = ColourChange.objects.create(**values | {"version": 3})
    assert inserted.pk and inserted.pk != created.pk and not inserted._state.adding
    columns = [f.attname for f in ColourChange._meta.concrete_fields if f.attname not in ("id", "version")]
    stored = ColourChange.objects.filter(pk__in=[inserted.pk, created.pk]).order_by("version")
    first, second = ({name: getattr(row, name) for name in columns} for row in stored)
    assert first == second and first["reason_parts"][1]["areas"][0]["name"] == "金水"


def test_nothing_listens_to_the_save_signals_these_writes_skip():
    """healthcode/writes.py sends no pre_save/post_save: a receiver added for one of the models
    it writes would be silently skipped on the hot paths, so this test fails first."""
    from django.db.models.signals import post_save, pre_save

    from family.models import InboxMessage

    for model in (HealthCode, ColourChange, Declaration, InboxMessage):
        assert not pre_save.has_listeners(model) and not post_save.has_listeners(model), model


def test_the_same_values_are_written_to_the_rows_named_and_no_other(citizen, django_assert_num_queries):
    """update_many: one statement whatever the number of rows (on Postgres the keys are one
    array: the same statement, prepared once), each value stored as `save` stores it."""
    person = self_applicant(citizen)
    declarations = [save_draft(citizen, person, factories.declaration_data()) for _ in range(4)]
    now = timezone.now()
    values = {"status": Declaration.Status.REVIEWED, "verdict_rules": ["contact_unsure"], "reviewed_at": now}
    with django_assert_num_queries(1) as captured:
        assert update_many(Declaration, [d.pk for d in declarations[:3]], values) == 3
    with django_assert_num_queries(1) as again:
        assert update_many(Declaration, [declarations[0].pk], values) == 1
    rows = {d.pk: d for d in Declaration.objects.filter(pk__in=[d.pk for d in declarations])}
    written = [(rows[d.pk].status, rows[d.pk].verdict_rules, rows[d.pk].reviewed_at) for d in declarations]
    assert written[:3] == [("reviewed", ["contact_unsure"], now)] * 3
    assert written[3][0] == Declaration.Status.DRAFT
    if connection.vendor == "postgresql":
        assert statement_text(captured[0]["sql"]) == statement_text(again[0]["sql"])
