"""The admin's own log (django_admin_log: "Recent actions", each record's History) keeps what an
object's str() was when it was added, changed or deleted, in the clear, for ever. An account's
login is its mobile number, so an account, a venue's staff member and a reviewer's profile
showed it whole there (and in the admin's titles, messages and raw-id labels)."""

from __future__ import annotations

from django.contrib.admin.models import LogEntry
from django.urls import reverse

from checkpoints.models import Venue, VenueStaff
from declarations.models import RecordAccess, ReviewerProfile
from healthcode.models import City, User
from tests import factories

PHONE = "13912345678"


def test_the_admins_log_keeps_no_full_mobile_number(client, db):
    admin_user = User.objects.create_superuser("auditor", "", "Sturdy-pass-2026")
    person = factories.account(PHONE)
    zhengzhou = City.objects.get(code="410100")
    client.force_login(admin_user)

    response = client.post(reverse("admin:declarations_reviewerprofile_add"), {"user": person.pk, "city": zhengzhou.pk})
    assert response.status_code == 302, response.content.decode()[:2000]
    added = client.get(reverse("admin:declarations_reviewerprofile_changelist"))
    assert "139****5678" in added.content.decode()

    venue = Venue.objects.create(name="Mall", type=Venue.Type.MALL, city=zhengzhou)
    response = client.post(
        reverse("admin:checkpoints_venue_change", args=[venue.pk]),
        {
            "name": venue.name,
            "type": venue.type,
            "city": zhengzhou.pk,
            "address": "",
            "active": "on",
            "staff-TOTAL_FORMS": "1",
            "staff-INITIAL_FORMS": "0",
            "staff-0-user": person.pk,
            "staff-0-role": VenueStaff.Role.STAFF,
            "api_keys-TOTAL_FORMS": "0",
            "api_keys-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert VenueStaff.objects.filter(venue=venue, user=person).exists()

    entries = list(LogEntry.objects.values_list("object_repr", "change_message"))
    assert entries
    assert [entry for entry in entries if PHONE in "".join(entry)] == [], entries
    page = client.get(reverse("admin:index")).content.decode()
    assert PHONE not in page


def test_str_of_an_account_and_what_names_one_is_masked(db):
    person = factories.account(PHONE)
    zhengzhou = City.objects.get(code="410100")
    venue = Venue.objects.create(name="Mall", type=Venue.Type.MALL, city=zhengzhou)
    assert str(person) == "139****5678"
    assert str(VenueStaff(venue=venue, user=person)) == "139****5678 @ Mall"
    assert str(ReviewerProfile(user=person, city=zhengzhou)).startswith("139****5678 (")
    assert str(RecordAccess(user=person, record="x", object_id="1")) == "139****5678 opened x 1"
    assert person.get_username() == PHONE  # the login itself is whole
