"""Fuzzing the declaration form, for oneself (/declare/) and for a family member
(/family/add/): 1,000 generated inputs each, every one validated directly (form.is_valid())
and POSTed to the real page. No input may cause a server error; every ID number that the
standard calls invalid (a wrong check digit above all) is refused at its field; what is
accepted is stored exactly as the oracles read it, and what is refused stores nothing."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from declarations.forms import DeclarationForm, FamilyMemberForm
from declarations.models import Contact, Declaration, Symptom, Travel
from family.models import Relationship
from family.services import self_applicant
from healthcode.models import City
from tests.counting import Tally
from tests.fuzz import strategies as fz
from tests.fuzz.helpers import as_querydict, post_form, rolled_back

pytestmark = pytest.mark.fuzz

ABSENT = object()


def hostile_values(city_pks: list[int], *, member: bool) -> dict[str, st.SearchStrategy]:
    absent = st.just(ABSENT)
    choice = lambda values: st.one_of(st.sampled_from(values), fz.nasty_text(), absent)  # noqa: E731
    cities = st.sampled_from([*map(str, city_pks), str(max(city_pks) + 1000)])
    commitments = st.sampled_from(["on", "", "off", "0", "false", "\x00", "on\x00"])
    commitment = st.one_of(commitments, fz.nasty_text(), absent)
    strategies = {
        "form_token": st.one_of(fz.form_tokens(), absent),
        "city": st.one_of(cities, fz.numbers(), fz.nasty_text(), absent),
        "name": st.one_of(fz.free_text("王小明", 64), absent),
        "id_number": st.one_of(fz.id_numbers(), fz.nasty_text(), absent),
        "phone": st.one_of(fz.mobiles(), absent),
        "district": st.one_of(fz.free_text("Jinshui District", 64), absent),
        "street_address": st.one_of(fz.free_text("1 Huayuan Road", 200), absent),
        "temperature": st.one_of(fz.temperatures(), absent),
        "symptoms": st.one_of(
            st.lists(st.one_of(st.sampled_from(Symptom.values), fz.nasty_text()), max_size=4), absent
        ),
        "travel": choice(Travel.values),
        "travel_area": st.one_of(fz.free_text("Zhengzhou Jinshui District", 200), absent),
        "contact": choice(Contact.values),
        "commitment_truthful": commitment,
        "commitment_consent": commitment,
    }  # fmt: skip
    if member:
        strategies["relationship"] = choice(Relationship.values)
    return strategies


@st.composite
def declaration_posts(draw, city_pks: list[int], *, member: bool) -> dict:
    """A normal declaration with a generated ID number, and up to four other fields made
    hostile (or left out)."""
    data = {
        "form_token": str(uuid.UUID(int=draw(st.integers(0, 2**128 - 1)))),
        "city": str(city_pks[0]),
        "name": "王奶奶" if member else "王小明",
        "id_number": draw(fz.id_numbers()),
        "phone": "" if member else "13912345678",
        "district": "Jinshui District",
        "street_address": "1 Huayuan Road",
        "temperature": "36.5",
        "symptoms": ["none"],
        "travel": "none",
        "travel_area": "",
        "contact": "no",
        "commitment_truthful": "on",
        "commitment_consent": "on",
    }
    if member:
        data["relationship"] = "grandparent"
    hostile = hostile_values(city_pks, member=member)
    for name in draw(st.sets(st.sampled_from(sorted(hostile)), max_size=4)):
        data[name] = draw(hostile[name])
    return {name: value for name, value in data.items() if value is not ABSENT}


def check_fields(form, data: dict, tally: Tally, *, member: bool) -> None:
    """Each field's verdict against the oracle, in both directions."""
    raw_id = data.get("id_number", "")
    if fz.has_wrong_check_digit(raw_id):
        tally["wrong_check_digits"] += 1
    if fz.id_is_valid(raw_id):
        tally["valid_id_numbers"] += 1
        assert "id_number" not in form.errors, (raw_id, form.errors.get("id_number"))
        assert form.cleaned_data["id_number"] == fz.normalised_id(raw_id)
    else:
        assert "id_number" in form.errors, (
            f"invalid ID number {raw_id!r} accepted as {form.cleaned_data.get('id_number')!r}"
        )

    phone = data.get("phone", "")
    phone_ok = fz.mobile_is_valid(phone) or (member and not phone.strip())
    assert ("phone" in form.errors) == (not phone_ok), (phone, form.errors.get("phone"))
    if phone_ok and phone.strip():
        assert form.cleaned_data["phone"] == fz.normalised_mobile(phone)

    temperature = data.get("temperature", "")
    assert ("temperature" in form.errors) == (not fz.temperature_is_valid(temperature)), (
        temperature,
        form.errors.get("temperature"),
    )
    for name, limit in (("name", 64), ("district", 64), ("street_address", 200)):
        value = data.get(name, "")
        assert (name in form.errors) == (not fz.text_field_is_valid(value, limit)), (name, value[:50], form.errors)


def check_accepted(form) -> None:
    """What a valid form hands on: nothing a database or a page would choke on."""
    data = form.cleaned_data
    for value in data.values():
        if isinstance(value, str):
            assert "\x00" not in value
    assert fz.id_is_valid(data["id_number"])
    assert fz.temperature_is_valid(str(data["temperature"]))
    assert data["commitment_truthful"] and data["commitment_consent"]
    if data["travel"] in (Travel.MEDIUM, Travel.HIGH):
        assert data["travel_area"].strip()


@pytest.mark.parametrize("member", [False, True], ids=["self", "family-member"])
def test_the_declaration_form_under_1000_generated_inputs(client, citizen, member):
    client.force_login(citizen)
    city_pks = sorted(City.objects.values_list("pk", flat=True))
    url = "/family/add/" if member else "/declare/"
    form_class = FamilyMemberForm if member else DeclarationForm
    applicant = None if member else self_applicant(citizen)
    tally = Tally(f"{form_class.__name__} ({url})")

    @fz.FUZZ
    @given(declaration_posts(city_pks, member=member))
    def one(data):
        tally["inputs"] += 1
        with rolled_back():
            form = form_class(as_querydict(data), user=citizen, applicant=applicant)
            valid = form.is_valid()
            check_fields(form, data, tally, member=member)
            if valid:
                check_accepted(form)

            response = post_form(client, url, data)
            assert response.status_code in (200, 302), response.status_code
            stored = Declaration.objects.filter(submitted_by=citizen)
            if valid:
                tally["accepted"] += 1
                assert response.status_code == 302, form.errors
                row = stored.get()
                assert (row.status, row.id_number) == (Declaration.Status.DRAFT, form.cleaned_data["id_number"])
                assert response["Location"] == f"/declare/{row.ref}/confirm/"
            else:
                tally["refused"] += 1
                assert response.status_code == 200
                assert not stored.exists()
                # The page shows the person the same errors, at the same fields.
                assert set(response.context["form"].errors) == set(form.errors)

    one()
    line = tally.report()
    assert tally["inputs"] >= fz.EXAMPLES, line
    # The mix reached what it is for: many wrong check digits, some valid numbers, both verdicts.
    assert tally["wrong_check_digits"] >= fz.share(150), line
    assert tally["valid_id_numbers"] >= fz.share(20) and tally["accepted"] >= fz.share(10), line
