"""Demo accounts for a newcomer (idempotent): `python manage.py seed_demo`."""

from __future__ import annotations

import hashlib
import hmac
import os
import uuid
from decimal import Decimal

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from checkpoints.models import ApiKey, Venue, VenueStaff
from checkpoints.services.keys import KEY_PREFIX, create_api_key, digest
from declarations import services as declarations
from declarations.models import Declaration
from declarations.services.reviewers import assign_reviewer
from family.services import create_account, self_applicant
from healthcode.colours import Colour
from healthcode.models import City, User
from healthcode.validators import id_check_digit

CITIZEN = "13800000001"
STAFF = "13800000002"
REVIEWER = "13800000003"
ADMIN = "admin"


RAILWAY_STATION = "Zhengzhou East Railway Station"
PHARMACY = "Zhengzhou Renmin Pharmacy"


def demo_id(first17: str) -> str:
    return first17 + id_check_digit(first17)


def demo_api_key() -> str:
    """The railway station's gate key: DEMO_API_KEY, else derived from SECRET_KEY, so that every
    run prints the same key (only its digest is stored)."""
    explicit = os.environ.get("DEMO_API_KEY")
    if explicit:
        return explicit
    derived = hmac.new(settings.SECRET_KEY.encode(), b"healthcode demo gate key", hashlib.sha256).hexdigest()
    return f"{KEY_PREFIX}demo_{derived[:32]}"


class Command(BaseCommand):
    help = "Create the demo accounts (password from DEMO_PASSWORD, default healthcode-demo)."

    def handle(self, *args, **options):
        password = os.environ.get("DEMO_PASSWORD", "healthcode-demo")
        zhengzhou = City.objects.get(code="410100")
        with transaction.atomic():
            citizen = self._account(CITIZEN, password)
            staff = self._account(STAFF, password)
            reviewer = self._account(REVIEWER, password)
            # The review admin, scoped to Zhengzhou's people, with the permissions every reviewer
            # has (declarations.services.reviewers.REVIEWER_PERMISSIONS) and no others: the group
            # is shared by every city's reviewers.
            assign_reviewer(reviewer, zhengzhou)
            admin = User.objects.filter(username=ADMIN).first()
            if admin is None:
                User.objects.create_superuser(ADMIN, "", password)
            venue, _ = Venue.objects.get_or_create(
                name=RAILWAY_STATION,
                defaults={"type": Venue.Type.RAILWAY, "city": zhengzhou, "address": "Jinshui District"},
            )
            VenueStaff.objects.update_or_create(venue=venue, user=staff, defaults={"role": VenueStaff.Role.MANAGER})
            api_key = demo_api_key()
            if not ApiKey.objects.filter(digest=digest(api_key)).exists():
                create_api_key(venue, "Demo gate", raw_key=api_key)
            pharmacy, _ = Venue.objects.get_or_create(
                name=PHARMACY,
                defaults={"type": Venue.Type.PHARMACY, "city": zhengzhou, "address": "Erqi District"},
            )
            VenueStaff.objects.get_or_create(venue=pharmacy, user=staff, defaults={"role": VenueStaff.Role.STAFF})
        self._green_code(citizen, zhengzhou)
        self.stdout.write(
            f"Demo logins (password: {password}):\n"
            f"  citizen with a green code  {CITIZEN}\n"
            f"  checkpoint staff           {STAFF}  (manager at {RAILWAY_STATION}, staff at {PHARMACY};"
            f" open /checkpoints/)\n"
            f"  reviewer (Django admin)    {REVIEWER}\n"
            f"  superuser                  {ADMIN}\n"
            f"Gate API key of {RAILWAY_STATION} (POST /api/v1/verify, Authorization: Bearer …):\n"
            f"  {api_key}\n"
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
        # Review now as well, so the demo is green even before a worker runs; the review turn
        # sent on commit then finds nothing of it left to do (a review is idempotent).
        declarations.review(draft.pk)
        applicant.refresh_from_db()
        assert applicant.health_code.colour == Colour.GREEN
