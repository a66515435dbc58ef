"""The published colour rules (DESIGN.md, "Colour rules"). Pure: no database, no clock.

`evaluate(facts)` returns a Verdict that names the colour, every rule that fired (in plain
words a citizen can read), how many days the colour lasts at least, and whether a person
must look at it instead of the machine guessing.

The daily check-in rules live here too (`checkin_is_normal`, `checkin_verdict`,
`CHECKINS_TO_GREEN`), and so does the matching of declared places against the published
risk areas (`match_areas`), so that everything that decides a colour can be read in one file.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from healthcode.colours import SEVERITY, Colour

FEVER_THRESHOLD = Decimal("37.3")
INCONSISTENT_FEVER = Decimal("38.5")
RED_DAYS = 14
YELLOW_DAYS = 7
LOOKBACK_DAYS = 14  # "in the past 14 days": travel, risk areas, events

RESPIRATORY = frozenset({"cough", "sore_throat", "shortness_of_breath"})

# Consecutive normal daily check-ins that turn a colour green (a missed day restarts the count).
CHECKINS_TO_GREEN: dict[str, int] = {Colour.YELLOW: 7, Colour.RED: 14}

# Risk levels of an area, and of what a person declared ("none" / "medium" / "high").
LEVEL_RANK = {"none": 0, "low": 1, "medium": 2, "high": 3}


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
R_RESIDENCE = Rule(
    "risk_area_residence",
    Colour.YELLOW,
    YELLOW_DAYS,
    _("The district of residence is a medium- or high-risk area."),
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
    _("Registered purchase of fever, cough, antiviral or antibiotic medicine."),
)
R_COMPANION = Rule(
    "companion", Colour.YELLOW, YELLOW_DAYS, _("Spatio-temporal companion of a case (same place, same time).")
)
R_CHECKIN_ABNORMAL = Rule(
    "abnormal_checkin",
    Colour.YELLOW,
    YELLOW_DAYS,
    _("An abnormal daily check-in: temperature of 37.3 °C or more, fever, or respiratory symptoms."),
)
R_CHECKIN_ESCALATED = Rule(
    "abnormal_checkin_escalated",
    Colour.RED,
    RED_DAYS,
    _("An abnormal daily check-in while under observation with a yellow or red code."),
)

RULES: tuple[Rule, ...] = (
    R_CASE,
    R_CLOSE_CONTACT,
    R_FEVER_HIGH_RISK,
    R_TRAVEL,
    R_RESIDENCE,
    R_FEVER,
    R_CONTACT_UNSURE,
    R_MEDICINE,
    R_COMPANION,
    R_CHECKIN_ABNORMAL,
    R_CHECKIN_ESCALATED,
)
BY_CODE = {rule.code: rule for rule in RULES}

# The rules that come from risk areas: an area raised later re-reviews with these only.
AREA_RULES = frozenset({R_TRAVEL.code, R_RESIDENCE.code, R_FEVER_HIGH_RISK.code})
# A confirmed case or a close contact cannot appeal (the health authority decides those).
NOT_APPEALABLE = frozenset({R_CASE.code, R_CLOSE_CONTACT.code})

# Codes recorded on colour changes that lower a colour; not colour rules, but explained alike.
CHECKINS_SERVED = "checkins_served"
REVIEWER_DECISION = "reviewer_decision"
APPEAL_UPHELD = "appeal_upheld"
APPROVED_SUGGESTED = "approved_suggested"  # a reviewer approved the colour the rules suggest
RELEASE_TEXTS: dict[str, Promise] = {
    CHECKINS_SERVED: _("The consecutive normal daily check-ins were completed."),
    REVIEWER_DECISION: _("A reviewer decided, and wrote down why."),
    APPEAL_UPHELD: _("The appeal was upheld by two reviewers."),
}


# Codes of the other parts of a colour change's reason (ColourChange.reason_parts).
CHECKIN_DAY = "checkin_day"  # {"day", "temperature"}: the check-in that escalated
RISK_AREAS = "risk_areas"  # {"areas": [{"name", "level"}]}: the areas the declared places fall in
NO_RULE = "no_rule"
OTHER_TEXTS: dict[str, Promise] = {
    NO_RULE: _("No rule applies: the declaration is normal."),
    APPROVED_SUGGESTED: _("Approved the colour the rules suggest."),
}
# The same codes with their parameters (a part without them reads as the plain text above).
DETAIL_TEXTS: dict[str, Promise] = {
    # Where and when, never who the case is.
    R_COMPANION.code: _("Spatio-temporal companion of a case at %(venue)s on %(date)s."),
    CHECKINS_SERVED: _("%(n)s consecutive normal daily check-ins up to %(day)s."),
    CHECKIN_DAY: _("Check-in of %(day)s: %(temperature)s °C."),
}
LEVEL_TEXTS: dict[str, Promise] = {
    "low": _("low risk"),
    "medium": _("medium risk"),
    "high": _("high risk"),
}


def text_for(code: str, params: Mapping[str, object] | None = None) -> str:
    """The plain words, in the active language, for a code on a colour change with the
    parameters of its part, if any (unknown codes are shown as they are)."""
    if code == RISK_AREAS:
        return _risk_areas_text(params or {})
    if params and code in DETAIL_TEXTS:
        try:
            return str(DETAIL_TEXTS[code]) % params
        except (KeyError, TypeError, ValueError):
            pass  # a part without its parameters reads as the rule's plain text
    if code in BY_CODE:
        return str(BY_CODE[code].text)
    if code in RELEASE_TEXTS:
        return str(RELEASE_TEXTS[code])
    if code in OTHER_TEXTS:
        return str(OTHER_TEXTS[code])
    return "" if code == CHECKIN_DAY else code


def _risk_areas_text(params: Mapping[str, object]) -> str:
    areas = params.get("areas")
    if not isinstance(areas, list):
        return ""
    named = [
        str(_("%(area)s (%(level)s)")) % {"area": area.get("name", ""), "level": LEVEL_TEXTS.get(area.get("level"), "")}
        for area in areas
        if isinstance(area, dict)
    ]
    return str(_("Risk areas: %(areas)s.")) % {"areas": pgettext("list separator", ", ").join(named)} if named else ""


# ---------------------------------------------------------------------------------------
# Risk areas: which published areas does a declared place fall in?


@dataclass(frozen=True)
class Area:
    """A published risk area. Names may list alternatives with "/", e.g. "Jinshui/金水"."""

    province: str
    city: str
    district: str
    level: str  # low / medium / high
    label: str = ""

    @property
    def name(self) -> str:
        return self.label or " ".join(part for part in (self.province, self.city, self.district) if part)


@dataclass(frozen=True)
class AreaMatch:
    area: Area
    place: str  # "travel" or "home"
    certain: bool  # False: only the district matched, the city was not named


_SUFFIXES = re.compile(
    r"(special administrative region|autonomous region|province|municipality|district|county|city|"
    r"new area|省|市|区|县|自治区|特别行政区)$"
)
_NOT_WORD = re.compile(r"[\W_]+")


def _norm(text: str) -> str:
    return _NOT_WORD.sub("", (text or "").casefold())


def _variants(name: str) -> list[str]:
    """ "Jinshui District/金水区" → ["jinshui", "金水"]; too-short names match nothing by accident."""
    out = []
    for part in (name or "").split("/"):
        value = _norm(_SUFFIXES.sub("", part.strip().casefold()).strip())
        if len(value) >= 2:
            out.append(value)
    return out


def _mentions(text: str, name: str) -> bool:
    return any(variant in text for variant in _variants(name))


def _match(text: str, area: Area) -> bool | None:
    """True: certain match; False: only the most specific part matched; None: no match."""
    parts = [part for part in (area.province, area.city, area.district) if part.strip()]
    if not parts or not _mentions(text, parts[-1]):
        return None
    # A district name alone is ambiguous (many cities have a Gulou District): say so.
    if area.district.strip() and area.city.strip() and not _mentions(text, area.city):
        return False
    return True


def area_keywords(area: Area) -> list[str]:
    """The words a place must contain to fall in the area (its most specific name), for a
    database pre-filter before `match_areas` decides."""
    parts = [part for part in (area.province, area.city, area.district) if part.strip()]
    return _variants(parts[-1]) if parts else []


def match_areas(place_text: str, areas: tuple[Area, ...] | list[Area], place: str) -> list[AreaMatch]:
    text = _norm(place_text)
    if not text:
        return []
    found = []
    for area in areas:
        result = _match(text, area)
        if result is not None:
            found.append(AreaMatch(area, place, result))
    return found


# ---------------------------------------------------------------------------------------
# The verdict


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
    travel_area: str = ""  # the place the person named, free text
    home: str = ""  # where the person lives: province, city, district
    risk_areas: tuple[Area, ...] = ()  # the areas in force during the past 14 days


@dataclass(frozen=True)
class Verdict:
    colour: Colour
    fired: tuple[Rule, ...] = ()
    days: int = 0
    manual_review: bool = False
    manual_reasons: tuple[Promise, ...] = field(default=())
    areas: tuple[AreaMatch, ...] = ()  # the risk areas the declared places fall in
    suggested: Colour | None = None  # for a manual review: what the rules that fired would give

    @property
    def rule_codes(self) -> list[str]:
        return [rule.code for rule in self.fired]

    @property
    def area_level(self) -> str:
        """The highest risk level of an area the declared places certainly fall in."""
        levels = [m.area.level for m in self.areas if m.certain]
        return max(levels, key=LEVEL_RANK.__getitem__) if levels else "none"


def _has_fever_or_respiratory(facts: Facts) -> bool:
    feverish = facts.temperature is not None and facts.temperature >= FEVER_THRESHOLD
    return feverish or "fever" in facts.symptoms or bool(facts.symptoms & RESPIRATORY)


def _inconsistencies(facts: Facts, uncertain: list[AreaMatch], travel_level: str) -> list[Promise]:
    reasons: list[Promise] = []
    if "none" in facts.symptoms and len(facts.symptoms) > 1:
        reasons.append(_("“No symptoms” was ticked together with symptoms."))
    if facts.temperature is not None and facts.temperature >= INCONSISTENT_FEVER and "fever" not in facts.symptoms:
        reasons.append(_("A temperature of 38.5 °C or more was declared without fever."))
    if any(LEVEL_RANK[m.area.level] > LEVEL_RANK[travel_level] for m in uncertain):
        reasons.append(_("The area named may be a medium- or high-risk district, but its city was not given."))
    return reasons


def _highest(levels: list[str]) -> str:
    return max(levels, key=LEVEL_RANK.__getitem__) if levels else "none"


def _colour_of(fired: list[Rule]) -> tuple[Colour, int]:
    if not fired:
        return Colour.GREEN, 0
    colour = max((rule.colour for rule in fired), key=SEVERITY.__getitem__)
    return colour, max(rule.days for rule in fired if rule.colour == colour)


def evaluate(facts: Facts) -> Verdict:
    matches = match_areas(facts.travel_area, facts.risk_areas, "travel") + match_areas(
        facts.home, facts.risk_areas, "home"
    )
    certain = [m for m in matches if m.certain and LEVEL_RANK[m.area.level] >= LEVEL_RANK["medium"]]
    uncertain = [m for m in matches if not m.certain and LEVEL_RANK[m.area.level] >= LEVEL_RANK["medium"]]
    # The declared answer and the published list: the more severe counts.
    travel_level = _highest([facts.travel, *(m.area.level for m in certain if m.place == "travel")])
    home_level = _highest([m.area.level for m in certain if m.place == "home"])

    fired: list[Rule] = []
    if facts.case_status in ("confirmed", "suspected"):
        fired.append(R_CASE)
    if facts.case_status == "close_contact" or facts.contact == "yes":
        fired.append(R_CLOSE_CONTACT)
    fever = _has_fever_or_respiratory(facts)
    if fever and "high" in (travel_level, home_level):
        fired.append(R_FEVER_HIGH_RISK)
    if travel_level in ("medium", "high"):
        fired.append(R_TRAVEL)
    if home_level in ("medium", "high"):
        fired.append(R_RESIDENCE)
    if fever:
        fired.append(R_FEVER)
    if facts.contact == "unsure":
        fired.append(R_CONTACT_UNSURE)
    if facts.medicine_purchase:
        fired.append(R_MEDICINE)
    if facts.companion:
        fired.append(R_COMPANION)

    colour, days = _colour_of(fired)
    areas = tuple(certain + uncertain)
    manual = _inconsistencies(facts, uncertain, travel_level)
    if manual and facts.case_status == "none":
        # Do not guess: a person decides. The rules that fired are kept for them to read.
        return Verdict(Colour.PENDING, tuple(fired), 0, True, tuple(manual), areas, suggested=colour)
    return Verdict(colour, tuple(fired), days, areas=areas, suggested=colour)


def only(verdict: Verdict, codes: frozenset[str]) -> Verdict:
    """The verdict restricted to some rules (e.g. AREA_RULES when an area is raised later)."""
    fired = [rule for rule in verdict.fired if rule.code in codes]
    colour, days = _colour_of(fired)
    return Verdict(colour, tuple(fired), days, areas=verdict.areas, suggested=colour)


# ---------------------------------------------------------------------------------------
# Daily check-ins


def checkin_is_normal(temperature: Decimal, symptoms: frozenset[str] | set[str] | list[str]) -> bool:
    """Normal: below 37.3 °C, and no fever or respiratory symptom."""
    return not _has_fever_or_respiratory(Facts(temperature=temperature, symptoms=frozenset(symptoms)))


def escalate(colour: Colour | str) -> Colour:
    """One step more restrictive: green → yellow → red (red stays red)."""
    return {Colour.GREEN: Colour.YELLOW, Colour.YELLOW: Colour.RED}.get(Colour(colour), Colour.RED)


def checkin_verdict(colour: Colour | str, temperature: Decimal, symptoms: frozenset[str] | set[str]) -> Verdict | None:
    """None for a normal check-in; otherwise the escalated colour and the rule that says why.
    A pending code (not reviewed yet) is left to its review."""
    if checkin_is_normal(temperature, symptoms) or colour == Colour.PENDING:
        return None
    to = escalate(colour)
    rule = R_CHECKIN_ESCALATED if colour in (Colour.YELLOW, Colour.RED) else R_CHECKIN_ABNORMAL
    return Verdict(to, (rule,), rule.days, suggested=to)


def served_streak(normal_by_day: Mapping[date, bool], first_day: date, today: date, *, day_over: bool = False) -> int:
    """Consecutive normal check-ins counted towards green, ending `today`. While the day is not
    over, a missing check-in today does not break the count yet (it ends yesterday); once it
    is over (`day_over`, the daily task), it does. Days before `first_day` (the day after the
    colour began) do not count; a missed day or an abnormal check-in restarts the count."""
    day = today
    if day not in normal_by_day and not day_over:
        day -= timedelta(days=1)
    count = 0
    while day >= first_day and normal_by_day.get(day):
        count += 1
        day -= timedelta(days=1)
    return count


def checkins_left(needed: int, done: int, next_day: date, until_day: date | None) -> int:
    """Normal check-ins still to do before the code turns green, from `next_day` (the next one
    that counts): those the count lacks, or, while the colour's minimum duration runs on
    (`until_day`, a later reason of the same colour extends it), those of its last `needed`
    days: the code turns green only once it is over, after `needed` normal days in a row that
    end with it (a day missed before then restarts the count; days before those do not count)."""
    left = max(needed - done, 0)
    if needed and until_day is not None:
        left = max(left, min(needed, (until_day - next_day).days + 1))
    return left


def checkins_needed(colour: Colour | str) -> int:
    """How many consecutive normal check-ins turn this colour green (0: nothing to serve)."""
    return CHECKINS_TO_GREEN.get(colour, 0)


def lowers(current: Colour | str, to: Colour | str) -> bool:
    """Whether going from `current` to `to` makes a code less restrictive (needs four eyes when
    a reviewer does it). Leaving "under review" is not lowering."""
    if current == Colour.PENDING:
        return False
    return SEVERITY[Colour(to)] < SEVERITY[Colour(current)]
