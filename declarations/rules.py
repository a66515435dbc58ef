"""The published colour rules (DESIGN.md, "Colour rules"). Pure: no database, no clock.

`evaluate(facts)` returns a Verdict that names the colour, every rule that fired (in plain
words a citizen can read), how many days the colour lasts at least, and whether a person
must look at it instead of the machine guessing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from healthcode.colours import SEVERITY, Colour

FEVER_THRESHOLD = Decimal("37.3")
INCONSISTENT_FEVER = Decimal("38.5")
RED_DAYS = 14
YELLOW_DAYS = 7

RESPIRATORY = frozenset({"cough", "sore_throat", "shortness_of_breath"})


@dataclass(frozen=True)
class Rule:
    code: str
    colour: Colour
    days: int
    text: Promise


R_CASE = Rule("case", Colour.RED, RED_DAYS, _("Confirmed or suspected case (set by the health authority)."))
R_CLOSE_CONTACT = Rule("close_contact", Colour.RED, RED_DAYS, _("Close contact of a confirmed or suspected case."))
R_FEVER_HIGH_RISK = Rule(
    "fever_high_risk",
    Colour.RED,
    RED_DAYS,
    _("Fever or respiratory symptoms together with travel in a high-risk area."),
)
R_TRAVEL = Rule(
    "risk_area_travel",
    Colour.YELLOW,
    YELLOW_DAYS,
    _("Travel in a medium- or high-risk area in the past 14 days."),
)
R_FEVER = Rule(
    "fever_or_respiratory",
    Colour.YELLOW,
    YELLOW_DAYS,
    _("Temperature of 37.3 °C or more, fever, or respiratory symptoms (cough, sore throat, shortness of breath)."),
)
R_CONTACT_UNSURE = Rule(
    "contact_unsure",
    Colour.YELLOW,
    YELLOW_DAYS,
    _("Not sure about contact with a confirmed or suspected case."),
)
R_MEDICINE = Rule(
    "medicine_purchase",
    Colour.YELLOW,
    YELLOW_DAYS,
    _("Registered purchase of fever, cough or antiviral medicine."),
)
R_COMPANION = Rule(
    "companion", Colour.YELLOW, YELLOW_DAYS, _("Spatio-temporal companion of a case (same place, same time).")
)

RULES: tuple[Rule, ...] = (
    R_CASE,
    R_CLOSE_CONTACT,
    R_FEVER_HIGH_RISK,
    R_TRAVEL,
    R_FEVER,
    R_CONTACT_UNSURE,
    R_MEDICINE,
    R_COMPANION,
)
BY_CODE = {rule.code: rule for rule in RULES}


@dataclass(frozen=True)
class Facts:
    """Everything the rules look at. Declared answers plus what the authority knows."""

    temperature: Decimal | None
    symptoms: frozenset[str] = frozenset()
    travel: str = "none"  # none / medium / high
    contact: str = "no"  # no / yes / unsure
    case_status: str = "none"  # none / confirmed / suspected / close_contact
    medicine_purchase: bool = False
    companion: bool = False


@dataclass(frozen=True)
class Verdict:
    colour: Colour
    fired: tuple[Rule, ...] = ()
    days: int = 0
    manual_review: bool = False
    manual_reasons: tuple[Promise, ...] = field(default=())

    @property
    def rule_codes(self) -> list[str]:
        return [rule.code for rule in self.fired]


def _has_fever_or_respiratory(facts: Facts) -> bool:
    feverish = facts.temperature is not None and facts.temperature >= FEVER_THRESHOLD
    return feverish or "fever" in facts.symptoms or bool(facts.symptoms & RESPIRATORY)


def _inconsistencies(facts: Facts) -> list[Promise]:
    reasons: list[Promise] = []
    if "none" in facts.symptoms and len(facts.symptoms) > 1:
        reasons.append(_("“No symptoms” was ticked together with symptoms."))
    if facts.temperature is not None and facts.temperature >= INCONSISTENT_FEVER and "fever" not in facts.symptoms:
        reasons.append(_("A temperature of 38.5 °C or more was declared without fever."))
    return reasons


def evaluate(facts: Facts) -> Verdict:
    fired: list[Rule] = []
    if facts.case_status in ("confirmed", "suspected"):
        fired.append(R_CASE)
    if facts.case_status == "close_contact" or facts.contact == "yes":
        fired.append(R_CLOSE_CONTACT)
    fever = _has_fever_or_respiratory(facts)
    if fever and facts.travel == "high":
        fired.append(R_FEVER_HIGH_RISK)
    if facts.travel in ("medium", "high"):
        fired.append(R_TRAVEL)
    if fever:
        fired.append(R_FEVER)
    if facts.contact == "unsure":
        fired.append(R_CONTACT_UNSURE)
    if facts.medicine_purchase:
        fired.append(R_MEDICINE)
    if facts.companion:
        fired.append(R_COMPANION)

    manual = _inconsistencies(facts)
    if manual and facts.case_status == "none":
        # Do not guess: a person decides. The rules that fired are kept for them to read.
        return Verdict(Colour.PENDING, tuple(fired), 0, True, tuple(manual))
    if not fired:
        return Verdict(Colour.GREEN)
    colour = max((rule.colour for rule in fired), key=SEVERITY.__getitem__)
    days = max(rule.days for rule in fired if rule.colour == colour)
    return Verdict(colour, tuple(fired), days)
