"""The health authority's page per case: visits, times, companions found and notified, and
the CSV of everyone found (masked unless the account may export identities)."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from checkpoints.models import CaseTrace
from checkpoints.services import tracing
from checkpoints.services.visits import register_visit
from declarations.models import RecordAccess
from declarations.services import record_health_event
from family.services import self_applicant
from healthcode.models import User
from tests import factories
from tests.checkpoints.conftest import nonce


@pytest.fixture
def trace(venue, declare, django_capture_on_commit_callbacks):
    now = timezone.now()
    at = now - timedelta(hours=3)
    people = []
    for name in ("张三丰", "=HYPERLINK(1)"):
        user = factories.account()
        declare(user, name=name)
        people.append(self_applicant(user))
    case, companion = people
    register_visit(venue, case, nonce=nonce(), now=at)
    register_visit(venue, companion, nonce=nonce(), now=at + timedelta(minutes=15))
    event = record_health_event(
        id_number=case.id_number,
        kind="confirmed_case",
        occurred_at=now,
        source="authority",
        source_ref="CDC-7",
        note="Positive PCR test",
    )
    with django_capture_on_commit_callbacks(execute=True):
        result = tracing.trace_case(event.pk, now=now)
    result.companion = companion
    return result


def authority(perms: tuple[str, ...]) -> User:
    user = factories.account()
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="checkpoints", codename__in=perms))
    return User.objects.get(pk=user.pk)


def export(client, trace) -> list[list[str]]:
    response = client.get(reverse("admin:checkpoints_casetrace_export", args=[trace.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "no-store" in response["Cache-Control"]
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_the_case_page_shows_visits_times_and_counts(client, trace, venue):
    client.force_login(authority(("view_casetrace",)))
    listing = client.get(reverse("admin:checkpoints_casetrace_changelist")).content.decode()
    assert "Confirmed case" in listing and "张*丰" in listing and trace.event.id_number not in listing
    page = client.get(reverse("admin:checkpoints_casetrace_change", args=[trace.pk])).content.decode()
    assert venue.name in page
    assert timezone.localtime(trace.event.occurred_at - timedelta(hours=3)).strftime("%Y-%m-%d %H:%M") in page
    assert "Positive PCR test" in page and "Export as CSV" in page
    assert (trace.visits, trace.companions, trace.notified) == (1, 1, 1)
    assert trace.companion.id_number not in page


def test_the_export_is_masked_by_default(client, trace, venue):
    client.force_login(authority(("view_casetrace",)))
    header, *rows = export(client, trace)
    assert header[:2] == ["venue", "case scanned at"]
    assert len(rows) == 1
    row = dict(zip(header, rows[0], strict=True))
    companion = trace.companion
    assert row["venue"] == venue.name and row["notified"] == "yes"
    assert row["ID number"] == companion.id_number[:4] + "*" * 10 + companion.id_number[-4:]
    assert row["mobile number"] == companion.phone[:3] + "****" + companion.phone[-4:]
    assert row["name"].startswith("'=")  # a name that a spreadsheet would run is quoted
    log = RecordAccess.objects.get()
    assert (log.record, log.object_id) == ("checkpoints.CaseTrace export", str(trace.pk))


def test_the_export_names_people_in_full_with_the_permission(client, trace):
    client.force_login(authority(("view_casetrace", "export_identities")))
    header, row = export(client, trace)
    row = dict(zip(header, row, strict=True))
    assert row["ID number"] == trace.companion.id_number and row["mobile number"] == trace.companion.phone
    assert row["name"] == "'=HYPERLINK(1)"
    assert RecordAccess.objects.get().record.endswith("(full identities)")


def test_others_cannot_see_traces(client, trace, citizen):
    url = reverse("admin:checkpoints_casetrace_export", args=[trace.pk])
    client.force_login(citizen)  # not staff: the admin's login page
    assert client.get(url).status_code == 302
    client.force_login(authority(()))  # staff without the permission
    assert client.get(url).status_code == 403
    assert client.get(reverse("admin:checkpoints_casetrace_change", args=[trace.pk])).status_code == 403
    client.force_login(authority(("view_casetrace",)))
    assert client.get(reverse("admin:checkpoints_casetrace_export", args=[trace.pk + 1000])).status_code == 404


def test_trace_again_runs_the_trace_once_more(client, trace, django_capture_on_commit_callbacks):
    client.force_login(authority(("view_casetrace", "change_casetrace")))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:checkpoints_casetrace_changelist"),
            {"action": "trace_again", "_selected_action": [trace.pk]},
            follow=True,
        )
    assert "being traced again" in response.content.decode()
    assert CaseTrace.objects.get().runs == 2


def test_trace_again_while_the_broker_is_down_is_run_by_the_sweep(
    client, trace, caplog, django_capture_on_commit_callbacks
):
    """Redis down: the action answers as usual and the request is kept on the trace; beat's
    trace sweep runs it once, a minute later, and clears it."""
    from checkpoints.tasks import trace_untraced_cases
    from tests.brokers import broker_down

    client.force_login(authority(("view_casetrace", "change_casetrace")))
    with broker_down(), django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:checkpoints_casetrace_changelist"),
            {"action": "trace_again", "_selected_action": [trace.pk]},
            follow=True,
        )
    assert response.status_code == 200 and "being traced again" in response.content.decode()
    assert any(r.getMessage().startswith("could not enqueue checkpoints.tasks.trace_case") for r in caplog.records)
    trace.refresh_from_db()
    assert trace.runs == 1 and trace.retrace_requested is not None
    assert tracing.retraces_due() == []  # its own task may still run

    CaseTrace.objects.update(retrace_requested=timezone.now() - timedelta(minutes=2))
    assert tracing.retraces_due() == [trace.event_id]
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            trace_untraced_cases()  # beat's task
    trace.refresh_from_db()
    assert trace.runs == 2 and trace.retrace_requested is None


def test_trace_again_clears_its_request_when_it_runs(client, trace, django_capture_on_commit_callbacks):
    client.force_login(authority(("view_casetrace", "change_casetrace")))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("admin:checkpoints_casetrace_changelist"), {"action": "trace_again", "_selected_action": [trace.pk]}
        )
    trace.refresh_from_db()
    assert trace.runs == 2 and trace.retrace_requested is None
    assert tracing.retraces_due(now=timezone.now() + timedelta(minutes=5)) == []
