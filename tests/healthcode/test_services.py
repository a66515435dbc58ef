from healthcode.colours import Colour
from healthcode.models import ColourChange, HealthCode
from healthcode.services import change_colour, create_code


def test_every_change_bumps_the_version_and_writes_a_row(db):
    code = create_code()
    change_colour(code.pk, Colour.GREEN, source=ColourChange.Source.REVIEW, rules=[], reason="normal")
    change_colour(code.pk, Colour.YELLOW, source=ColourChange.Source.REVIEW, rules=["contact_unsure"])
    code.refresh_from_db()
    assert code.colour == Colour.YELLOW
    assert code.version == 3
    history = list(ColourChange.objects.filter(code=code).order_by("version"))
    assert [(c.from_colour, c.to_colour, c.version) for c in history] == [
        ("pending", "green", 2),
        ("green", "yellow", 3),
    ]


def test_same_colour_writes_no_row(db):
    code = create_code()
    change_colour(code.pk, Colour.GREEN, source=ColourChange.Source.REVIEW)
    assert change_colour(code.pk, Colour.GREEN, source=ColourChange.Source.REVIEW) is None
    assert ColourChange.objects.count() == 1
    assert HealthCode.objects.get(pk=code.pk).version == 2


def test_a_second_reviewer_is_recorded(db):
    from tests import factories

    first, second = factories.account(), factories.account()
    code = create_code()
    change = change_colour(
        code.pk, Colour.RED, source=ColourChange.Source.REVIEWER, reason="x", actor=first, approved_by=second
    )
    assert (change.actor, change.approved_by) == (first, second)


def test_compare_and_set_on_the_version(db):
    import pytest
    from django.db import transaction

    from healthcode.services import StaleCode

    code = create_code()
    change_colour(code.pk, Colour.YELLOW, source=ColourChange.Source.REVIEW, expected_version=1)
    with pytest.raises(StaleCode), transaction.atomic():
        change_colour(code.pk, Colour.GREEN, source=ColourChange.Source.CHECKIN, expected_version=1)
    code.refresh_from_db()
    assert (code.colour, code.version) == (Colour.YELLOW, 2)
    assert ColourChange.objects.count() == 1


def test_a_row_locked_by_the_caller_is_not_read_again(db, django_assert_num_queries):
    import pytest
    from django.db import transaction

    code, other = create_code(), create_code()
    with transaction.atomic():
        locked = HealthCode.objects.select_for_update().get(pk=code.pk)
        with django_assert_num_queries(3):  # the code's update, the history row, who holds it (no one)
            change_colour(code.pk, Colour.RED, source=ColourChange.Source.REVIEW, locked=locked)
        with pytest.raises(ValueError):  # another code's row: refused before anything is written
            change_colour(other.pk, Colour.RED, source=ColourChange.Source.REVIEW, locked=locked)
    assert HealthCode.objects.get(pk=code.pk).colour == Colour.RED
    assert HealthCode.objects.get(pk=other.pk).colour == Colour.PENDING
    assert ColourChange.objects.count() == 1
