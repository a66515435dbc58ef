import uuid

import pytest
from django.db import connection
from django.utils import timezone

from declarations import services
from declarations.models import Declaration
from declarations.services.areas import areas_in_force
from declarations.tasks import review_declaration
from family.services import self_applicant
from healthcode.colours import Colour
from healthcode.models import ColourChange
from tests import factories
from tests.counting import statement_text


def test_review_sets_colour_and_writes_one_history_row(citizen, declare):
    declaration = declare(citizen)
    code = self_applicant(citizen).health_code
    assert declaration.status == Declaration.Status.REVIEWED
    assert code.colour == Colour.GREEN
    change = ColourChange.objects.get(code=code)
    assert (change.from_colour, change.to_colour, change.source) == ("pending", "green", "review")
    assert change.version == code.version == 2
    # The row says why, even when no rule fired.
    assert (change.rules, change.reason_parts) == ([], [{"code": "no_rule"}])
    assert change.reason == "No rule applies: the declaration is normal."


def test_review_twice_changes_nothing(citizen, declare):
    declaration = declare(citizen, contact="unsure")
    assert services.review(declaration.pk) is None
    assert ColourChange.objects.count() == 1


def test_yellow_review_names_the_rule_and_duration(citizen, declare):
    declaration = declare(citizen, contact="unsure")
    code = self_applicant(citizen).health_code
    assert code.colour == Colour.YELLOW
    assert declaration.verdict_rules == ["contact_unsure"]
    assert (code.until - code.since).days == 7
    assert "Not sure about contact" in ColourChange.objects.get(code=code).reason


def test_a_later_normal_declaration_does_not_lower_a_yellow_code(citizen, declare):
    declare(citizen, contact="unsure")
    applicant = self_applicant(citizen)
    second = declare(citizen, id_number=applicant.id_number)
    applicant.refresh_from_db()
    assert applicant.health_code.colour == Colour.YELLOW
    assert "does not lower" in second.review_note
    assert ColourChange.objects.count() == 1


def test_a_later_worse_declaration_raises_the_colour(citizen, declare):
    declare(citizen)
    applicant = self_applicant(citizen)
    declare(citizen, id_number=applicant.id_number, contact="yes")
    applicant.refresh_from_db()
    assert applicant.health_code.colour == Colour.RED
    assert ColourChange.objects.count() == 2


def test_inconsistent_declaration_waits_for_a_reviewer(citizen, declare):
    from decimal import Decimal

    declaration = declare(citizen, temperature=Decimal("39.2"), symptoms=["none"])
    assert declaration.status == Declaration.Status.NEEDS_REVIEW
    assert self_applicant(citizen).health_code.colour == Colour.PENDING
    assert ColourChange.objects.count() == 0


def test_save_draft_with_the_same_form_token_updates_one_row(citizen):
    applicant = self_applicant(citizen)
    data = factories.declaration_data()
    first = services.save_draft(citizen, applicant, data)
    second = services.save_draft(citizen, applicant, data | {"district": "Erqi District"})
    assert first.pk == second.pk
    assert Declaration.objects.get().district == "Erqi District"


def test_confirm_twice_enqueues_one_review(citizen, django_capture_on_commit_callbacks):
    applicant = self_applicant(citizen)
    draft = services.save_draft(citizen, applicant, factories.declaration_data())
    with django_capture_on_commit_callbacks() as callbacks:
        services.confirm(citizen, draft.ref)
        services.confirm(citizen, draft.ref)
    assert len(callbacks) == 1


def test_confirm_refuses_an_id_number_another_person_holds(citizen, outsider, declare):
    taken = declare(outsider).id_number
    draft = services.save_draft(citizen, self_applicant(citizen), factories.declaration_data(id_number=taken))
    with pytest.raises(services.IdNumberTaken):
        services.confirm(citizen, draft.ref)
    draft.refresh_from_db()
    assert draft.status == Declaration.Status.DRAFT


def test_another_accounts_declaration_is_not_found(citizen, outsider):
    from django.http import Http404

    draft = services.save_draft(citizen, self_applicant(citizen), factories.declaration_data())
    with pytest.raises(Http404):
        services.confirm(outsider, draft.ref)
    with pytest.raises(Http404):
        services.get_declaration_for_user(outsider, uuid.uuid4())


def test_a_review_costs_a_fixed_number_of_queries(
    citizen, settings, django_capture_on_commit_callbacks, django_assert_num_queries
):
    """The worker's hot path (bench/README.md): the declaration and the code locked, with the
    city and whether the person has any recent health event (none: not read), in one query;
    the risk areas from the process's recent read (here, with the read turned on, the first
    review reads them); for a code with no colour yet (a first declaration, as here), whether
    another declaration of the person waits for a reviewer (after the lock: services/review.py);
    the code's update, the history row, the declaration's update; the inbox message (who holds
    the code, the insert); in a savepoint here (the test's transaction), in BEGIN ... COMMIT in
    a worker."""
    draft = services.save_draft(citizen, self_applicant(citizen), factories.declaration_data())
    with django_capture_on_commit_callbacks():  # the review task is not run: it is timed below
        declaration = services.confirm(citizen, draft.ref)
    settings.HC_AREA_REFRESH_SECONDS = 60
    areas_in_force.in_force(timezone.now())  # read by an earlier review in this process
    with django_capture_on_commit_callbacks() as callbacks, django_assert_num_queries(9) as captured:
        review_declaration(declaration.pk)
    sql = [statement_text(query["sql"]) for query in captured.captured_queries]
    if connection.features.has_select_for_update:  # SQLite locks the whole database instead
        assert [s.split(" FOR UPDATE ")[1] for s in sql if " FOR UPDATE " in s] == [
            'OF "declarations_declaration", "healthcode_healthcode"'
        ]
    assert not any("declarations_riskarea" in statement for statement in sql)
    inserts = [statement.split()[2] for statement in sql if statement.startswith("INSERT")]
    assert inserts == ['"healthcode_colourchange"', '"family_inboxmessage"']  # the history row, the message
    assert len(callbacks) == 1  # the SMS sender, after commit
    assert Declaration.objects.get(pk=declaration.pk).status == Declaration.Status.REVIEWED
    assert ColourChange.objects.filter(code__applicant__account=citizen).count() == 1
    with django_assert_num_queries(3):  # again (a redelivered task): one look, nothing written
        assert services.review(declaration.pk) is None


def test_a_review_of_a_coloured_code_asks_nothing_about_waiting_declarations(
    citizen, declare, settings, django_capture_on_commit_callbacks, django_assert_num_queries
):
    """Whether an earlier declaration waits for a reviewer matters only while the code has no
    colour (services/review.py): a later declaration's review does not ask."""
    declare(citizen)  # the first: the code is green now
    draft = services.save_draft(citizen, self_applicant(citizen), factories.declaration_data())
    with django_capture_on_commit_callbacks():
        declaration = services.confirm(citizen, draft.ref)
    settings.HC_AREA_REFRESH_SECONDS = 60
    areas_in_force.in_force(timezone.now())
    # The declaration and the code locked, the declaration's update (green stays green: nothing
    # written to the code), in a savepoint: no read of other declarations.
    with django_capture_on_commit_callbacks(), django_assert_num_queries(4) as captured:
        review_declaration(declaration.pk)
    assert not any("needs_review" in query["sql"] for query in captured.captured_queries)
