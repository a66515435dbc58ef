"""Appeals (申诉): a citizen or their family agent appeals a yellow or red code; reviewers
resolve it. Upholding lowers a colour, so it is a proposal that a second reviewer approves
(declarations.services.reviewers.approve_override), after which the appeal is upheld."""

from __future__ import annotations

from datetime import datetime
from types import EllipsisType

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from declarations import rules
from declarations.models import Appeal
from declarations.services.explain import current_rule_codes
from declarations.services.reviewers import (
    Decision,
    ReviewError,
    _clean_reason,
    _set_colour,
    _waiting_proposal,
    require_scope,
)
from family.masking import mask_name
from family.models import Applicant
from family.services import give_notice
from healthcode.colours import Colour
from healthcode.models import HealthCode, User

NOT_UPHELD = gettext_lazy("The appeal about %(name)s's code was not upheld. The reviewer's answer: %(answer)s")


class AppealRefused(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def active_appeal(applicant: Applicant) -> Appeal | None:
    return Appeal.objects.filter(applicant=applicant, status__in=Appeal.ACTIVE).first()


def latest_appeal(applicant: Applicant) -> Appeal | None:
    return Appeal.objects.filter(applicant=applicant).order_by("-created", "-id").first()


def appeal_refusal(applicant: Applicant, *, now: datetime | None = None) -> AppealRefused | None:
    """Why this person cannot appeal now, or None if they can."""
    code = HealthCode.objects.filter(pk=applicant.health_code_id).first()
    if code is None or code.colour not in (Colour.YELLOW, Colour.RED):
        return AppealRefused("not_restricted", _("Only a yellow or red code can be appealed."))
    if rules.NOT_APPEALABLE & set(current_rule_codes(applicant, code, now=now)):
        return AppealRefused(
            "case_or_contact",
            _(
                "Confirmed or suspected cases and close contacts cannot appeal here; "
                "the health authority decides. Call the epidemic prevention hotline."
            ),
        )
    if active_appeal(applicant) is not None:
        return AppealRefused("already_open", _("An appeal for this code is being handled already."))
    return None


def file_appeal(
    applicant: Applicant,
    user: User,
    *,
    reason: str,
    image: UploadedFile | None = None,
    now: datetime | None = None,
    latest_shown: int | EllipsisType | None = ...,
) -> Appeal:
    """Submit an appeal. A second submit while one is active returns the active one.
    `latest_shown`: the person's latest appeal when the form was shown (None: none). If a later
    one has the same reason from the same account, this is that appeal sent again after it was
    decided (the back button, then submit): it is returned, and no second appeal is made."""
    now = now or timezone.now()
    existing = active_appeal(applicant)
    if existing is not None:
        return existing
    if latest_shown is not ...:
        latest = latest_appeal(applicant)
        if (
            latest is not None
            and latest.pk != latest_shown
            and latest.submitted_by_id == user.pk
            and latest.reason == reason.strip()
        ):
            return latest
    refusal = appeal_refusal(applicant, now=now)
    if refusal is not None:
        raise refusal
    code = HealthCode.objects.get(pk=applicant.health_code_id)
    try:
        with transaction.atomic():
            return Appeal.objects.create(
                applicant=applicant,
                submitted_by=user,
                colour=code.colour,
                code_version=code.version,
                reason=reason.strip(),
                image=image or "",
                created=now,
            )
    except IntegrityError:
        return Appeal.objects.get(applicant=applicant, status__in=Appeal.ACTIVE)


def _decided_by(appeal_id: int, reviewer: User, statuses: list[str], resolution: str) -> bool:
    """Whether this reviewer decided the appeal this way already (the same decision sent again)."""
    return Appeal.objects.filter(
        pk=appeal_id, status__in=statuses, resolved_by=reviewer, resolution=resolution
    ).exists()


def reject_appeal(appeal_id: int, reviewer: User, *, resolution: str, now: datetime | None = None) -> None:
    now = now or timezone.now()
    resolution = _clean_reason(resolution)
    with transaction.atomic():
        applicant_id = Appeal.objects.filter(pk=appeal_id).values_list("applicant_id", flat=True).first()
        if applicant_id is None:
            raise ReviewError("not_found", _("No such appeal."))
        require_scope(reviewer, applicant_id)
        moved = Appeal.objects.filter(pk=appeal_id, status=Appeal.Status.OPEN).update(
            status=Appeal.Status.REJECTED, resolved_by=reviewer, resolved_at=now, resolution=resolution
        )
        if not moved and not _decided_by(appeal_id, reviewer, [Appeal.Status.REJECTED], resolution):
            raise ReviewError("already_decided", _("This appeal has been decided already."))
        if moved:
            tell_rejected(appeal_id, resolution)


def tell_rejected(appeal_id: int, resolution: str) -> None:
    """The account that appealed is told once, on its code page, in its own language (an upheld
    appeal is told by the colour change it makes)."""
    account_id, name = Appeal.objects.filter(pk=appeal_id).values_list("submitted_by_id", "applicant__name").get()
    give_notice(account_id, NOT_UPHELD, name=mask_name(name), answer=resolution)


def accept_appeal(appeal_id: int, reviewer: User, *, resolution: str, now: datetime | None = None):
    """Uphold an appeal: propose a green code, which a second reviewer approves."""
    now = now or timezone.now()
    resolution = _clean_reason(resolution)
    with transaction.atomic():
        applicant_id = Appeal.objects.filter(pk=appeal_id).values_list("applicant_id", flat=True).first()
        if applicant_id is None:
            raise ReviewError("not_found", _("No such appeal."))
        require_scope(reviewer, applicant_id)
        moved = Appeal.objects.filter(pk=appeal_id, status=Appeal.Status.OPEN).update(
            status=Appeal.Status.ACCEPTED, resolved_by=reviewer, resolution=resolution
        )
        if not moved:
            if not _decided_by(appeal_id, reviewer, [Appeal.Status.ACCEPTED, Appeal.Status.UPHELD], resolution):
                raise ReviewError("already_decided", _("This appeal has been decided already."))
            # This reviewer's decision sent again (a double click): answered as the first time.
            return Decision(pending=_waiting_proposal(reviewer, appeal_id=appeal_id))
        code_id = Applicant.objects.values_list("health_code_id", flat=True).get(pk=applicant_id)
        colour = HealthCode.objects.select_for_update().filter(pk=code_id).values_list("colour", flat=True).first()
        if colour not in (Colour.YELLOW, Colour.RED):
            raise ReviewError("nothing_to_change", _("The code is no longer yellow or red; reject the appeal."))
        return _set_colour(applicant_id, reviewer, Colour.GREEN, resolution, now=now, appeal_id=appeal_id)
