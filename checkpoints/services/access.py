"""Who may use a venue's pages: one access helper (after healthchecks' _get_check_for_user)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from checkpoints.models import Venue, VenueStaff
from healthcode.models import User


def get_venue_for_staff(user: User, pk: int, *, manager: bool = False) -> Venue:
    """The active venue `pk` if `user` works there (as a manager, when `manager`); 404 for
    everyone else, so a stranger learns nothing, not even that the venue exists. The venue
    comes back with `role` set to the user's role there."""
    if not user.is_authenticated:
        raise Http404
    role = (
        VenueStaff.objects.select_related("venue", "venue__city")
        .filter(user=user, venue_id=pk, venue__active=True)
        .first()
    )
    if role is None or (manager and role.role != VenueStaff.Role.MANAGER):
        raise Http404
    venue = role.venue
    venue.role = role.role
    return venue


def roles_for(user: User) -> QuerySet[VenueStaff]:
    """The active venues the user works at, with their role."""
    return (
        VenueStaff.objects.select_related("venue", "venue__city")
        .filter(user=user, venue__active=True)
        .order_by("venue__name", "venue_id")
    )


def is_manager(venue: Venue) -> bool:
    return getattr(venue, "role", None) == VenueStaff.Role.MANAGER
