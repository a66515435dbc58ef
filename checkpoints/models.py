"""Venues where codes are checked, the staff and gate keys that check them, and the scan log."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from family.models import Applicant
from healthcode.colours import Colour
from healthcode.models import City


def new_place_code() -> str:
    """The random part of a venue code's URL (场所码): unguessable, so a poster cannot be forged
    for a venue that does not have one."""
    return secrets.token_urlsafe(12)


class Venue(models.Model):
    class Type(models.TextChoices):
        COMMUNITY = "community", _("Residential community")
        ENTERPRISE = "enterprise", _("Enterprise")
        OFFICE = "office", _("Office building")
        SCHOOL = "school", _("School")
        SUBWAY = "subway", _("Subway station")
        RAILWAY = "railway", _("Railway station")
        BUS = "bus", _("Bus or coach")
        MALL = "mall", _("Supermarket or mall")
        PHARMACY = "pharmacy", _("Pharmacy")
        HOSPITAL = "hospital", _("Hospital")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=120)
    type = models.CharField(_("type"), max_length=16, choices=Type.choices)
    city = models.ForeignKey(City, on_delete=models.PROTECT, verbose_name=_("city"))
    address = models.CharField(_("address"), max_length=200, blank=True)
    active = models.BooleanField(_("active"), default=True)
    place_code = models.CharField(
        _("venue code"),
        max_length=32,
        unique=True,
        default=new_place_code,
        editable=False,
        help_text=_("The random part of the URL in the venue's poster QR."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("venue")
        verbose_name_plural = _("venues")

    def __str__(self) -> str:
        return self.name

    @property
    def is_pharmacy(self) -> bool:
        return self.type == self.Type.PHARMACY


class VenueStaff(models.Model):
    class Role(models.TextChoices):
        STAFF = "staff", _("Staff")
        MANAGER = "manager", _("Manager")

    venue = models.ForeignKey(Venue, on_delete=models.CASCADE, related_name="staff")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="venue_roles")
    role = models.CharField(_("role"), max_length=8, choices=Role.choices, default=Role.STAFF)

    class Meta:
        verbose_name = _("venue staff member")
        verbose_name_plural = _("venue staff")
        constraints = [models.UniqueConstraint(fields=["venue", "user"], name="venuestaff_once_per_venue")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.venue}"


class ApiKey(models.Model):
    """A venue's key for the gate API (`Authorization: Bearer <key>`). Only a SHA-256 digest is
    stored; the key itself is shown once, when it is made (checkpoints.services.keys)."""

    venue = models.ForeignKey(Venue, on_delete=models.CASCADE, related_name="api_keys", verbose_name=_("venue"))
    name = models.CharField(_("name"), max_length=80, help_text=_("Which gate or device uses it, e.g. “Gate 3”."))
    prefix = models.CharField(_("key starts with"), max_length=16, editable=False)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["venue", "name"]
        verbose_name = _("gate API key")
        verbose_name_plural = _("gate API keys")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class Scan(models.Model):
    """One verification at a venue, passed or not: the log contact tracing reads. Kept for
    HC_SCAN_RETENTION_DAYS, then purged (checkpoints.tasks.purge_scans)."""

    class Result(models.TextChoices):
        OK = "ok", _("Green code")
        NOT_GREEN = "not_green", _("Not a green code")
        EXPIRED = "expired", _("Code expired")
        BAD_SIGNATURE = "bad_signature", _("Forged or damaged code")
        UNKNOWN_KEY = "unknown_key", _("Unknown signing key")
        MALFORMED = "malformed", _("Not a health code")
        REVOKED = "revoked", _("Out-of-date code")
        UNKNOWN_PERSON = "unknown_person", _("No such person")

    class Direction(models.TextChoices):
        ENTRY = "entry", _("Entry")
        EXIT = "exit", _("Exit")

    class Source(models.TextChoices):
        STAFF = "staff", _("Staff page")
        OFFLINE = "offline", _("Staff page, uploaded after being offline")
        GATE = "gate", _("Gate API")
        VENUE_CODE = "venue_code", _("Venue code, registered by the visitor")

    # The composite indexes below start with venue and applicant, so the foreign keys need no own.
    venue = models.ForeignKey(
        Venue, on_delete=models.PROTECT, related_name="scans", verbose_name=_("venue"), db_index=False
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("staff member"),
        db_index=False,  # scan_by_staff_idx below, without the gates' scans
    )
    api_key = models.ForeignKey(
        ApiKey,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("gate key"),
        db_index=False,  # keys are revoked, not deleted
    )
    applicant = models.ForeignKey(
        Applicant,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="scans",
        verbose_name=_("person"),
        db_index=False,
    )
    result = models.CharField(_("result"), max_length=16, choices=Result.choices)
    colour = models.CharField(_("colour"), max_length=8, choices=Colour.choices, blank=True)
    paper = models.BooleanField(_("paper code"), default=False)
    direction = models.CharField(_("direction"), max_length=5, choices=Direction.choices)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    nonce = models.CharField(_("client nonce"), max_length=64)
    issued_at = models.DateTimeField(_("code issued at"), null=True, blank=True)
    scanned_at = models.DateTimeField(_("scanned at"), default=timezone.now)
    created = models.DateTimeField(_("logged at"), default=timezone.now)

    class Meta:
        ordering = ["-scanned_at", "-id"]
        verbose_name = _("scan")
        verbose_name_plural = _("scans")
        constraints = [models.UniqueConstraint(fields=["venue", "nonce"], name="scan_once_per_nonce")]
        # As few indexes as the readers need, since every scan writes each of them: the venue's
        # pages and the nightly purge (venue by venue) use the first, contact tracing the second.
        indexes = [
            models.Index(fields=["venue", "scanned_at"], name="scan_venue_time_idx"),
            models.Index(fields=["applicant", "scanned_at"], name="scan_person_time_idx"),
            # Deleting an account sets its scans' staff to NULL and finds them by this. Only the
            # staff page's scans have a staff member: a gate's scan (most of them) writes no
            # entry here.
            models.Index(fields=["staff"], name="scan_by_staff_idx", condition=models.Q(staff__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.get_result_display()} {timezone.localtime(self.scanned_at):%Y-%m-%d %H:%M}"

    @property
    def passed(self) -> bool:
        return self.result == self.Result.OK


class Medicine(models.TextChoices):
    FEVER = "fever", _("Fever reducer")
    COUGH = "cough", _("Cough medicine")
    ANTIVIRAL = "antiviral", _("Antiviral")
    ANTIBIOTIC = "antibiotic", _("Antibiotic")


class Purchase(models.Model):
    """A pharmacy's registration of fever, cough, antiviral or antibiotic medicine for the
    person it just scanned. The fact is handed to declarations (a health event); this row is
    the venue's own record. One per scan and set of medicines: the same form sent twice (a
    double click) is one purchase, other medicines on the same scan are another purchase
    (checkpoints/services/pharmacy.py)."""

    scan = models.ForeignKey(Scan, on_delete=models.CASCADE, related_name="purchases", verbose_name=_("scan"))
    medicines = models.JSONField(_("medicines"), default=list)
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("staff member")
    )
    created = models.DateTimeField(_("registered at"), default=timezone.now)

    class Meta:
        ordering = ["-created"]
        constraints = [
            # `medicines` is kept in Medicine's order (register_purchase): equal sets are equal.
            models.UniqueConstraint(fields=["scan", "medicines"], name="purchase_once_per_scan_and_medicines"),
        ]
        verbose_name = _("medicine purchase")
        verbose_name_plural = _("medicine purchases")

    def __str__(self) -> str:
        return ", ".join(self.medicines)

    def medicine_labels(self) -> list[str]:
        labels = dict(Medicine.choices)
        return [str(labels.get(code, code)) for code in self.medicines]


# ---------------------------------------------------------------------------------------
# Contact tracing (checkpoints.services.tracing)


class CaseTrace(models.Model):
    """The contact tracing of one confirmed or suspected case (a health event the authority
    recorded): the case's visits in the scan log, the companions found around each, and the
    family members flagged. Runs again (redelivery, "Trace again") add what is new and
    change nothing else; the counts are recomputed from the rows each time."""

    event = models.OneToOneField(
        "declarations.HealthEvent", on_delete=models.PROTECT, related_name="+", verbose_name=_("case")
    )
    applicant = models.ForeignKey(
        Applicant, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("person")
    )
    window_minutes = models.PositiveIntegerField(_("window (± minutes)"))
    days = models.PositiveSmallIntegerField(_("days looked back"))
    since = models.DateTimeField(_("scans from"))
    until = models.DateTimeField(_("scans until"))
    visits = models.PositiveIntegerField(_("visits"), default=0)
    companions = models.PositiveIntegerField(_("companions found"), default=0)
    notified = models.PositiveIntegerField(_("companions notified"), default=0)
    family = models.PositiveIntegerField(_("family members flagged"), default=0)
    runs = models.PositiveSmallIntegerField(_("runs"), default=0)
    started = models.DateTimeField(_("first traced"), default=timezone.now)
    finished = models.DateTimeField(_("last traced"), null=True, blank=True)
    duration_ms = models.PositiveIntegerField(_("last run took (ms)"), default=0)
    # "Trace again" asked for, and not run since: when. Cleared by the next run; the beat sweep
    # that traces untraced cases also re-enqueues these (the message was lost: a broker down).
    retrace_requested = models.DateTimeField(_("trace again requested"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-started", "-id"]
        verbose_name = _("case trace")
        verbose_name_plural = _("case traces")
        permissions = [
            ("export_identities", _("Can export companions' full names, ID and mobile numbers")),
        ]

    def __str__(self) -> str:
        return f"{self.event} ({self.companions})"


class TraceVisit(models.Model):
    """One of the case's scans in the past days, and the window around it."""

    trace = models.ForeignKey(CaseTrace, on_delete=models.CASCADE, related_name="visit_rows", verbose_name=_("trace"))
    venue = models.ForeignKey(Venue, on_delete=models.PROTECT, related_name="+", verbose_name=_("venue"))
    scanned_at = models.DateTimeField(_("case scanned at"))
    window_start = models.DateTimeField(_("window from"))
    window_end = models.DateTimeField(_("window until"))
    companions = models.PositiveIntegerField(_("companions found"), default=0)
    notified = models.PositiveIntegerField(_("companions notified"), default=0)

    class Meta:
        ordering = ["scanned_at", "id"]
        verbose_name = _("visit of a case")
        verbose_name_plural = _("visits of a case")
        constraints = [
            models.UniqueConstraint(fields=["trace", "venue", "scanned_at"], name="tracevisit_once_per_scan"),
        ]

    def __str__(self) -> str:
        return f"{self.venue} {timezone.localtime(self.scanned_at):%Y-%m-%d %H:%M}"


