"""Every URL pattern, visited by every kind of stranger to a citizen's data.

A citizen (the owner) holds a family member, a draft declaration, a paper code and inbox
messages, and is staff at a venue with a scan and a medicine purchase. Anonymous visitors,
another citizen, another family's agent, staff of another venue and a reviewer of another city
visit every URL the project has, by GET and by POST, with the owner's ids in it: each gets a
login redirect, a refusal (401/403/404/405/429) or a page of their own, and never any of the
owner's data; a signed-in stranger at an address naming one of the owner's objects gets 404
(or 405), never a 403 that says the object exists. A URL pattern this table does not cover
fails the build. The admin has its own permissions: the reviewer of another city opens every
record of every admin and is refused each (403 where the admin is not theirs, 404 where it is,
as if there were no such record).
"""

from __future__ import annotations

import uuid

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve, reverse
from django.utils import timezone

from checkpoints.models import Scan, Venue, VenueStaff
from declarations import services as declarations
from declarations.models import HealthEvent
from declarations.services.reviewers import REVIEWER_GROUP, assign_reviewer
from family.masking import mask_id, mask_name, mask_phone
from family.services import self_applicant
from family.services.paper import issue_paper_code
from healthcode.models import City, User
from tests import factories

OWNER_NAME, MEMBER_NAME = "欧阳娜娜", "司马懿"
OWNER_PHONE = "13812345670"

# How each URL is built from the owner's objects: "public" pages anyone may see; "own" pages
# show the visitor's own data (no id in the URL); the rest name one of the owner's objects.
COVERAGE: dict[str, str] = {
    "home": "public",
    "search": "public",
    "cities": "public",
    "city": "city",
    "use-now": "city",
    "login": "public",
    "signup": "public",
    "healthz": "public",
    "healthcode-keys": "public",
    "api-openapi": "public",
    "api-verify": "public",
    "set_language": "public",
    "account-deleted": "public",
    "place": "place",
    "declare": "own",
    "family-add": "own",
    "code-home": "own",
    "code-switch": "own",
    "inbox": "own",
    "inbox-read": "own",
    "my-data": "own",
    "my-data-download": "own",
    "account-delete": "own",
    "logout": "own",
    "checkpoints": "own",
    "authority-dashboard": "own",
    "authority-count": "own",
    "declare-confirm": "draft",
    "code": "member",
    "code-qr": "member",
    "code-qr-svg": "member",
    "why-colour": "member",
    "checkin": "member",
    "appeal": "member",
    "family-declare": "member",
    "family-remove": "member",
    "family-paper": "member",
    "family-paper-revoke": "member",
    "checkpoint-scan": "venue",
    "checkpoint-verify": "venue",
    "checkpoint-upload": "venue",
    "checkpoint-log": "venue",
    "checkpoint-manage": "venue",
    "checkpoint-poster": "venue",
    "checkpoint-purchase": "scan",
}
REFUSED = {401, 403, 404, 405, 429}


