"""Fuzzing the daily check-in (/code/<pk>/check-in/) and the appeal (/code/<pk>/appeal/):
1,000 generated inputs each, validated directly and POSTed to the page. No server error; a
temperature out of range, an impossible symptom list, a reason too short or too long, a file
that is not a JPEG or PNG photo within the limit: each is refused and stores nothing; what is
accepted is stored once."""

from __future__ import annotations

import functools
import io
from pathlib import Path

import pytest
from django.core.validators import get_available_image_extensions
from django.http.multipartparser import MultiPartParserError
from django.test import RequestFactory
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from declarations.models import Appeal, CheckIn, Symptom
from declarations.review_forms import AppealForm, CheckInForm
from family.services import self_applicant
from tests.counting import Tally
from tests.fuzz import strategies as fz
from tests.fuzz.helpers import as_querydict, post_form, rolled_back

pytestmark = pytest.mark.fuzz

ABSENT = object()
IMAGE_LIMIT = 4096  # bytes, small so that "too large" is cheap to reach


def symptoms_are_valid(symptoms: list[str]) -> bool:
    return (
        bool(symptoms)
        and all(s in Symptom.values for s in symptoms)
        and not (Symptom.NONE in symptoms and len(symptoms) > 1)
    )


@st.composite
def checkins(draw) -> dict:
    """Half of the time a normal answer for each field, otherwise anything."""
    normal = draw(st.booleans())
    data = {
        "temperature": draw(
            st.decimals(min_value=35, max_value=42, places=1).map(str)
            if normal
            else st.one_of(fz.temperatures(), st.just(ABSENT))
        ),
        "symptoms": draw(
            st.lists(st.sampled_from(Symptom.values), min_size=1, max_size=1)
            if draw(st.booleans())
            else st.one_of(
                st.lists(st.sampled_from(Symptom.values), max_size=4),
                st.lists(st.one_of(st.sampled_from(Symptom.values), fz.nasty_text()), max_size=4),
                st.just(ABSENT),
            )
        ),
    }
    return {name: value for name, value in data.items() if value is not ABSENT}


def test_the_checkin_form_under_1000_generated_inputs(client, green_citizen):
    client.force_login(green_citizen)
    applicant = self_applicant(green_citizen)
    url = f"/code/{applicant.pk}/check-in/"
    tally = Tally(f"CheckInForm ({url})")

    @fz.FUZZ
    @given(checkins())
    def one(data):
        tally["inputs"] += 1
        with rolled_back():
            form = CheckInForm(as_querydict(data))
            valid = form.is_valid()
            temperature_ok = fz.temperature_is_valid(data.get("temperature", ""))
            assert ("temperature" in form.errors) == (not temperature_ok), (data, form.errors)
            assert ("symptoms" in form.errors) == (not symptoms_are_valid(data.get("symptoms", []))), form.errors
            if not temperature_ok and fz.decimal_or_none(data.get("temperature", "")) is not None:
                tally["numbers_out_of_range"] += 1

            response = post_form(client, url, data)
            assert response.status_code in (200, 302), response.status_code
            if valid:
                tally["accepted"] += 1
                assert response.status_code == 302
                row = CheckIn.objects.get(applicant=applicant)
                assert row.temperature == form.cleaned_data["temperature"]
            else:
                tally["refused"] += 1
                assert response.status_code == 200
                assert set(response.context["form"].errors) == set(form.errors)
                assert not CheckIn.objects.filter(applicant=applicant).exists()

    one()
    line = tally.report()
    assert tally["inputs"] >= fz.EXAMPLES, line
    assert tally["accepted"] >= fz.share(100) and tally["numbers_out_of_range"] >= fz.share(60), line


# ---------------------------------------------------------------------------------------
# The appeal