class TraceContact(models.Model):
    """A person found by a trace: a companion at one visit, or a family member of the case.
    `event` is the health event handed to declarations (none: no ID number on file)."""

    class Kind(models.TextChoices):
        COMPANION = "companion", _("Spatio-temporal companion")
        FAMILY = "family", _("Family member (same account)")

    # The unique constraint below starts with trace and visit: the foreign keys need no own.
    trace = models.ForeignKey(
        CaseTrace, on_delete=models.CASCADE, related_name="contacts", verbose_name=_("trace"), db_index=False
    )
    visit = models.ForeignKey(
        TraceVisit,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="contacts",
        verbose_name=_("visit"),
        db_index=False,
    )
    applicant = models.ForeignKey(Applicant, on_delete=models.CASCADE, related_name="+", verbose_name=_("person"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    scanned_at = models.DateTimeField(_("scanned at"), null=True, blank=True)
    event = models.ForeignKey(
        "declarations.HealthEvent",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("health event"),
    )
    created = models.DateTimeField(_("found at"), default=timezone.now)

    class Meta:
        ordering = ["scanned_at", "id"]
        verbose_name = _("contact found by tracing")
        verbose_name_plural = _("contacts found by tracing")
        # Thousands of rows are written at once: as few indexes as the readers need. The first
        # also serves every read by trace (the counts, the authority's page and its CSV).
        constraints = [
            models.UniqueConstraint(fields=["trace", "visit", "applicant"], name="tracecontact_once_per_visit"),
            models.UniqueConstraint(
                fields=["trace", "applicant"], condition=models.Q(kind="family"), name="tracecontact_family_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.scanned_at or ''}"
