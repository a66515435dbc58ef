"""Dates out of range, brought into it before 0012 constrains them (a migration of its own:
Postgres may refuse to alter a table with updates pending in the same transaction)."""

import datetime
from django.db import migrations
from django.db.models import F
from django.utils import timezone

EARLIEST = datetime.datetime(2019, 11, 30, 16, 0, tzinfo=datetime.timezone.utc)  # 2019-12-01 in Henan
LATEST = datetime.datetime(2099, 12, 31, 16, 0, tzinfo=datetime.timezone.utc)  # 2100-01-01 in Henan


def bring_into_range(apps, schema_editor):
    """Rows saved before the constraints with dates outside them (the admin took year 0001 and
    9999), moved to the nearest date with the same effect, in SQL (Python cannot read a date of
    year 0). An area in force since year 1 is in force since the first cases; one that ends in
    9999 has no end; one that starts after 2099 starts at its end (never, in practice). An event
    dated before the first cases stays outside every look-back; one dated after it was recorded
    happened when it was recorded, and its person is re-assessed (the beat sweep of events due
    for it): the re-assessment it started at the time read nothing."""
    RiskArea = apps.get_model("declarations", "RiskArea")
    HealthEvent = apps.get_model("declarations", "HealthEvent")
    # In an order that never breaks "until after from" (checked by each statement): an area that
    # ended before the first cases (both dates typed in year 1) is over at once, both dates in
    # one statement; then the starts alone, whose ends lie after them.
    RiskArea.objects.filter(effective_until__lte=EARLIEST).update(
        effective_from=EARLIEST, effective_until=EARLIEST + datetime.timedelta(seconds=1)
    )
    RiskArea.objects.filter(effective_from__lt=EARLIEST).update(effective_from=EARLIEST)
    RiskArea.objects.filter(effective_until__gt=LATEST).update(effective_until=None)
    RiskArea.objects.filter(effective_from__gte=LATEST).update(effective_from=LATEST - datetime.timedelta(seconds=1))
    RiskArea.objects.filter(rereview_due__gt=LATEST).update(rereview_due=LATEST)
    HealthEvent.objects.filter(occurred_at__lt=EARLIEST).update(occurred_at=EARLIEST)
    late = HealthEvent.objects.filter(occurred_at__gt=F("created"))
    late.filter(applicant__isnull=False).update(occurred_at=F("created"), reassess_due=timezone.now())
    late.update(occurred_at=F("created"))


class Migration(migrations.Migration):

    dependencies = [
        ("declarations", "0010_reassess_rereview_due"),
    ]

    operations = [
        migrations.RunPython(bring_into_range, migrations.RunPython.noop, elidable=True),
    ]
