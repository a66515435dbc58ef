"""What reviewers do, one function per action (after Zulip's actions): decide a declaration
waiting for a person, override a colour, approve or decline another reviewer's override.

Every function takes the acting reviewer, checks that the person is in their city, moves the
state with a compare-and-set (so that concurrent reviewers make exactly one transition) and
writes the history row through healthcode.services.change_colour. A change that lowers a
colour only proposes it (PendingOverride); a different reviewer applies it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import Group, Permission
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from declarations import rules
from declarations.models import Appeal, Declaration, PendingOverride, RecordAccess, ReviewerProfile
from family.models import Applicant
from healthcode.colours import Colour
from healthcode.hooks import enqueue_after_commit
from healthcode.models import City, ColourChange, ColourExtension, HealthCode, User
from healthcode.reasons import words
from healthcode.services import StaleCode, change_colour

REVIEWER_COLOURS = (Colour.GREEN, Colour.YELLOW, Colour.RED)
REVIEWER_GROUP = "Reviewers"
# What a reviewer may do in the admin (declarations app); the city scope does the rest.
REVIEWER_PERMISSIONS = (
    "view_declaration",
    "change_declaration",
    "view_person",
    "change_person",
    "view_appeal",
    "change_appeal",
    "view_pendingoverride",
    "change_pendingoverride",
    "view_checkin",
    "view_healthevent",
    "view_riskarea",
)
DAYS = {Colour.YELLOW: rules.YELLOW_DAYS, Colour.RED: rules.RED_DAYS}


class ReviewError(Exception):
    """A reviewer's action that cannot be done; `code` is for tests and callers."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Decision:
    change: ColourChange | None = None  # applied now
    pending: PendingOverride | None = None  # lowers a colour: waits for a second reviewer
    stale: bool = False  # the colour moved on since the proposal: nothing applied


# ---------------------------------------------------------------------------------------
# Scope: a reviewer sees the people of their own city; superusers see all.


def reviewer_city_id(user: User) -> int | None:
    """The reviewer's city, or None for a superuser (every city). A staff account with no
    reviewer profile has city 0: it sees no one."""
    if user.is_superuser:
        return None
    return ReviewerProfile.objects.filter(user=user).values_list("city_id", flat=True).first() or 0


def scoped(user: User, qs: QuerySet, city_path: str = "city") -> QuerySet:
    city_id = reviewer_city_id(user)
    return qs if city_id is None else qs.filter(**{f"{city_path}_id": city_id})


def assign_reviewer(user: User, city: City) -> ReviewerProfile:
    """Make the account a reviewer of the city's people (staff, in the Reviewers group)."""
    with transaction.atomic():
        profile, _ = ReviewerProfile.objects.update_or_create(user=user, defaults={"city": city})
        if not user.is_staff:
            user.is_staff = True
            user.save(update_fields=["is_staff"])
        group, _ = Group.objects.get_or_create(name=REVIEWER_GROUP)
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="declarations", codename__in=REVIEWER_PERMISSIONS)
        )
        user.groups.add(group)
    return profile


def require_scope(user: User, applicant_id: int) -> None:
    if not scoped(user, Applicant.objects.filter(pk=applicant_id)).exists():
        raise ReviewError("out_of_scope", _("This person is not in your city."))


def log_access(user: User, *, record: str, object_id: str, applicant_id: int | None, path: str) -> RecordAccess:
    """One row per opening of a person's record by a reviewer."""
    return RecordAccess.objects.create(
        user=user, record=record, object_id=str(object_id)[:32], applicant_id=applicant_id, path=path[:200]
    )


# ---------------------------------------------------------------------------------------
# Decisions


def _clean_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ReviewError("reason_required", _("Write down why."))
    return reason


def _check_colour(colour: str) -> Colour:
    if colour not in REVIEWER_COLOURS:
        raise ReviewError("bad_colour", _("Choose green, yellow or red."))
    return Colour(colour)


def rules_of(parts: Sequence[dict[str, Any]], default: str = rules.REVIEWER_DECISION) -> list[str]:
    """The colour rules a reviewer's change rests on: those its reason names as parts (the
    rules a reviewer approved), else `default` (a reviewer's own decision)."""
    return [part["code"] for part in parts if part.get("code") in rules.BY_CODE] or [default]


