"""Small builders for test data, going through the real services where one exists."""

from __future__ import annotations

import itertools
import uuid
from decimal import Decimal
from typing import Any

from declarations import services as declarations
from declarations.models import Declaration
from family.models import Applicant
from family.services import create_account, self_applicant
from healthcode.models import City, User
from healthcode.validators import id_check_digit

_serial = itertools.count(1)


def valid_id(birth: str = "19900307", region: str = "410105") -> str:
    """A resident ID number with a correct check digit and a unique sequence number."""
    first17 = f"{region}{birth}{next(_serial) % 1000:03d}"
    return first17 + id_check_digit(first17)


def account(phone: str | None = None, password: str = "Sturdy-pass-2026") -> User:
    phone = phone or f"139{next(_serial):08d}"
    return create_account(phone, password)


def declaration_data(**overrides: Any) -> dict[str, Any]:
    """Cleaned form data for a normal declaration."""
    data = {
        "form_token": uuid.uuid4(),
        "city": City.objects.get(code="410100"),
        "name": "王小明",
        "id_number": valid_id(),
        "phone": "13912345678",
        "district": "Jinshui District",
        "street_address": "1 Huayuan Road",
        "temperature": Decimal("36.5"),
        "symptoms": ["none"],
        "travel": "none",
        "travel_area": "",
        "contact": "no",
        "commitment_truthful": True,
        "commitment_consent": True,
    }
    data.update(overrides)
    return data


def post_data(**overrides: Any) -> dict[str, Any]:
    """The same as a browser would POST it."""
    data = declaration_data(**overrides)
    post = {key: value for key, value in data.items() if key not in ("city", "symptoms")}
    post["city"] = str(getattr(data["city"], "pk", data["city"]))
    post["symptoms"] = data["symptoms"]
    post["temperature"] = str(data["temperature"])
    post["form_token"] = str(data["form_token"])
    post["commitment_truthful"] = "on" if data["commitment_truthful"] else ""
    post["commitment_consent"] = "on" if data["commitment_consent"] else ""
    return {key: value for key, value in post.items() if value != ""}


def declared(user: User, applicant: Applicant | None = None, **overrides: Any) -> Declaration:
    """A confirmed declaration (reviewed at once where tasks run eagerly)."""
    applicant = applicant or self_applicant(user)
    draft = declarations.save_draft(user, applicant, declaration_data(**overrides))
    return declarations.confirm(user, draft.ref)


def member_post_data(**overrides: Any) -> dict[str, Any]:
    """A family member's declaration as the browser POSTs it."""
    data = post_data(**({"name": "王奶奶", "id_number": valid_id("19450101"), "phone": ""} | overrides))
    data.setdefault("relationship", "grandparent")
    return data


def member(user: User, **overrides: Any) -> Applicant:
    """A family member added through the services (no review)."""
    from family.services import add_member

    return add_member(
        user,
        relationship=overrides.get("relationship", "parent"),
        name=overrides.get("name", "王奶奶"),
        id_number=overrides.get("id_number") or valid_id("19450101"),
        phone=overrides.get("phone", ""),
        city_id=City.objects.get(code="410100").pk,
    )
