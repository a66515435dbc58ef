"""The people the load scenarios act as, made in the bench process through the ORM (so their
ID and mobile numbers are sealed as the app seals them), logged in by writing their sessions
directly (a password hash per account would cost a fifth of a second each), and fresh QR
tokens for the gate scenario. Django must be set up (run.py does it with the bench env)."""

from __future__ import annotations

import datetime as dt
import itertools
import secrets
import uuid
from dataclasses import dataclass

_serial = itertools.count(1)
CSRF_SECRET = secrets.token_hex(16)  # 32 characters: the cookie, and the form field as it is
CITY_CODE = "410100"  # Zhengzhou


@dataclass(frozen=True)
class Actor:
    user_id: int
    applicant_id: int
    session_key: str
    name: str
    id_number: str
    phone: str

    @property
    def cookie(self) -> str:
        return f"sessionid={self.session_key}; csrftoken={CSRF_SECRET}"


def _id_number(k: int) -> str:
    from healthcode.validators import id_check_digit

    birth = dt.date(1950, 1, 1) + dt.timedelta(days=k // 1000)
    first17 = f"410105{birth:%Y%m%d}{k % 1000:03d}"
    return first17 + id_check_digit(first17)


def make_actors(count: int, *, colour: str = "green", declared: bool = True) -> list[Actor]:
    """`count` accounts, each with its self applicant, a code of `colour` (pending: no
    colour yet, as before a first review) and a live session. Bulk inserts, a few ms each."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.db import transaction
    from django.utils import timezone
    from django.utils.crypto import get_random_string

    from family.models import Applicant
    from healthcode.models import City, HealthCode, User

    backend = "healthcode.backends.ModelBackend"
    assert backend in settings.AUTHENTICATION_BACKENDS
    city = City.objects.get(code=CITY_CODE)
    numbers = [next(_serial) for _ in range(count)]
    with transaction.atomic():
        users = User.objects.bulk_create([User(username=f"17{n:09d}", password="!", is_active=True) for n in numbers])
        codes = HealthCode.objects.bulk_create(
            [HealthCode(colour=colour, version=1 if colour == "pending" else 2) for _ in numbers]
        )
        people = [
            Applicant(
                account=user,
                relationship="self",
                name=f"压测{n}" if declared else "",
                id_number=_id_number(n) if declared else None,
                phone=f"139{n:08d}" if declared else "",
                city=city,
                health_code=code,
            )
            for n, user, code in zip(numbers, users, codes, strict=True)
        ]
        people = Applicant.objects.bulk_create(people)
        store = SessionStore()
        expire = timezone.now() + dt.timedelta(days=1)
        sessions = []
        actors = []
        for user, person in zip(users, people, strict=True):
            key = get_random_string(32, "abcdefghijklmnopqrstuvwxyz0123456789")
            data = {
                SESSION_KEY: str(user.pk),
                BACKEND_SESSION_KEY: backend,
                HASH_SESSION_KEY: user.get_session_auth_hash(),
            }
            sessions.append(Session(session_key=key, session_data=store.encode(data), expire_date=expire))
            actors.append(Actor(user.pk, person.pk, key, person.name, person.id_number or "", person.phone))
        Session.objects.bulk_create(sessions)
    return actors


def fresh_tokens(count: int) -> list[str]:
    """Signed tokens for `count` codes picked at random among everyone with a colour (live for
    HC_TOKEN_LIFETIME seconds from now)."""
    from django.db import connection

    from healthcode import tokens

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ref, colour, version FROM healthcode_healthcode WHERE colour <> 'pending' "
            "ORDER BY random() LIMIT %s",
            [count],
        )
        rows = cursor.fetchall()
    return [tokens.issue(bytes(ref), colour, version) for ref, colour, version in rows]


def gate_key() -> str:
    """A new API key for the demo railway station (the venue seed_demo makes)."""
    from checkpoints.models import Venue
    from checkpoints.services.keys import create_api_key

    venue = Venue.objects.filter(type=Venue.Type.RAILWAY).order_by("pk").first()
    _key, raw = create_api_key(venue, f"bench gate {uuid.uuid4().hex[:6]}")
    return raw
