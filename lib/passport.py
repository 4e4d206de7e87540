"""What the Salarié and Échéances pages say about one training, in plain French: the days left of a validity,
and « D'où viennent ces échéances ? » — what there is to do and by when, the validity end and where it comes
from, then how each deadline that applies to the training was reached (pure: no streamlit, no duckdb)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from lib.rules import Deadlines, format_date
from lib.statuses import VALIDITY_LABELS


def days_left_text(days_left: int | None) -> str:
    """« dans 12 j », « aujourd'hui », « expirée depuis 228 j » (never « -228 j »); '' without an end date."""
    if days_left is None:
        return ""
    if days_left < 0:
        return f"expirée depuis {-days_left} j"
    if days_left == 0:
        return "dernier jour aujourd'hui"
    return f"dans {days_left} j"


def validity_state_text(label: str, *, is_latest: bool) -> str:
    """A training's validity state (its label, lib/statuses.py) as the passport reads it: an expired session that a
    later one of the same family renews (a MAC SST after the SST) is history, « expirée, renouvelée », not something
    left to renew."""
    return f"{label}, renouvelée" if label == VALIDITY_LABELS["expired"] and not is_latest else label


VALIDITY_SOURCES = {
    "SIRH": "la date de fin de validité de votre fichier de formations (SIRH)",
    "déclaration OF": "la date de fin de validité déclarée par l'organisme de formation sur le portail",
    "recommandation": "la durée usuelle de cette formation, appliquée dans Paramètres : une recommandation, "
    "pas une obligation légale",
}
"""Where a validity end comes from (column validity_source of the validities list)."""


@dataclass(frozen=True)
class TrainingFacts:
    """One training of a person as the passport shows it: its validity and the state of its declaration."""

    title: str
    end_date: date
    is_internal: bool
    is_latest: bool
    validity_end: date | None
    validity_source: str | None
    declaration_status: str = ""
    """Status code of its line in expected_trainings / internal_trainings ('' when it has none)."""
    declaration_label: str = ""
    declaration_due_on: date | None = None
    declared_by: str = ""


_DONE = ("declared_by_of", "corrected_by_of", "declared_in_carence", "declared")
_NOT_MANDATORY = ("not_mandatory", "outside_employer_scope")
_CARENCE = ("carence_due", "correction_not_made")
_CARENCE_LATE = ("carence_overdue", "correction_not_made_overdue")


def declaration_todo(facts: TrainingFacts) -> str:
    """The sentence saying what the employer must do about the training's declaration, and by when."""
    status, label, due = facts.declaration_status, facts.declaration_label, facts.declaration_due_on
    by = f" au plus tard le {format_date(due)}" if due else ""
    if not status:
        return ""
    if status in _DONE:
        who = f" ({facts.declared_by})" if facts.declared_by else ""
        return f"Rien à déclarer : la formation est déjà déclarée{who}."
    if status == "not_mandatory":
        return "Rien à déclarer : la déclaration de cette formation n'est pas obligatoire."
    if status in _NOT_MANDATORY:
        return f"Rien à déclarer : {label}."
    if status == "awaiting_of":
        return f"Rien à faire pour l'instant : l'organisme de formation doit la déclarer{by}."
    if status == "of_late":
        return f"L'organisme n'a pas déclaré la formation à temps : {label}."
    if status in _CARENCE:
        return f"Déclarer la formation en carence sur le portail{by}."
    late = f" : l'échéance du {format_date(due)} est passée" if due else " : l'échéance est passée"
    if status in _CARENCE_LATE:
        return f"Déclarer la formation en carence au plus vite{late}."
    if status == "correction_requested":
        return f"Attendre la correction demandée à l'organisme ; sinon déclarer en carence{by}."
    if status == "to_declare":
        return f"Déclarer la formation interne sur le portail{by}."
    if status == "overdue":
        return f"Déclarer la formation interne au plus vite{late}."
    return f"Déclaration : {label}{by}."


def renewal_todo(facts: TrainingFacts, today: date) -> str:
    """The sentence saying whether the person must take the training again, and by when."""
    if facts.validity_end is None:
        return "Aucune date de fin de validité connue : rien à renouveler."
    if not facts.is_latest:
        return "Une session plus récente de cette formation la remplace : rien à renouveler pour celle-ci."
    days = (facts.validity_end - today).days
    end = format_date(facts.validity_end)
    if days < 0:
        return f"Refaire la formation : sa validité a pris fin le {end} ({days_left_text(days)})."
    return f"Refaire la formation avant la fin de sa validité, le {end} ({days_left_text(days)})."


def validity_origin(facts: TrainingFacts) -> str:
    """The validity end and where it comes from."""
    if facts.validity_end is None:
        return "aucune : ni votre fichier de formations ni l'organisme n'indiquent de fin de validité."
    source = VALIDITY_SOURCES.get(facts.validity_source or "", "")
    return f"jusqu'au {format_date(facts.validity_end)}" + (f", d'après {source}." if source else ".")


_OF_DEADLINES = {
    "of_deadline": "Échéance de l'organisme",
    "verification_deadline": "Échéance de vérification",
    "deemed_verified_on": "Réputée vérifiée le",
    "carence_opens_on": "Ouverture de la carence",
    "carence_deadline": "Fin de la carence",
}
_INTERNAL_DEADLINES = {"internal_deadline": "Échéance de déclaration interne"}
_REFERENCE = {"reference_date": "Date de référence", "quarter_end": "Fin du trimestre"}


def applicable_deadlines(facts: TrainingFacts, deadlines: Deadlines) -> dict[str, str]:
    """The deadlines that apply to the training (key → French label), in the order they fall: an OF's
    training has the OF's, the verification's and the carence's; an internal one its declaration's; a training
    whose declaration is not mandatory has none."""
    if facts.is_internal:
        return dict(_INTERNAL_DEADLINES) if deadlines.internal_mandatory else {}
    return dict(_OF_DEADLINES) if deadlines.of_mandatory else {}


def deadline_story(facts: TrainingFacts, deadlines: Deadlines, explanations: Mapping[str, str], today: date) -> str:
    """« D'où viennent ces échéances ? » for one training (Markdown): what to do and by when first, then the
    validity end and its source, then how each deadline that applies was reached (`explanations`: the rules'
    explanation of each deadline, with the other rule set's date where it differs)."""
    todo = [t for t in (declaration_todo(facts), renewal_todo(facts, today)) if t]
    lines = ["**À faire**", *(f"- {t}" for t in todo), "", f"**Validité** : {validity_origin(facts)}", ""]
    applicable = applicable_deadlines(facts, deadlines)
    mandatory_key = "internal_mandatory" if facts.is_internal else "of_mandatory"
    who = "Déclaration interne" if facts.is_internal else "Déclaration de l'OF"
    if not applicable:
        lines.append(
            f"**{who}** — {explanations.get(mandatory_key, 'non obligatoire')} : aucune échéance ne s'applique."
        )
    else:
        lines.append("**Comment les échéances sont calculées**")
        shown = {**_REFERENCE, mandatory_key: who, **applicable}
        lines.extend(f"- **{label}** — {explanations[key]}" for key, label in shown.items() if key in explanations)
    if "rule_set" in explanations:
        lines += ["", f"Règles : {explanations['rule_set']}."]
    return "\n".join(lines)
