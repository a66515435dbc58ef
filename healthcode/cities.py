"""This process's copy of the city list, for choosing a city by its key on every declaration.

Cities are reference data (Henan's 18 prefecture-level cities, GB/T 2260), changed by a data
migration or, rarely, in the admin. The declaration form looked its city up with a query on
every POST (ModelChoiceField), a tenth of the form's cost (bench/README.md, session 8); the
list is read once and read again after HC_CITY_REFRESH_SECONDS, or at once in a process that
saves or deletes a city (once that commits). A key not in the copy is asked of the database,
as before.
"""

from __future__ import annotations

import threading
import time

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from healthcode.models import City

_cities: dict[str, City] = {}
_read_at = float("-inf")
_generation = 0  # moved by forget(): a read that began before it is not kept as fresh
_lock = threading.Lock()  # a gthread worker's threads: a refresh and a forget() do not cross
clock = time.monotonic  # tests set their own


def city_by_pk(pk: str) -> City | None:
    """The city with this primary key (as the form posts it), from the copy; None if the copy
    does not have it (the caller asks the database)."""
    global _cities, _read_at
    now = clock()
    if now - _read_at > settings.HC_CITY_REFRESH_SECONDS:
        generation = _generation
        cities = {str(city.pk): city for city in City.objects.all()}
        with _lock:
            _cities = cities
            if generation == _generation:  # else a thread forgot meanwhile: read again next time
                _read_at = now
        return cities.get(pk)
    return _cities.get(pk)


def forget() -> None:
    """Read the list again on the next use."""
    global _read_at, _generation
    with _lock:
        _generation += 1
        _read_at = float("-inf")


def _changed(**_kwargs) -> None:
    # Once the change is committed: a copy read before the commit could keep a city that
    # rolls back. Until then the copy is the committed list (a new key goes to the database).
    transaction.on_commit(forget)


post_save.connect(_changed, sender=City, dispatch_uid="healthcode.cities.saved")
post_delete.connect(_changed, sender=City, dispatch_uid="healthcode.cities.deleted")
