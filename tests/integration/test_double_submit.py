"""The same POST twice at the same moment (a double click that two workers take up at once),
on real Postgres, each request in a thread with its own connection: one thing done, and both
answers are the answer to the first.

(The same POST sent twice in a row, and sent again after the state moved on, are tested with
each view, on SQLite too.)"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections
from django.urls import reverse

from family.models import Applicant
from healthcode.models import User
from tests.client import Client
from tests.conftest import missing_services

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def postgres(db):
    if connection.vendor != "postgresql":
        missing_services("the concurrency tests need DATABASE_URL=postgres://… (CI sets it)")


def at_once(requests: list) -> list:
    """Run each request() in its own thread, released at once; their responses (or errors)."""
    start = threading.Barrier(len(requests))
    answers: list = [None] * len(requests)

    def run(n: int) -> None:
        try:
            start.wait()
            answers[n] = requests[n]()
        except Exception as error:  # a server error: reported in the assertion
            answers[n] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(requests))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return answers


def test_one_signup_posted_twice_at_once_makes_one_account_and_logs_in_both_times(postgres):
    data = {"username": "13912345678", "password1": "Sturdy-pass-2026", "password2": "Sturdy-pass-2026"}
    clients = [Client(raise_request_exception=True), Client(raise_request_exception=True)]
    answers = at_once([lambda c=c: c.post(reverse("signup"), data) for c in clients])
    assert [getattr(a, "status_code", a) for a in answers] == [302, 302]
    assert User.objects.count() == 1
    assert Applicant.objects.count() == 1


@pytest.fixture
def agent(postgres, django_capture_on_commit_callbacks):
    from healthcode.colours import Colour
    from healthcode.models import ColourChange
    from healthcode.services import change_colour
    from tests import factories

    user = factories.account()
    with django_capture_on_commit_callbacks(execute=True):
        factories.declared(user)
    member = factories.member(user)
    change_colour(member.health_code_id, Colour.GREEN, source=ColourChange.Source.REVIEW)
    return user, member


def logged_in(user, n: int = 2) -> list[Client]:
    clients = [Client(raise_request_exception=True) for _ in range(n)]
    for client in clients:
        client.force_login(user)
    return clients


def test_one_removal_posted_twice_at_once_removes_and_says_so_both_times(agent):
    from tests.family.test_double_submit import form_fields

    user, member = agent
    url = reverse("family-remove", args=[member.pk])
    clients = logged_in(user)
    data = form_fields(clients[0].get(url).content.decode())
    answers = at_once([lambda c=c: c.post(url, data) for c in clients])
    assert [getattr(a, "status_code", a) for a in answers] == [302, 302]
    assert not Applicant.objects.filter(pk=member.pk).exists()


def test_one_paper_code_issue_posted_twice_at_once_issues_one(agent, monkeypatch):
    import time

    from healthcode.models import HealthCode
    from tests.family.test_double_submit import form_fields

    now = int(time.time()) - 10
    monkeypatch.setattr("family.services.paper.time.time", lambda: now)  # a second issue would be now + 1
    user, member = agent
    url = reverse("family-paper", args=[member.pk])
    clients = logged_in(user)
    data = form_fields(clients[0].get(url).content.decode())
    answers = at_once([lambda c=c: c.post(url, data) for c in clients])
    assert [getattr(a, "status_code", a) for a in answers] == [302, 302]
    issued = HealthCode.objects.get(pk=member.health_code_id).paper_issued_at
    assert issued == now
    pages = [c.get(url).content.decode() for c in clients]
    assert all(form_fields(page)["shown"] == str(issued) for page in pages)


def test_one_account_deletion_posted_twice_at_once_deletes_it_and_says_so_both_times(agent):
    from tests.family.test_double_submit import form_fields

    user, _member = agent
    clients = logged_in(user)
    page = clients[0].get(reverse("my-data")).content.decode()
    data = form_fields(page, action=reverse("account-delete")) | {"password": "Sturdy-pass-2026"}
    answers = at_once([lambda c=c: c.post(reverse("account-delete"), data) for c in clients])
    assert [getattr(a, "get", lambda _: a)("Location") for a in answers] == [reverse("account-deleted")] * 2
    assert not User.objects.filter(pk=user.pk).exists()


@pytest.fixture
def pharmacy_scan(agent):
    """A pharmacist, and the scan of a green family member at the counter."""
    from checkpoints.models import Venue
    from checkpoints.services import verify_scan
    from tests.checkpoints.conftest import add_staff, make_venue, nonce, token_for

    _user, member = agent
    pharmacy = make_venue("Renmin Pharmacy", Venue.Type.PHARMACY)
    pharmacist = add_staff(pharmacy)
    scan = verify_scan(pharmacy.pk, token_for(member), direction="entry", nonce=nonce(), source="staff")
    return pharmacist, reverse("checkpoint-purchase", args=[pharmacy.pk, scan.scan_id])


def test_one_purchase_posted_twice_at_once_registers_one(pharmacy_scan):
    from checkpoints.models import Purchase
    from declarations.models import HealthEvent

    pharmacist, url = pharmacy_scan
    clients = logged_in(pharmacist)
    answers = at_once(
        [lambda c=c: c.post(url, {"medicine": ["fever", "cough"]}, HTTP_ACCEPT="application/json") for c in clients]
    )
    assert [getattr(a, "status_code", a) for a in answers] == [200, 200]
    assert sorted(a.json()["created"] for a in answers) == [False, True]  # the second: "registered already"
    assert Purchase.objects.count() == 1 and HealthEvent.objects.count() == 1


def test_two_different_purchases_posted_at_once_on_one_scan_register_both(pharmacy_scan):
    from checkpoints.models import Purchase
    from declarations.models import HealthEvent

    pharmacist, url = pharmacy_scan
    clients = logged_in(pharmacist)
    answers = at_once(
        [lambda c=c, m=m: c.post(url, {"medicine": [m]}) for c, m in zip(clients, ["fever", "antibiotic"])]
    )
    assert [getattr(a, "status_code", a) for a in answers] == [200, 200]
    assert sorted(p.medicines for p in Purchase.objects.all()) == [["antibiotic"], ["fever"]]
    assert HealthEvent.objects.count() == 2