def _set_colour(
    applicant_id: int,
    reviewer: User,
    colour: Colour,
    reason: str,
    *,
    now: datetime,
    declaration_id: int | None = None,
    appeal_id: int | None = None,
    reason_parts: Sequence[dict[str, Any]] = (),
    seen_version: int | None = None,
) -> Decision:
    code_id = Applicant.objects.values_list("health_code_id", flat=True).get(pk=applicant_id)
    if code_id is None:
        raise ReviewError("no_code", _("This person has no health code yet."))
    if not reason_parts:
        # Who decided, in the reader's language, then the reviewer's own words as written: what
        # the history shows, and so the inbox and the SMS too.
        reason_parts = [{"code": rules.APPEAL_UPHELD if appeal_id else rules.REVIEWER_DECISION}, {"text": reason}]
    code = HealthCode.objects.select_for_update().get(pk=code_id)
    if seen_version is not None and code.version != seen_version:
        # The page was shown before the code changed: this reviewer's same change sent again (a
        # double click) is answered as the first; anything else would act on what they did not see.
        same = (
            ColourChange.objects.filter(code_id=code_id, actor=reviewer, to_colour=colour, reason=reason)
            .order_by("-version")
            .first()
        )
        if same is not None and same.version == code.version:
            return Decision(change=same)
        extended = ColourExtension.objects.filter(code_id=code_id, actor=reviewer, version=code.version, reason=reason)
        if extended.exists():
            return Decision()  # this reviewer's extension of the colour it had, sent again
        return Decision(stale=True)
    if rules.lowers(code.colour, colour):
        try:
            with transaction.atomic():
                pending = PendingOverride.objects.create(
                    applicant_id=applicant_id,
                    declaration_id=declaration_id,
                    appeal_id=appeal_id,
                    from_colour=code.colour,
                    to_colour=colour,
                    code_version=code.version,
                    reason=reason,
                    reason_parts=list(reason_parts),
                    proposed_by=reviewer,
                    created=now,
                )
        except IntegrityError:
            waiting = PendingOverride.objects.filter(applicant_id=applicant_id, status=PendingOverride.Status.PENDING)
            same = waiting.filter(proposed_by=reviewer, to_colour=colour, reason=reason, appeal_id=appeal_id)
            if declaration_id is not None:
                same = same.filter(declaration_id=declaration_id)
            # Without a declaration: a click on the queue sent again after the first decided the
            # declaration (the second then acts on the person) finds the proposal that made.
            same = same.first()
            if same is not None:  # this reviewer's proposal sent again (a double click): that one
                return Decision(pending=same)
            raise ReviewError(
                "pending_exists", _("Another change of this person's colour is waiting for approval.")
            ) from None
        return Decision(pending=pending)
    days = DAYS.get(colour)
    change = change_colour(
        code_id,
        colour,
        source=ColourChange.Source.REVIEWER,
        rules=rules_of(reason_parts),
        reason=reason,
        reason_parts=reason_parts,
        actor=reviewer,
        until=now + timedelta(days=days) if days else None,
        now=now,
    )
    return Decision(change=change)


def decide(
    declaration_id: int,
    reviewer: User,
    *,
    colour: str,
    reason: str,
    now: datetime | None = None,
    reason_parts: Sequence[dict[str, Any]] = (),
    seen_version: int | None = None,
) -> Decision:
    """Decide a declaration that waits for a person (status "needs review"). Exactly one of
    any number of concurrent reviewers moves it; the others get ReviewError("already_decided").
    `reason_parts`: the words in `reason` that are not the reviewer's own, as parts (for the
    person to read in their language; ColourChange.reason_parts). `seen_version`: the code's
    version on the page the reviewer decided on; if the code changed since (a health event
    made it red, say), nothing is done, the declaration still waits (Decision.stale)."""
    now = now or timezone.now()
    colour = _check_colour(colour)
    reason = _clean_reason(reason)
    with transaction.atomic():
        applicant_id, confirmed_at = Declaration.objects.filter(pk=declaration_id).values_list(
            "applicant_id", "confirmed_at"
        ).first() or (None, None)
        if applicant_id is None:
            raise ReviewError("not_found", _("No such declaration."))
        require_scope(reviewer, applicant_id)
        moved = Declaration.objects.filter(pk=declaration_id, status=Declaration.Status.NEEDS_REVIEW).update(
            status=Declaration.Status.REVIEWED,
            decided_by=reviewer,
            reviewed_at=now,
            verdict_colour=colour,
            review_note=reason,
        )
        if not moved:
            decided = Declaration.objects.filter(
                pk=declaration_id,
                status=Declaration.Status.REVIEWED,
                decided_by=reviewer,
                verdict_colour=colour,
                review_note=reason,
            )
            if not decided.exists():
                raise ReviewError("already_decided", _("This declaration has been decided already."))
            # This reviewer's decision sent again (a double click, the browser's retry): done
            # already, answered as the first time.
            return Decision(pending=_waiting_proposal(reviewer, declaration_id=declaration_id))
        _release_later(applicant_id, confirmed_at)
        decision = _set_colour(
            applicant_id,
            reviewer,
            colour,
            reason,
            now=now,
            declaration_id=declaration_id,
            reason_parts=reason_parts,
            seen_version=seen_version,
        )
        if decision.stale:
            transaction.set_rollback(True)  # the declaration waits on, its later ones too
        return decision


