"""Synthetic figures for the dashboard (a demo and the README's screenshots), never real data:
`python manage.py seed_dashboard_demo`. A province of about a million people through an
outbreak and its decline over 30 days, a day of scans, and reviewers, one of them in a burst.

It writes only the dashboard's own daily tables (and five reviewer accounts without a
password), so the next real count (beat, or "Count now") replaces today's figures."""

from __future__ import annotations

import math
import random
from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from authority.models import ColourCount, DailyActivity, HourlyScans, ReviewerDay
from authority.services.figures import local_day
from checkpoints.models import Venue
from healthcode.models import City, User

DAYS = 30
PEOPLE = 1_000_000
# Scans per hour at each type of venue: a commuter's day.
HOURLY = {
    Venue.Type.SUBWAY: [0, 0, 0, 0, 0, 2, 30, 95, 120, 60, 30, 28, 35, 30, 28, 32, 45, 100, 110, 55, 30, 18, 8, 2],
    Venue.Type.COMMUNITY: [2, 1, 0, 0, 1, 4, 25, 60, 55, 25, 15, 18, 25, 15, 12, 14, 22, 45, 60, 50, 35, 20, 10, 4],
    Venue.Type.MALL: [0, 0, 0, 0, 0, 0, 0, 0, 2, 15, 35, 45, 50, 45, 40, 42, 45, 50, 55, 50, 40, 20, 2, 0],
    Venue.Type.OFFICE: [0, 0, 0, 0, 0, 0, 5, 40, 90, 40, 10, 8, 25, 30, 10, 8, 6, 10, 8, 4, 2, 1, 0, 0],
    Venue.Type.RAILWAY: [4, 2, 1, 1, 2, 8, 25, 40, 45, 40, 35, 30, 30, 32, 35, 38, 40, 42, 40, 35, 28, 20, 12, 6],
    Venue.Type.PHARMACY: [0, 0, 0, 0, 0, 0, 0, 2, 6, 9, 10, 9, 7, 6, 7, 8, 9, 10, 9, 7, 5, 2, 0, 0],
    Venue.Type.HOSPITAL: [1, 1, 1, 1, 1, 1, 3, 10, 18, 20, 19, 15, 8, 12, 15, 14, 10, 6, 4, 3, 2, 2, 1, 1],
}
REVIEWERS = 5


class Command(BaseCommand):
    help = "Write synthetic figures for the health authority's dashboard (demo only)."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="also when DEBUG is off (a throwaway database)")

    def handle(self, *args, force: bool = False, **options):
        if not settings.DEBUG and not force:
            raise CommandError("Synthetic figures are for a demo: DEBUG=1, or --force on a throwaway database.")
        now = timezone.now()
        today = local_day(now)
        first = today - timedelta(days=DAYS - 1)
        rng = random.Random(2020)  # noqa: S311 (made-up figures, not secrets)
        cities = list(City.objects.order_by("code"))
        if not cities:
            raise CommandError("No cities: migrate first.")
        weights = [rng.uniform(0.5, 1.5) * (3 if city.code == "410100" else 1) for city in cities]
        share = [w / sum(weights) for w in weights]
        # An outbreak peaking ten days ago, strongest in the first city (Zhengzhou).
        counts, activity = [], []
        for i in range(DAYS):
            day = first + timedelta(days=i)
            wave = math.exp(-(((i - 19) / 5.5) ** 2))
            for city, part in zip(cities, share, strict=True):
                people = round(PEOPLE * part)
                focus = 1.0 if city.code == "410100" else 0.25
                yellow = round(people * (0.002 + 0.02 * wave * focus) * rng.uniform(0.9, 1.1))
                red = round(yellow * (0.12 + 0.1 * wave))
                pending = round(people * 0.004 * rng.uniform(0.8, 1.2))
                green = people - yellow - red - pending
                counts += [
                    ColourCount(day=day, city=city, colour=colour, people=n, counted_at=now)
                    for colour, n in (("green", green), ("yellow", yellow), ("red", red), ("pending", pending))
                ]
            activity.append(
                DailyActivity(
                    day=day,
                    declarations=round((14000 + 52000 * wave) * rng.uniform(0.9, 1.1)),
                    checkins=round((3000 + 26000 * wave) * rng.uniform(0.95, 1.05)),
                    counted_at=now,
                )
            )
        hourly = [
            HourlyScans(
                day=today,
                hour=hour,
                venue_type=venue_type,
                scans=(n := round(per_hour * 120 * rng.uniform(0.85, 1.15))),
                stops=round(n * 0.03),
            )
            for venue_type, curve in HOURLY.items()
            for hour, per_hour in enumerate(curve)
            if per_hour
        ]
        with transaction.atomic():
            reviewers = [self._reviewer(f"demo-reviewer-{n}") for n in range(1, REVIEWERS + 1)]
            days = []
            for i in range(DAYS):
                day = first + timedelta(days=i)
                if day.weekday() == 6 and day != today:
                    continue  # reviewers rest on Sundays
                for n, reviewer in enumerate(reviewers):
                    usual = 8 + 6 * n
                    changes = round(usual * rng.uniform(0.6, 1.4))
                    if day == today and n == 1:
                        changes = usual * 6  # the burst the dashboard must show
                    days.append(ReviewerDay(day=day, reviewer=reviewer, changes=changes))
            for model in (ColourCount, DailyActivity, ReviewerDay):
                model.objects.filter(day__gte=first, day__lte=today).delete()
            HourlyScans.objects.filter(day=today).delete()
            ColourCount.objects.bulk_create(counts)
            DailyActivity.objects.bulk_create(activity)
            HourlyScans.objects.bulk_create(hourly)
            ReviewerDay.objects.bulk_create(days)
        self.stdout.write(f"Synthetic dashboard figures for {first} to {today} (about {PEOPLE:,} people).")

    def _reviewer(self, name: str) -> User:
        user = User.objects.filter(username=name).first()
        if user is None:
            user = User.objects.create_user(name, password=None, is_staff=True)
        return user
