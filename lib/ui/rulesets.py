"""What the pages say about the rules: the banner of the rule set in force, a deadline's explanation, the
reference caption and the table of a rule set's parameters."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from lib import settings
from lib.rules import USER_SETTING_CERTAINTY as USER_SETTING
from lib.rules import RuleSet, load_rule_set
from lib.store import default_db_path
from lib.ui.cache import active_rules, stored_settings, today
from lib.ui.text import fr_date

_EXPLAINED = {
    "reference_date": "Date de référence",
    "quarter_end": "Fin du trimestre",
    "of_deadline": "Échéance de l'organisme",
    "verification_deadline": "Échéance de vérification",
    "deemed_verified_on": "Réputée vérifiée le",
    "internal_deadline": "Échéance de déclaration interne",
    "carence_opens_on": "Ouverture de la carence",
    "carence_deadline": "Fin de la carence",
    "of_mandatory": "Déclaration de l'OF",
    "internal_mandatory": "Déclaration interne",
    "rule_set": "Règles",
}


def rule_set_banner() -> None:
    """On every page: which rule set computes the dates, when it is less certain than the official text."""
    if not default_db_path().exists():
        rule_set = load_rule_set(settings.active_rule_set_name(None))
    else:
        rule_set = active_rules()
    if rule_set.is_official:
        return
    changed = [RULE_PARAMETER_LABELS.get(k, k) for k, s in rule_set.sources.items() if s.certainty == USER_SETTING]
    text = f"Échéances calculées selon **{rule_set.title}** — certitude : *{rule_set.certainty}*."
    if rule_set.other_readings or rule_set.internal_windows:
        text += (
            " Où deux déclarations officielles divergent, la plus tardive est retenue ; l'autre lecture est "
            "donnée dans l'explication des dates, et Paramètres liste les lignes qu'un autre jeu de règles changerait."
        )
    if changed:
        text += f" Dates modifiées dans vos réglages : {', '.join(changed)}."
    st.warning(text, icon=":material/gavel:")


def reference_caption() -> None:
    """A line saying which day and which rule set the statuses are computed for."""
    rules = active_rules()
    day = today()
    is_fixed = bool(stored_settings().get_setting("reference_date"))
    st.caption(
        f"Statuts calculés au **{fr_date(day)}**{' (date de référence fixée dans les paramètres)' if is_fixed else ''}"
        f" — règles : {rules.title} ({rules.certainty})."
    )


RULE_PARAMETER_LABELS = {
    "of_months": "Délai de l'OF (mois après la fin du trimestre)",
    "employer_months": "Délai de l'employeur : vérification et déclaration interne (mois)",
    "extension_months": "Prorogation transitoire (mois)",
    "extension_until": "Prorogation pour les dates de référence jusqu'au",
    "carence_months": "Fenêtre de carence (mois après l'échéance de l'OF)",
    "carence_start": "Déclaration en carence possible à partir du",
    "of_obligation_start": "Obligation de déclaration des OF à partir du",
    "employer_obligation_start": "Obligation de déclaration de l'employeur à partir du",
    "of_full_scope_from": "Catégories 3 et 4 pour les OF à partir du",
    "employer_full_scope_from": "Catégories 3 et 4 pour l'employeur à partir du",
}


def rule_parameters(rule_set: RuleSet) -> pd.DataFrame:
    """Every parameter of a rule set with its value (dates jj/mm/aaaa), source and certainty."""
    rows = []
    for key, label in RULE_PARAMETER_LABELS.items():
        value = getattr(rule_set, key)
        source = rule_set.sources.get(key)
        shown = fr_date(value) if isinstance(value, date) else f"{value} mois"
        other = rule_set.other_readings.get(key)
        if other is not None:
            other_shown = fr_date(other.value) if isinstance(other.value, date) else f"{other.value} mois"
            shown += f" (autre lecture : {other_shown})"
        rows.append(
            {
                "Paramètre": label,
                "Valeur": shown,
                "Source": source.reference if source else "",
                "Certitude": source.certainty if source else "",
                "Texte": source.text if source else "",
            }
        )
    for window in rule_set.fixed_windows:
        rows.append(
            {
                "Paramètre": f"Formations du {fr_date(window.start)} au {fr_date(window.end)}",
                "Valeur": (
                    f"OF : {fr_date(window.of_deadline)} ; vérification : {fr_date(window.verification_deadline)}"
                ),
                "Source": window.source.reference,
                "Certitude": window.source.certainty,
                "Texte": window.source.text,
            }
        )
    for internal in rule_set.internal_windows:
        rows.append(
            {
                "Paramètre": f"Formations internes du {fr_date(internal.start)} au {fr_date(internal.end)}",
                "Valeur": f"déclaration interne : {fr_date(internal.internal_deadline)} (autre lecture : "
                f"{internal.other_reading})",
                "Source": internal.source.reference,
                "Certitude": internal.source.certainty,
                "Texte": internal.source.text,
            }
        )
    return pd.DataFrame(rows)
