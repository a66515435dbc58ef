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


def test_the_same_colour_later_for_a_reason_told_moves_the_date_only(db, django_assert_num_queries):
    """A fever declared again: the code locked, what was told (one statement), the new date."""
    from datetime import timedelta

    from django.utils import timezone

    from healthcode.models import ColourExtension

    code, now = create_code(), timezone.now()
    change_colour(code.pk, Colour.YELLOW, source=ColourChange.Source.REVIEW, rules=["fever"], until=now)
    with django_assert_num_queries(3):
        again = change_colour(
            code.pk, Colour.YELLOW, source=ColourChange.Source.REVIEW, rules=["fever"], until=now + timedelta(days=1)
        )
    assert again is None and not ColourExtension.objects.exists()
    code.refresh_from_db()
    assert (code.version, code.until) == (3, now + timedelta(days=1))  # the version moves with the date
    with django_assert_num_queries(1):  # not later: the code locked, nothing asked or written
        change_colour(code.pk, Colour.YELLOW, source=ColourChange.Source.REVIEW, rules=["other"], until=now)
    with django_assert_num_queries(2):  # later without a rule named: nothing to ask
        change_colour(code.pk, Colour.YELLOW, source=ColourChange.Source.REVIEWER, until=now + timedelta(days=2))
    assert not ColourExtension.objects.exists()


def test_the_same_colour_later_for_a_new_reason_is_recorded_with_that_reason(db, django_assert_num_queries):
    """The code locked, what was told, the new date, the extension, who holds the code (no one).
    Its reasons are the new ones, with the details that name no rule (here a risk area); a later
    extension for a reason told by the first one writes nothing."""
    from datetime import timedelta

    from django.utils import timezone

    from healthcode.models import ColourExtension

    code, now = create_code(), timezone.now()
    change_colour(code.pk, Colour.YELLOW, source=ColourChange.Source.REVIEW, rules=["fever"], until=now)
    parts = [{"code": "fever"}, {"code": "risk_area_travel"}, {"code": "risk_areas", "areas": []}]
    later = now + timedelta(days=1)
    with django_assert_num_queries(5):
        change_colour(
            code.pk,
            Colour.YELLOW,
            source=ColourChange.Source.REVIEW,
            rules=["fever", "risk_area_travel"],
            reason_parts=parts,
            until=later,
            now=later,
        )
    extension = ColourExtension.objects.get()
    assert (extension.code_id, extension.colour, extension.version) == (code.pk, Colour.YELLOW, 3)
    assert HealthCode.objects.get(pk=code.pk).version == 3
    assert (extension.previous_until, extension.until, extension.created) == (now, later, later)
    assert extension.rules == ["risk_area_travel"]
    assert extension.reason_parts == parts[1:]
    with django_assert_num_queries(3):  # told by the extension: the date only
        change_colour(
            code.pk,
            Colour.YELLOW,
            source=ColourChange.Source.REVIEW,
            rules=["risk_area_travel"],
            until=later + timedelta(days=1),
        )
    assert ColourExtension.objects.count() == 1
    # A new colour starts afresh: told what set it, and nothing since.
    change_colour(code.pk, Colour.RED, source=ColourChange.Source.REVIEW, rules=["case"], until=later)
    change_colour(
        code.pk, Colour.RED, source=ColourChange.Source.REVIEW, rules=["fever"], until=later + timedelta(days=3)
    )
    assert list(ColourExtension.objects.order_by("pk").values_list("version", "rules")) == [
        (3, ["risk_area_travel"]),
        (6, ["fever"]),  # 4: the date moved (told already), 5: red
    ]
