"""Two indexes fewer written by every declaration (bench/README.md, session 15): the account's
own index (the unique (account, form token) starts with it) and the reviewer's, which held an
entry for every declaration nobody decided (now a partial index of those decided by someone).

Only the indexes are dropped: Django's AlterField would also drop and re-add both foreign
keys, re-checking every declaration under a lock, for no change to them. On Postgres the
indexes are dropped and built CONCURRENTLY (healthcode/db/operations.py): declarations go on
being written meanwhile."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from healthcode.db.operations import AddIndexWithoutLocking, drop_index

OLD = {
    "decided_by": "declarations_declaration_decided_by_id_0f437a2c",
    "submitted_by": "declarations_declaration_submitted_by_id_b5d71472",
}


def _drop(column: str) -> migrations.RunPython:
    return drop_index("declarations_declaration", f"{column}_id", OLD[column])


class Migration(migrations.Migration):
    atomic = False  # CREATE and DROP INDEX CONCURRENTLY cannot run inside a transaction

    dependencies = [
        ("declarations", "0014_waiting_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[_drop("decided_by"), _drop("submitted_by")],
            state_operations=[
                migrations.AlterField(
                    model_name="declaration",
                    name="decided_by",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="decided by reviewer",
                    ),
                ),
                migrations.AlterField(
                    model_name="declaration",
                    name="submitted_by",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
        ),
        AddIndexWithoutLocking(
            model_name="declaration",
            index=models.Index(
                condition=models.Q(("decided_by__isnull", False)),
                fields=["decided_by"],
                name="declaration_decided_by_idx",
            ),
        ),
    ]
