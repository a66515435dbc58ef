"""Demo accounts for a newcomer (idempotent): `python manage.py seed_demo`."""

from __future__ import annotations

import os
import uuid
from decimal import Decimal

from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand
from django.db import transaction

from checkpoints.models import Venue, VenueStaff
from declarations import services as declarations
from declarations.models import Declaration
from family.services import create_account, self_applicant
from healthcode.colours import Colour
from healthcode.models import City, User
from healthcode.validators import id_check_digit

CITIZEN = "13800000001"
STAFF = "13800000002"
REVIEWER = "13800000003"
ADMIN = "admin"
REVIEWER_PERMISSIONS = [
    ("declarations", "view_declaration"),
    ("declarations", "change_declaration"),
    ("family", "view_applicant"),
    ("healthcode", "view_healthcode"),
    ("healthcode", "view_colourchange"),
]


def demo_id(first17: str) -> str:
    return first17 + id_check_digit(first17)


class Command(BaseCommand):
    help = "Create the demo accounts (password from DEMO_PASSWORD, default healthcode-demo)."

    def handle(self, *args, **options):
        password = os.environ.get("DEMO_PASSWORD", "healthcode-demo")
        zhengzhou = City.objects.get(code="410100")
        with transaction.atomic():
            citizen = self._account(CITIZEN, password)
            staff = self._account(STAFF, password)
            reviewer = self._account(REVIEWER, password)
            reviewer.is_staff = True
            reviewer.save(update_fields=["is_staff"])
            group, _ = Group.objects.get_or_create(name="Reviewers")
            group.permissions.set(
                Permission.objects.filter(
                    content_type__app_label__in=[app for app, _ in REVIEWER_PERMISSIONS],
                    codename__in=[codename for _, codename in REVIEWER_PERMISSIONS],
                )
            )
            reviewer.groups.add(group)
            admin = User.objects.filter(username=ADMIN).first()
            if admin is None:
                User.objects.create_superuser(ADMIN, "", password)
            venue, _ = Venue.objects.get_or_create(
                name="Zhengzhou East Railway Station",
                defaults={"type": Venue.Type.RAILWAY, "city": zhengzhou, "address": "Jinshui District"},
            )
            VenueStaff.objects.get_or_create(venue=venue, user=staff, defaults={"role": VenueStaff.Role.MANAGER})
        self._green_code(citizen, zhengzhou)
        self.stdout.write(
            f"Demo logins (password: {password}):\n"
            f"  citizen with a green code  {CITIZEN}\n"
            f"  checkpoint staff           {STAFF}\n"
            f"  reviewer (Django admin)    {REVIEWER}\n"
            f"  superuser                  {ADMIN}\n"
        )

    def _account(self, phone: str, password: str) -> User:
        user = User.objects.filter(username=phone).first()
        if user is None:
            user = create_account(phone, password)
        return user

    def _green_code(self, citizen: User, city: City) -> None:
        applicant = self_applicant(citizen)
        if Declaration.objects.filter(applicant=applicant).exclude(status=Declaration.Status.DRAFT).exists():
            return
        draft = declarations.save_draft(
            citizen,
            applicant,
            {
                "form_token": uuid.uuid4(),
                "city": city,
                "name": "张三",
                "id_number": demo_id("41010519900307123"),
                "phone": CITIZEN,
                "district": "Jinshui District",
                "street_address": "1 Huayuan Road",
                "temperature": Decimal("36.5"),
                "symptoms": ["none"],
                "travel": "none",
                "travel_area": "",
                "contact": "no",
                "commitment_truthful": True,
                "commitment_consent": True,
            },
        )
        declarations.confirm(citizen, draft.ref)
        # Review now as well, so the demo is green even before a worker runs; the queued
        # task then finds the declaration reviewed and does nothing (it is idempotent).
        declarations.review(draft.pk)
        applicant.refresh_from_db()
        assert applicant.health_code.colour == Colour.GREEN