def _patterns(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if str(pattern.pattern).startswith("admin/"):
                continue  # the admin has its own permission system, tested per admin
            yield from _patterns(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield pattern.name


def test_every_url_pattern_is_covered():
    names = set(_patterns(get_resolver().url_patterns))
    assert None not in names, "every URL pattern needs a name to be covered here"
    assert names == set(COVERAGE), {"not covered": names - set(COVERAGE), "gone": set(COVERAGE) - names}


@pytest.fixture
def world(db, django_capture_on_commit_callbacks):
    owner = factories.account(OWNER_PHONE)
    with django_capture_on_commit_callbacks(execute=True):
        me = factories.declared(owner, name=OWNER_NAME, phone=OWNER_PHONE)
    member = factories.member(owner, name=MEMBER_NAME, phone="13812345671")
    with django_capture_on_commit_callbacks(execute=True):
        factories.declared(owner, member, name=MEMBER_NAME, id_number=member.id_number, phone="13812345671")
    member.refresh_from_db()
    issue_paper_code(member)
    draft = declarations.save_draft(owner, self_applicant(owner), factories.declaration_data(name=OWNER_NAME))
    zhengzhou = City.objects.get(code="410100")
    venue = Venue.objects.create(name="Owner's Pharmacy", type=Venue.Type.PHARMACY, city=zhengzhou)
    VenueStaff.objects.create(venue=venue, user=owner, role=VenueStaff.Role.MANAGER)
    scan = Scan.objects.create(
        venue=venue, staff=owner, applicant=member, result="ok", direction="entry", source="staff", nonce="n1"
    )
    declarations.record_health_event(
        id_number=member.id_number,
        kind=HealthEvent.Kind.MEDICINE_PURCHASE,
        occurred_at=timezone.now(),
        source="pharmacy",
        source_ref=f"scan-{scan.pk}",
        place=venue.name,
        actor=owner,
    )
    secrets = [OWNER_NAME, MEMBER_NAME, mask_name(OWNER_NAME), mask_name(MEMBER_NAME), OWNER_PHONE, "13812345671"]
    secrets += [me.id_number, member.id_number, mask_id(me.id_number), mask_id(member.id_number)]
    secrets += [mask_phone(OWNER_PHONE)]

    agent = factories.account("13712345670")
    factories.member(agent, name="李大爷")
    other_venue = Venue.objects.create(name="Other Mall", type=Venue.Type.MALL, city=zhengzhou)
    other_staff = factories.account("13712345671")
    VenueStaff.objects.create(venue=other_venue, user=other_staff, role=VenueStaff.Role.MANAGER)
    reviewer = factories.account("13712345672")
    assign_reviewer(reviewer, City.objects.get(code="410300"))
    strangers = {
        "anonymous": None,
        "another citizen": factories.account("13712345673"),
        "another family's agent": agent,
        "staff of another venue": other_staff,
        "reviewer of another city": reviewer,
    }
    kwargs = {
        "city": {"code": "410100"},
        "place": {"place_code": venue.place_code},
        "draft": {"ref": draft.ref},
        "member": {"pk": member.pk},
        "venue": {"pk": venue.pk},
        "scan": {"pk": venue.pk, "scan_id": scan.pk},
    }
    return secrets, strangers, kwargs


def _url(name: str, kwargs: dict) -> str:
    kind = COVERAGE[name]
    return reverse(name, kwargs=kwargs.get(kind)) if kind in kwargs else reverse(name)


@pytest.mark.parametrize(
    "persona",
    ["anonymous", "another citizen", "another family's agent", "staff of another venue", "reviewer of another city"],
)
def test_strangers_get_nothing_of_the_owner(client, world, persona):
    secrets, strangers, kwargs = world
    user = strangers[persona]
    tried = 0
    for name, kind in sorted(COVERAGE.items()):
        if name in ("logout", "account-delete"):
            continue  # would end the visitor's own session or account; covered by their own tests
        url = _url(name, kwargs)
        for method in ("get", "post"):
            client.logout()
            if user is not None:
                client.force_login(user)
            response = getattr(client, method)(url)
            tried += 1
            body = response.content.decode(errors="replace") if not getattr(response, "streaming", False) else ""
            leaked = [secret for secret in secrets if secret in body]
            assert not leaked, f"{persona} {method.upper()} {url} shows {leaked}"
            if kind in ("draft", "member", "venue", "scan"):
                if user is None:
                    login = response.status_code == 302 and reverse("login") in response["Location"]
                    assert login or response.status_code in REFUSED, f"anonymous {method} {url}: {response.status_code}"
                else:
                    # Another account's object is not there: 404, never a 403 that says it exists
                    # (SECURITY.md); 405 for a method the view does not take.
                    status = response.status_code
                    assert status in (404, 405), f"{persona} {method.upper()} {url}: {status}"
            else:
                assert response.status_code < 500, f"{persona} {method.upper()} {url}: {response.status_code}"
    assert tried == 2 * (len(COVERAGE) - 2)


def test_extra_post_fields_change_nothing(client, world, django_capture_on_commit_callbacks):
    """A declaration POST with colour, owner and status fields added changes only what the form
    declares: the colour comes from the review, the owner is the signed-in account."""
    _, strangers, kwargs = world
    intruder = strangers["another citizen"]
    client.force_login(intruder)
    data = factories.post_data(contact="unsure") | {
        "colour": "green",
        "verdict_colour": "green",
        "status": "reviewed",
        "account": "1",
        "submitted_by": "1",
        "applicant": str(kwargs["member"]["pk"]),
        "relationship": "self",
    }
    response = client.post(reverse("declare"), data)
    assert response.status_code == 302
    declaration = declarations.get_declaration_for_user(intruder, uuid.UUID(response["Location"].split("/")[2]))
    assert declaration.status == "draft" and declaration.submitted_by == intruder
    assert declaration.applicant == self_applicant(intruder)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(response["Location"], {"colour": "green", "status": "reviewed"})
    assert self_applicant(intruder).health_code.colour == "yellow"


def test_a_reviewer_of_another_city_opens_no_record_in_the_admin(client, world):
    """Every record of every admin, its change, history and delete pages, by GET and POST, as a
    reviewer of another city whose group holds more than it should (the raw codes' permissions,
    as the demo gave every city's reviewers): refused, 403 or 404, never a redirect that says the
    record exists elsewhere, and none of the owner's data."""
    secrets, strangers, _ = world
    reviewer = strangers["reviewer of another city"]
    Group.objects.get(name=REVIEWER_GROUP).permissions.add(
        *Permission.objects.filter(codename__in=["view_healthcode", "view_colourchange"])
    )
    client.force_login(reviewer)
    tried = set()
    for model in admin.site._registry:
        for pk in model._default_manager.values_list("pk", flat=True):
            for page in ("change", "history", "delete"):
                url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{page}", args=[pk])
                for method in ("get", "post"):
                    response = getattr(client, method)(url)
                    assert response.status_code in (403, 404), f"{method.upper()} {url}: {response.status_code}"
                    body = response.content.decode(errors="replace")
                    assert not [secret for secret in secrets if secret in body], f"{method.upper()} {url}"
            tried.add(model._meta.label)
    assert {"declarations.HealthEvent", "declarations.Person", "healthcode.HealthCode"} <= tried


PLACEHOLDER = 123456789012345678  # 18 digits: the longest id an address may carry (healthcode/converters.py)


@pytest.mark.parametrize("number", [PLACEHOLDER, 2**63 - 1, 2**63, 10**30])
def test_an_id_too_large_for_any_key_is_refused_not_a_server_error(client, world, number):
    """Every URL with an id in it, the id one no row has or beyond what a key can be (an address
    typed or tampered with): the owner themselves gets a 404 (or 405 for a method the view does
    not take), never a 500 (a database refusing the value). The test client raises on a server
    error."""
    _, _, kwargs = world
    owner = User.objects.get(username=OWNER_PHONE)
    tried = 0
    for name, kind in sorted(COVERAGE.items()):
        ids = {key: PLACEHOLDER for key, value in kwargs.get(kind, {}).items() if isinstance(value, int)}
        if not ids:
            continue
        url = reverse(name, kwargs=kwargs[kind] | ids).replace(str(PLACEHOLDER), str(number))
        for method in ("get", "post"):
            client.force_login(owner)
            response = getattr(client, method)(url)
            tried += 1
            assert response.status_code in (404, 405), f"{method.upper()} {url}: {response.status_code}"
    assert tried >= 2 * 12


def test_an_id_longer_than_a_key_is_not_an_address_of_this_site():
    """The `<id:...>` converter (healthcode/converters.py): 18 digits resolve, 19 do not."""
    assert resolve("/code/123456789012345678/").url_name == "code"
    with pytest.raises(Resolver404):
        resolve("/code/1234567890123456789/")
    with pytest.raises(Resolver404):
        resolve("/checkpoints/1/scans/1234567890123456789/purchase")
