"""The code page's query compiled once (healthcode/prepared.py) gives what the ORM gives."""

import pytest
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from declarations.models import Appeal, CheckIn
from family.models import Applicant, InboxMessage, Notice
from family.services import get_applicant_for_user, self_applicant
from family.services.codepage import code_page_applicant, code_page_queryset
from healthcode.models import User
from healthcode.prepared import STAND_IN_ID, Prepared

FIELDS_OF = {
    "applicant": ["id", "account_id", "relationship", "name", "id_number", "city_id", "health_code_id"],
    "code": ["id", "ref", "colour", "version", "since", "until", "paper_issued_at"],
    "city": ["id", "code", "name_zh", "name_en"],
}
ANNOTATIONS = ["inbox_unread", "has_notices", "panel_waiting", "panel_checked_in_today", "panel_appeal_status"]


def snapshot(applicant) -> dict:
    return {
        "applicant": {f: getattr(applicant, f) for f in FIELDS_OF["applicant"]},
        "code": {f: getattr(applicant.health_code, f) for f in FIELDS_OF["code"]},
        "city": {f: getattr(applicant.city, f) for f in FIELDS_OF["city"]},
        "annotations": {a: getattr(applicant, a) for a in ANNOTATIONS},
    }


def assert_same_as_the_orm(user, pk, django_assert_num_queries):
    with django_assert_num_queries(1):
        prepared = code_page_applicant(user, pk)
        got = snapshot(prepared)  # related objects came with the row: no further query
    assert prepared.get_deferred_fields() == {"phone"}  # not on the page: not read, not opened
    assert got == snapshot(code_page_queryset(user, pk).get())
    return got


def test_a_fresh_green_code(green_citizen, django_assert_num_queries):
    applicant = self_applicant(green_citizen)
    got = assert_same_as_the_orm(green_citizen, applicant.pk, django_assert_num_queries)
    assert got["applicant"]["id_number"] == applicant.id_number  # the sealed field is opened
    assert got["code"]["colour"] == "green" and got["city"]["name_en"] == "Zhengzhou"
    assert got["annotations"]["panel_appeal_status"] is None and got["annotations"]["has_notices"] is False


def test_with_an_appeal_a_check_in_notices_and_unread_messages(citizen, declare, django_assert_num_queries):
    declare(citizen, contact="unsure")
    applicant = self_applicant(citizen)
    today = timezone.localdate(timezone=timezone.get_default_timezone())
    CheckIn.objects.create(
        applicant=applicant, day=today, temperature="36.6", symptoms=[], normal=True, submitted_by=citizen
    )
    Appeal.objects.create(
        applicant=applicant,
        submitted_by=citizen,
        colour="yellow",
        reason="I stayed home.",
        code_version=applicant.health_code.version,
    )
    Notice.objects.create(account=citizen, message="A notice")
    InboxMessage.objects.filter(account=citizen).update(read_at=None)
    got = assert_same_as_the_orm(citizen, applicant.pk, django_assert_num_queries)
    assert got["annotations"]["panel_checked_in_today"] is True
    assert got["annotations"]["panel_appeal_status"] == "open"
    assert got["annotations"]["has_notices"] is True
    assert got["annotations"]["inbox_unread"] == InboxMessage.objects.filter(account=citizen).count() >= 1


def test_another_accounts_person_is_404(green_citizen, outsider):
    with pytest.raises(Http404):
        code_page_applicant(outsider, self_applicant(green_citizen).pk)


def test_a_stand_in_the_query_does_not_use_is_refused(db):
    def build(pk: int, other: int) -> QuerySet:
        return User.objects.filter(pk=pk)

    with pytest.raises(ValueError, match="other"):
        Prepared(build, pk=STAND_IN_ID, other=STAND_IN_ID - 5).first(pk=1, other=2)


def test_a_key_too_large_for_the_database_finds_nothing_without_asking(green_citizen, django_assert_num_queries):
    with django_assert_num_queries(0):
        with pytest.raises(Http404):
            code_page_applicant(green_citizen, 2**63)
        with pytest.raises(Http404):
            get_applicant_for_user(green_citizen, -(2**63) - 1)


def test_the_person_read_by_account_and_key_is_the_orms(green_citizen, outsider, django_assert_num_queries):
    """get_applicant_for_user (compiled once): the person, their code and city in one query."""
    pk = self_applicant(green_citizen).pk
    with django_assert_num_queries(1):
        prepared = get_applicant_for_user(green_citizen, pk)
        got = {
            "applicant": {f: getattr(prepared, f) for f in FIELDS_OF["applicant"] + ["phone"]},
            "code": {f: getattr(prepared.health_code, f) for f in FIELDS_OF["code"]},
            "city": {f: getattr(prepared.city, f) for f in FIELDS_OF["city"]},
        }
    orm = Applicant.objects.select_related("health_code", "city").get(account=green_citizen, pk=pk)
    assert got == {
        "applicant": {f: getattr(orm, f) for f in FIELDS_OF["applicant"] + ["phone"]},
        "code": {f: getattr(orm.health_code, f) for f in FIELDS_OF["code"]},
        "city": {f: getattr(orm.city, f) for f in FIELDS_OF["city"]},
    }
    with pytest.raises(Http404):
        get_applicant_for_user(outsider, pk)
