"""Personas and a controlled clock for the background review tests."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Permission

from declarations.models import Declaration
from declarations.services.review import review
from declarations.services.reviewers import REVIEWER_PERMISSIONS, assign_reviewer
from family.services import self_applicant
from healthcode.colours import Colour
from healthcode.models import City, User
from tests import factories

CHINA = ZoneInfo("Asia/Shanghai")


def at(day: str, hour: int = 12, minute: int = 0) -> datetime:
    """A moment in Henan: at("2026-03-01", 9) is 09:00 Asia/Shanghai."""
    return datetime.fromisoformat(day).replace(hour=hour, minute=minute, tzinfo=CHINA)


def make_reviewer(phone: str, city_code: str | None = "410100") -> User:
    """A reviewer of a city, made as in production; without a city: staff with the same
    permissions but no city (who must see no one)."""
    user = factories.account(phone)
    if city_code:
        assign_reviewer(user, City.objects.get(code=city_code))
    else:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
        user.user_permissions.set(Permission.objects.filter(codename__in=REVIEWER_PERMISSIONS))
    return User.objects.get(pk=user.pk)  # fresh: no cached permissions


@pytest.fixture
def reviewer(db):
    """A reviewer for Zhengzhou (410100), the city of the factories' declarations."""
    return make_reviewer("13600000001")


@pytest.fixture
def second_reviewer(db):
    return make_reviewer("13600000002")


@pytest.fixture
def luoyang_reviewer(db):
    return make_reviewer("13600000003", "410300")


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("auditor", "", "Sturdy-pass-2026")


@pytest.fixture
def reviewed():
    """Confirm a declaration and review it at a chosen moment (the controlled clock)."""

    def _reviewed(user, now, applicant=None, **answers):
        declaration = factories.declared(user, applicant, **answers)
        return review(declaration.pk, now=now) or declaration

    return _reviewed


def code_of(user):
    applicant = self_applicant(user)
    applicant.health_code.refresh_from_db()
    return applicant.health_code


def enqueued_here(callbacks: list) -> list:
    """The on-commit callbacks an action registered itself, without the tasks wired to the
    facts it caused (healthcode/hooks.py: every case traced, the SMS of every colour change)
    and without the risk areas' read being refreshed after an area is saved."""
    from declarations.services.areas import areas_in_force
    from healthcode.hooks import _enqueue, _send_once

    return [
        callback
        for callback in callbacks
        if getattr(callback, "func", None) not in (_enqueue, _send_once) and callback != areas_in_force.committed
    ]


@pytest.fixture
def waiting(citizen, declare):
    """A declaration the rules sent to a person (39 °C but no fever ticked; contact unsure)."""
    declaration = declare(citizen, temperature=Decimal("39.0"), symptoms=["none"], contact="unsure")
    assert declaration.status == Declaration.Status.NEEDS_REVIEW
    assert declaration.suggested_colour == Colour.YELLOW
    return declaration
