"""Statuses the dashboard shows for a training at a given day (rules.md §5), with the days left.

The correction path (rules.md §5, « Rectification »): on the employer's request the OF corrects its
declaration; « à défaut, l'employeur déclare en carence dans le délai de 9 mois suivant l'expiration du délai
de l'OF ». A request counts from its business day (the dashboard's day when it was made, actions.effective_on).
It is answered (« corrigée par l'OF ») when an OF file received after that day (or on it, and imported after the
request) changes the line — any change (lib/sql/last_decisions.sql): the OF has acted on it, and the line shows
its remaining discrepancies, which the employer may contest again (a new request starts the path again from its
own day). A file received before the request answers nothing, whenever it is loaded. A request not answered
becomes a carence to declare (« correction non faite ») from the day the carence window opens, or from the
request if it came later; it is due at the carence deadline, EOM(OF deadline + carence months), and the carence
file declares the employer's own values (its record matched to the line: the values its request asked for).
A line matched to no record cannot be declared in carence: the Carence page says so.

Scope per declarant: a carence declaration is the employer's, so the employer's scope applies to it
(categories 3–4 only from `employer_full_scope_from`), as for its internal declarations; before that date a
category 3–4 training the OF failed to declare is « non obligatoire (catégorie 3–4 avant le … pour
l'employeur) ». The OF's own scope (`of_full_scope_from`) still decides whether the OF had to declare it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from lib.rules import LATE_SCOPE_CATEGORIES, Deadlines, RuleSet, format_date

VerificationAction = Literal["accepted", "correction_requested"]

# Codes are stable identifiers (filters, SQL); labels are the French words of rules.md §5. A label with a
# {placeholder} is completed with a date (see `label_of`).
VERIFICATION_LABELS: dict[str, str] = {
    "verified": "vérifiée",
    "correction_requested": "correction demandée",
    "correction_not_made": "correction non faite",
    "correction_not_made_overdue": "correction non faite — carence en retard",
    "corrected_by_of": "corrigée par l'OF",
    "declared_in_carence": "déclarée en carence",
    "to_verify": "à vérifier",
    "deemed_verified": "réputée vérifiée",
    "closed_before_employer_space": "délai clos avant l'ouverture de l'espace employeur",
}
EXPECTED_LABELS: dict[str, str] = {
    "declared_by_of": "déclarée par l'OF",
    "corrected_by_of": "corrigée par l'OF",
    "declared_in_carence": "déclarée en carence",
    "not_mandatory": "non obligatoire",
    "outside_employer_scope": "non obligatoire (catégorie 3–4 avant le {scope_from} pour l'employeur)",
    "awaiting_of": "en attente de l'OF",
    "of_late": "OF en retard — carence possible à partir du {opens_on}",
    "correction_requested": "correction demandée",
    "correction_not_made": "correction non faite",
    "correction_not_made_overdue": "correction non faite — carence en retard",
    "carence_due": "carence à déclarer",
    "carence_overdue": "carence en retard",
}
INTERNAL_LABELS: dict[str, str] = {
    "declared": "déclarée",
    "not_mandatory": "non obligatoire",
    "to_declare": "à déclarer",
    "overdue": "en retard",
}
VALIDITY_LABELS: dict[str, str] = {
    "no_expiry": "sans échéance",
    "expired": "expirée",
    "expiring_soon": "expire bientôt",
    "valid": "valide",
}
DEFAULT_HORIZON_DAYS = 90

# What the employer must still act on: the one definition the store, the screens and the report share.
CARENCE_TO_DECLARE: tuple[str, ...] = (
    "carence_due",
    "carence_overdue",
    "correction_not_made",
    "correction_not_made_overdue",
)
CORRECTION_NOT_MADE: tuple[str, ...] = ("correction_not_made", "correction_not_made_overdue")
"""A correction asked and not made: a carence to declare with the employer's own values (its record)."""
STILL_WITH_THE_OF: tuple[str, ...] = ("awaiting_of", "of_late", "correction_requested")
"""Expected trainings the OF can still declare or correct before the carence window opens."""
DECLARED_BY_THE_OF: tuple[str, ...] = ("declared_by_of", "corrected_by_of")
"""Expected trainings an OF has declared and nothing is owed on: a carence file must not declare them again."""
INTERNAL_TO_DECLARE: tuple[str, ...] = ("to_declare", "overdue")


@dataclass(frozen=True)
class Status:
    """A status: stable code, French label, the date it is counted against and the days left until it.

    `days_left` is `due_on - today` in days: 0 on the last valid day, negative once it has passed.
    """

    code: str
    label: str
    due_on: date | None
    days_left: int | None