def _release_later(applicant_id: int, confirmed_at: datetime) -> None:
    """The person's later declarations waiting for a reviewer go back to the machine once this
    one is decided: those that waited only for it (services/review.py) are then applied (never
    lowering the colour just set), and those that need a person on their own come back."""
    from declarations.tasks import review_declaration  # tasks import services: import late

    later = Declaration.objects.filter(
        applicant_id=applicant_id, status=Declaration.Status.NEEDS_REVIEW, confirmed_at__gt=confirmed_at
    )
    for pk in later.values_list("pk", flat=True):
        if Declaration.objects.filter(pk=pk, status=Declaration.Status.NEEDS_REVIEW).update(
            status=Declaration.Status.CONFIRMED
        ):
            enqueue_after_commit(review_declaration, pk)


def approve_verdict(
    declaration_id: int,
    reviewer: User,
    *,
    note: str = "",
    now: datetime | None = None,
    seen_version: int | None = None,
) -> Decision:
    """Decide a declaration waiting for a person with the colour its rules suggest. The change
    names those rules (its `rules`, and its reason's first parts), as the machine's would.
    `seen_version`: the code's version on the list the reviewer approved from (see decide)."""
    suggested, fired = Declaration.objects.filter(pk=declaration_id).values_list(
        "suggested_colour", "verdict_rules"
    ).first() or ("", [])
    if not suggested:
        raise ReviewError("no_verdict", _("This declaration has no suggested colour; override it instead."))
    parts: list[dict[str, Any]] = [{"code": code} for code in fired if code in rules.BY_CODE]
    parts.append({"code": rules.APPROVED_SUGGESTED})
    if note.strip():
        parts.append({"text": note.strip()})  # the reviewer's own words, as written
    reason = words(parts)  # in the reviewer's language, for the record; the person reads the parts
    return decide(
        declaration_id,
        reviewer,
        colour=suggested,
        reason=reason,
        now=now,
        reason_parts=parts,
        seen_version=seen_version,
    )


def override_colour(
    applicant_id: int,
    reviewer: User,
    *,
    colour: str,
    reason: str,
    now: datetime | None = None,
    seen_version: int | None = None,
) -> Decision:
    """Set a person's colour by hand, with a reason. Raising applies at once; lowering waits
    for a second reviewer. `seen_version`: the code's version on the page the reviewer decided
    on; if it has changed since, nothing is done (Decision.stale), unless it is this very change."""
    now = now or timezone.now()
    colour = _check_colour(colour)
    reason = _clean_reason(reason)
    with transaction.atomic():
        require_scope(reviewer, applicant_id)
        return _set_colour(applicant_id, reviewer, colour, reason, now=now, seen_version=seen_version)


def _waiting_proposal(reviewer: User, **source: int) -> PendingOverride | None:
    """The reviewer's proposal made by a decision (of a declaration or appeal) that waits."""
    return PendingOverride.objects.filter(proposed_by=reviewer, status=PendingOverride.Status.PENDING, **source).first()