@functools.cache
def picture(kind: str, size: int, noise: bytes) -> bytes:
    image = Image.new("RGB", (size, size), "white")
    if noise:
        image = Image.frombytes("RGB", (size, size), (noise * (3 * size * size // len(noise) + 1))[: 3 * size * size])
    buffer = io.BytesIO()
    image.save(buffer, kind)
    return buffer.getvalue()


@st.composite
def uploads(draw) -> tuple[str, bytes, str] | None:
    """(file name, content, what it is) or None for no file."""
    kind = draw(st.sampled_from(["none", "png", "jpeg", "gif", "bmp", "bytes", "png_header", "truncated", "empty"]))
    if kind == "none":
        return None
    size = draw(st.sampled_from([1, 7, 24, 48]))  # 48×48 of noise is over the 4 KiB limit
    noise = draw(st.sampled_from([b"", b"\x00\xff", b"noise-0123456789", bytes(range(256))]))
    pick = draw(st.integers(0, 9))
    if pick < 5:
        name = draw(
            st.sampled_from(["report.png", "photo.JPG", "../../etc/passwd", "x" * 300 + ".png", "报告.png", "a.gif"])
        )
    elif pick < 9:
        name = draw(fz.nasty_text(max_size=20, huge=False)) + draw(st.sampled_from(["", ".png", ".jpg"]))
    else:
        name = draw(fz.huge_text())
    name = name.replace("\r", "").replace("\n", "").replace('"', "")
    if kind in ("png", "jpeg", "gif", "bmp"):
        content = picture(kind.upper(), size, noise)
    elif kind == "bytes":
        content = draw(st.binary(min_size=1, max_size=2000))
    elif kind == "png_header":
        content = b"\x89PNG\r\n\x1a\n" + draw(st.binary(max_size=200))
    elif kind == "truncated":
        whole = picture("PNG", size, noise)
        content = whole[: draw(st.integers(1, len(whole) - 1))]
    else:
        content = b""
    return name or "upload", content, kind


def picture_is_acceptable(upload) -> bool | None:
    """True: a JPEG or PNG within the limit, under a picture's file name; False: must be
    refused; None: no file, or either verdict is right. (Django's ImageField also wants a name ending in a picture
    extension, Pillow's list.)"""
    if upload is None:
        return None
    name, content, kind = upload
    extension = Path(name).suffix[1:].lower()
    if kind == "truncated" and len(content) > 33 and len(content) <= IMAGE_LIMIT:
        return None  # a PNG cut after its header: Pillow may still read it; either verdict is fine
    return kind in ("png", "jpeg") and len(content) <= IMAGE_LIMIT and extension in get_available_image_extensions()


@st.composite
def appeals(draw):
    if draw(st.booleans()):
        reason = draw(st.sampled_from(["I was in Kaifeng all month; the travel answer was a mistake.", "x" * 10]))
    else:
        reason = draw(
            st.one_of(
                fz.free_text("I was at home the whole time.", 2000),
                st.sampled_from(["x" * 9, "字" * 2000, "字" * 2001, " " * 12, " 123456789 "]),
                st.just(ABSENT),
            )
        )
    return reason, draw(uploads())


def multipart(data: dict, upload) -> tuple[bytes, str]:
    """A multipart/form-data body as any client may send it: the file name goes out as
    generated (Django's test client would refuse some, such as ".")."""
    boundary = "fuzz-boundary-7MA4YWxkTrZu0gW"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode() + value.encode() + b"\r\n"
        for name, value in data.items()
    ]
    if upload is not None:
        name, content, _kind = upload
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="image"; filename="{name}"\r\n'
        parts.append(head.encode() + b"Content-Type: application/octet-stream\r\n\r\n" + content + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


@pytest.fixture
def yellow_citizen(citizen, declare, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.HC_APPEAL_IMAGE_MAX_BYTES = IMAGE_LIMIT
    declare(citizen, contact="unsure")
    return citizen


def test_the_appeal_form_under_1000_generated_inputs(client, yellow_citizen):
    client.force_login(yellow_citizen)
    applicant = self_applicant(yellow_citizen)
    url = f"/code/{applicant.pk}/appeal/"
    tally = Tally(f"AppealForm ({url})")
    factory = RequestFactory()

    @fz.FUZZ
    @given(appeals())
    def one(case):
        reason, upload = case
        tally["inputs"] += 1
        data = {} if reason is ABSENT else {"reason": reason}

        body, content_type = multipart(data, upload)
        with rolled_back():
            # The form as the view gets it: the same multipart body, parsed by Django (which
            # drops an upload whose name is nothing printable, and refuses huge headers).
            request = factory.generic("POST", url, body, content_type=content_type)
            try:
                received = request.FILES.get("image")
            except MultiPartParserError:
                assert upload is not None and len(upload[0].encode()) > 4096, upload[0][:50]
                assert client.generic("POST", url, body, content_type=content_type).status_code == 400
                tally["refused_by_the_parser"] += 1
                return
            form = AppealForm(request.POST, request.FILES)
            valid = form.is_valid()
            reason_ok = reason is not ABSENT and fz.text_field_is_valid(reason, 2000, min_length=10)
            picture_ok = None if received is None else picture_is_acceptable((received.name, upload[1], upload[2]))
            assert ("reason" in form.errors) == (not reason_ok), form.errors
            if received is None or picture_ok is not None:
                assert ("image" in form.errors) == (picture_ok is False), (upload[2], received.name, form.errors)
            if picture_ok is False:
                tally["bad_files"] += 1

            response = client.generic("POST", url, body, content_type=content_type)
            assert response.status_code in (200, 302), response.status_code
            if valid:
                tally["accepted"] += 1
                assert response.status_code == 302
                appeal = Appeal.objects.get(applicant=applicant)
                assert appeal.reason == reason.strip()
                assert bool(appeal.image) == (received is not None)
            else:
                tally["refused"] += 1
                assert response.status_code == 200
                assert not Appeal.objects.filter(applicant=applicant).exists()

    one()
    line = tally.report()
    assert tally["inputs"] >= fz.EXAMPLES, line
    assert tally["accepted"] >= fz.share(40) and tally["bad_files"] >= fz.share(200), line