def label_of(labels: dict[str, str], code: str, *, opens_on: date | None = None, scope_from: date | None = None) -> str:
    """The French label of a code, its {placeholders} completed with dates written jj/mm/aaaa."""
    template = labels[code]
    if "{" not in template:
        return template
    return template.format(
        opens_on=format_date(opens_on) if opens_on else "?",
        scope_from=format_date(scope_from) if scope_from else "?",
    )


def _status(labels: dict[str, str], code: str, due_on: date | None, today: date, **dates: date | None) -> Status:
    days_left = None if due_on is None else (due_on - today).days
    return Status(code=code, label=label_of(labels, code, **dates), due_on=due_on, days_left=days_left)


def employer_scope_from(rules: RuleSet, reference: date, category: int | None) -> date | None:
    """The date from which the employer declares this training's category, when it is after R; else None.

    Categories 3–4 come into the employer's scope at `employer_full_scope_from`; a NULL category counts as
    in scope (the cautious choice, flagged elsewhere).
    """
    if category in LATE_SCOPE_CATEGORIES and reference < rules.employer_full_scope_from:
        return rules.employer_full_scope_from
    return None


def correction_window_opens(carence_opens_on: date, requested_on: date) -> date:
    """The first day a correction asked and not made can be declared in carence: the carence window's
    opening, or the request's day when it came later (max(OF deadline + 1, carence_start, request))."""
    return max(carence_opens_on, requested_on)


def verification_status(
    d: Deadlines,
    *,
    last_action: VerificationAction | None,
    today: date,
    employer_space_opens: date | None = None,
    requested_on: date | None = None,
    correction_answered: bool = False,
    declared_in_carence: bool = False,
    scope_from: date | None = None,
) -> Status:
    """An OF declaration made for the employer (see `verification_status_at`), from its deadlines.

    `employer_space_opens` is the rule set's `employer_obligation_start` (the employer space's opening);
    `scope_from` as in `expected_status`: no carence is owed outside the employer's scope.
    """
    owed = scope_from is None
    return verification_status_at(
        d.verification_deadline,
        last_action=last_action,
        today=today,
        closed_before_employer_space=employer_space_opens is not None
        and d.verification_deadline < employer_space_opens,
        requested_on=requested_on,
        correction_answered=correction_answered,
        carence_opens_on=d.carence_opens_on if owed else None,
        carence_deadline=d.carence_deadline if owed else None,
        declared_in_carence=declared_in_carence,
    )


def verification_status_at(
    deadline: date,
    *,
    last_action: VerificationAction | None,
    today: date,
    closed_before_employer_space: bool = False,
    requested_on: date | None = None,
    correction_answered: bool = False,
    carence_opens_on: date | None = None,
    carence_deadline: date | None = None,
    declared_in_carence: bool = False,
) -> Status:
    """An OF line: « vérifiée », the correction path, « à vérifier » until the verification deadline
    (inclusive), then « réputée vérifiée » (décret 2022-1712, art. 7-I) — or « délai clos avant l'ouverture de
    l'espace employeur » when that deadline passed before the employer could act at all.

    A correction asked: « corrigée par l'OF » once answered; « déclarée en carence » once the employer's
    carence file is deposited; else « correction demandée » (due at the carence deadline, none when no carence
    is owed: `carence_opens_on`/`carence_deadline` None) until the window opens at max(carence opening,
    request day), then « correction non faite », « … — carence en retard » after the carence deadline.
    """
    if last_action == "accepted":
        return _status(VERIFICATION_LABELS, "verified", None, today)
    if last_action == "correction_requested":
        return _correction_status(
            VERIFICATION_LABELS,
            today=today,
            requested_on=requested_on,
            correction_answered=correction_answered,
            declared_in_carence=declared_in_carence,
            carence_opens_on=carence_opens_on,
            carence_deadline=carence_deadline,
        )
    if today <= deadline:
        return _status(VERIFICATION_LABELS, "to_verify", deadline, today)
    if closed_before_employer_space:
        return _status(VERIFICATION_LABELS, "closed_before_employer_space", None, today)
    return _status(VERIFICATION_LABELS, "deemed_verified", None, today)


def _correction_status(
    labels: dict[str, str],
    *,
    today: date,
    requested_on: date | None,
    correction_answered: bool,
    declared_in_carence: bool,
    carence_opens_on: date | None,
    carence_deadline: date | None,
) -> Status:
    if correction_answered:
        return _status(labels, "corrected_by_of", None, today)
    if declared_in_carence:
        return _status(labels, "declared_in_carence", None, today)
    if carence_opens_on is None or carence_deadline is None:
        return _status(labels, "correction_requested", None, today)
    opens = carence_opens_on if requested_on is None else correction_window_opens(carence_opens_on, requested_on)
    if today < opens:
        return _status(labels, "correction_requested", carence_deadline, today)
    if today <= carence_deadline:
        return _status(labels, "correction_not_made", carence_deadline, today)
    return _status(labels, "correction_not_made_overdue", carence_deadline, today)


