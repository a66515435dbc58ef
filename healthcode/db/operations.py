"""Migration operations that build and drop indexes without stopping writes on Postgres.

A plain CREATE INDEX holds a lock that blocks every INSERT and UPDATE of the table while it
reads the whole table: on the declarations of a province, minutes without a declaration. On
Postgres these build CONCURRENTLY (Django's own operation; the migration must not be atomic);
elsewhere (SQLite for `make run`, where nobody waits) they do what the plain operations do.
"""

from __future__ import annotations

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations


class AddIndexWithoutLocking(AddIndexConcurrently):
    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        return migrations.AddIndex.database_forwards(self, app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            return super().database_backwards(app_label, schema_editor, from_state, to_state)
        return migrations.AddIndex.database_backwards(self, app_label, schema_editor, from_state, to_state)


def drop_index(table: str, column: str, name: str) -> migrations.RunPython:
    """Drop an index Django made for a column (DROP INDEX CONCURRENTLY on Postgres); backwards,
    build it again (CONCURRENTLY there too)."""
    quote = '"{}"'.format

    def concurrently(schema_editor) -> str:
        return "CONCURRENTLY " if schema_editor.connection.vendor == "postgresql" else ""

    def forwards(apps, schema_editor):
        schema_editor.execute(f"DROP INDEX {concurrently(schema_editor)}IF EXISTS {quote(name)}")

    def backwards(apps, schema_editor):
        schema_editor.execute(
            f"CREATE INDEX {concurrently(schema_editor)}{quote(name)} ON {quote(table)} ({quote(column)})"
        )

    return migrations.RunPython(forwards, backwards, elidable=False)