def _pending_for_decision(override_id: int, reviewer: User, *, again: Sequence[str] = ()) -> PendingOverride:
    """The override, locked, for this reviewer to decide. One this reviewer decided already
    with a status in `again` (the same decision sent twice) is returned as it is."""
    pending = (
        PendingOverride.objects.select_for_update(of=("self",))
        .select_related("proposed_by")
        .filter(pk=override_id)
        .first()
    )
    if pending is None:
        raise ReviewError("not_found", _("No such override."))
    require_scope(reviewer, pending.applicant_id)
    if pending.status in again and pending.decided_by_id == reviewer.pk:
        return pending
    if pending.status != PendingOverride.Status.PENDING:
        raise ReviewError("already_decided", _("This override has been decided already."))
    if pending.proposed_by_id == reviewer.pk:
        raise ReviewError("same_reviewer", _("A second reviewer must approve your own override."))
    return pending


def approve_override(override_id: int, approver: User, *, note: str = "", now: datetime | None = None) -> Decision:
    """The second pair of eyes: apply another reviewer's override. If the colour changed
    since it was proposed, nothing is applied and the override is marked outdated."""
    now = now or timezone.now()
    with transaction.atomic():
        pending = _pending_for_decision(
            override_id, approver, again=(PendingOverride.Status.APPROVED, PendingOverride.Status.STALE)
        )
        if pending.status != PendingOverride.Status.PENDING:  # this approval sent again
            return Decision(stale=pending.status == PendingOverride.Status.STALE)
        code_id = Applicant.objects.values_list("health_code_id", flat=True).get(pk=pending.applicant_id)
        try:
            with transaction.atomic():
                change = change_colour(
                    code_id,
                    Colour(pending.to_colour),
                    source=ColourChange.Source.REVIEWER,
                    rules=[rules.APPEAL_UPHELD] if pending.appeal_id else rules_of(pending.reason_parts),
                    reason=pending.reason,
                    reason_parts=pending.reason_parts,
                    actor=pending.proposed_by,
                    approved_by=approver,
                    now=now,
                    expected_version=pending.code_version,
                )
        except StaleCode:
            PendingOverride.objects.filter(pk=pending.pk).update(
                status=PendingOverride.Status.STALE,
                decided_by=approver,
                decided_at=now,
                decision_note=note or _("The colour changed after this was proposed."),
            )
            if pending.appeal_id:
                Appeal.objects.filter(pk=pending.appeal_id, status=Appeal.Status.ACCEPTED).update(
                    status=Appeal.Status.OPEN
                )
            if pending.declaration_id:
                # The decision behind it was never applied: the declaration waits for a reviewer
                # again (it was marked decided when the proposal was made, and left the queue).
                Declaration.objects.filter(
                    pk=pending.declaration_id, status=Declaration.Status.REVIEWED, decided_by=pending.proposed_by_id
                ).update(status=Declaration.Status.NEEDS_REVIEW, decided_by=None)
            return Decision(stale=True)
        PendingOverride.objects.filter(pk=pending.pk).update(
            status=PendingOverride.Status.APPROVED, decided_by=approver, decided_at=now, decision_note=note
        )
        if pending.appeal_id:
            Appeal.objects.filter(pk=pending.appeal_id, status=Appeal.Status.ACCEPTED).update(
                status=Appeal.Status.UPHELD, resolved_at=now
            )
        return Decision(change=change)


def decline_override(override_id: int, approver: User, *, note: str, now: datetime | None = None) -> None:
    """The second reviewer does not agree: nothing changes; an appeal behind it is rejected."""
    now = now or timezone.now()
    note = _clean_reason(note)
    with transaction.atomic():
        pending = _pending_for_decision(override_id, approver, again=(PendingOverride.Status.DECLINED,))
        if pending.status != PendingOverride.Status.PENDING:  # this refusal sent again
            return
        PendingOverride.objects.filter(pk=pending.pk).update(
            status=PendingOverride.Status.DECLINED, decided_by=approver, decided_at=now, decision_note=note
        )
        if pending.appeal_id:
            from declarations.services.appeals import tell_rejected  # appeals imports this module

            if Appeal.objects.filter(pk=pending.appeal_id, status=Appeal.Status.ACCEPTED).update(
                status=Appeal.Status.REJECTED, resolution=note, resolved_at=now
            ):
                tell_rejected(pending.appeal_id, note)


def awaiting(user: User) -> QuerySet[PendingOverride]:
    """Overrides this reviewer may approve: pending, in their city, proposed by someone else."""
    qs = PendingOverride.objects.filter(status=PendingOverride.Status.PENDING).filter(~Q(proposed_by=user))
    return scoped(user, qs, "applicant__city")