def expected_status(
    d: Deadlines,
    *,
    declared_by_of: bool,
    declared_in_carence: bool,
    today: date,
    scope_from: date | None = None,
    correction_requested_on: date | None = None,
    correction_answered: bool = False,
) -> Status:
    """A training the employer bought from an OF and expects it to declare.

    `scope_from` is `employer_scope_from(rules, R, category)`: set when the training's category is not yet
    in the employer's scope, so that no carence is owed. `correction_requested_on` is set when the OF line
    matched to it carries an unanswered or answered correction request (`correction_answered`).

    Order: a matched line with a correction asked follows the correction path (module doc); otherwise
    « déclarée par l'OF »; « déclarée en carence »; « non obligatoire » when the OF did not have to declare
    it; « en attente de l'OF » until the OF deadline (inclusive); « non obligatoire (catégorie 3–4 avant le …
    pour l'employeur) » when the carence is outside the employer's scope; « OF en retard — carence possible à
    partir du … » until the carence window opens; « carence à déclarer » until the carence deadline
    (inclusive); then « carence en retard ».
    """
    if declared_by_of and correction_requested_on is not None:
        if correction_answered:
            return _status(EXPECTED_LABELS, "corrected_by_of", None, today)
        if not declared_in_carence and d.of_mandatory and scope_from is not None:
            return _status(EXPECTED_LABELS, "outside_employer_scope", None, today, scope_from=scope_from)
        return _correction_status(
            EXPECTED_LABELS,
            today=today,
            requested_on=correction_requested_on,
            correction_answered=False,
            declared_in_carence=declared_in_carence,
            carence_opens_on=d.carence_opens_on,
            carence_deadline=d.carence_deadline,
        )
    if declared_by_of:
        return _status(EXPECTED_LABELS, "declared_by_of", None, today)
    if declared_in_carence:
        return _status(EXPECTED_LABELS, "declared_in_carence", None, today)
    if not d.of_mandatory or d.carence_opens_on is None or d.carence_deadline is None:
        return _status(EXPECTED_LABELS, "not_mandatory", None, today)
    if today <= d.of_deadline:
        return _status(EXPECTED_LABELS, "awaiting_of", d.of_deadline, today)
    if scope_from is not None:
        return _status(EXPECTED_LABELS, "outside_employer_scope", None, today, scope_from=scope_from)
    if today < d.carence_opens_on:
        return _status(EXPECTED_LABELS, "of_late", d.carence_opens_on, today, opens_on=d.carence_opens_on)
    if today <= d.carence_deadline:
        return _status(EXPECTED_LABELS, "carence_due", d.carence_deadline, today)
    return _status(EXPECTED_LABELS, "carence_overdue", d.carence_deadline, today)


def internal_status(d: Deadlines, *, declared: bool, today: date) -> Status:
    """A training the employer delivered itself: « à déclarer » until the internal deadline (inclusive),
    then « en retard »; « non obligatoire » before the employer's obligation or scope dates."""
    if declared:
        return _status(INTERNAL_LABELS, "declared", None, today)
    if not d.internal_mandatory:
        return _status(INTERNAL_LABELS, "not_mandatory", None, today)
    if today <= d.internal_deadline:
        return _status(INTERNAL_LABELS, "to_declare", d.internal_deadline, today)
    return _status(INTERNAL_LABELS, "overdue", d.internal_deadline, today)


def validity_code(days_left: int | None, *, horizon_days: int = DEFAULT_HORIZON_DAYS) -> str:
    """The validity code of a training from its days left until its validity end (None: no end): valid through
    its end date (inclusive); « expire bientôt » when it ends within the horizon."""
    if days_left is None:
        return "no_expiry"
    if days_left < 0:
        return "expired"
    if days_left <= horizon_days:
        return "expiring_soon"
    return "valid"


def validity_status(validity_end: date | None, *, today: date, horizon_days: int = DEFAULT_HORIZON_DAYS) -> Status:
    """The validity of a training: valid through its end date (inclusive); « expire bientôt » when it ends
    within `horizon_days` days (the end day itself included), « expirée » from the day after."""
    days_left = None if validity_end is None else (validity_end - today).days
    return _status(VALIDITY_LABELS, validity_code(days_left, horizon_days=horizon_days), validity_end, today)
