"""Checkpoint personas: a venue with a manager and a staff member, a second venue with its own
staff, a pharmacy, a gate key; and tokens as a citizen's phone shows them."""

from __future__ import annotations

import uuid

import pytest

from checkpoints.models import Venue, VenueStaff
from checkpoints.services import ratelimit
from checkpoints.services.keys import create_api_key, forget_keys
from family.services import self_applicant
from healthcode import tokens
from healthcode.models import City
from tests import factories


@pytest.fixture(autouse=True)
def _fresh_process_state():
    """Remembered keys and local rate-limit counts belong to one test."""
    forget_keys()
    ratelimit.reset()
    yield
    forget_keys()
    ratelimit.reset()


def make_venue(name: str, type_: str = Venue.Type.SUBWAY) -> Venue:
    return Venue.objects.create(name=name, type=type_, city=City.objects.get(code="410100"), address="Jinshui")


def add_staff(venue: Venue, phone: str | None = None, role: str = VenueStaff.Role.STAFF):
    user = factories.account(phone)
    VenueStaff.objects.create(venue=venue, user=user, role=role)
    return user


@pytest.fixture
def venue(db) -> Venue:
    return make_venue("Zijingshan Subway Station")


@pytest.fixture
def other_venue(db) -> Venue:
    return make_venue("Erqi Square Mall", Venue.Type.MALL)


@pytest.fixture
def pharmacy(db) -> Venue:
    return make_venue("Renmin Pharmacy", Venue.Type.PHARMACY)


@pytest.fixture
def staff(venue):
    return add_staff(venue, "13600000001")


@pytest.fixture
def manager(venue):
    return add_staff(venue, "13600000002", VenueStaff.Role.MANAGER)


@pytest.fixture
def other_staff(other_venue):
    return add_staff(other_venue, "13600000003", VenueStaff.Role.MANAGER)


@pytest.fixture
def pharmacist(pharmacy):
    return add_staff(pharmacy, "13600000004")


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def gate_key(venue):
    """(row, the key itself) for the venue's gate."""
    return create_api_key(venue, "Gate 1")


@pytest.fixture
def green_person(green_citizen):
    return self_applicant(green_citizen)


def token_for(applicant, **kwargs) -> str:
    applicant.refresh_from_db()
    code = applicant.health_code
    return tokens.issue(code.ref, code.colour, code.version, **kwargs)


def nonce() -> str:
    return uuid.uuid4().hex
