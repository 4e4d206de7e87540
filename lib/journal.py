"""The Journal in French: setting keys, stored statuses and ISO dates of the audit rows, named for a person."""

from __future__ import annotations

import re
from datetime import date

import pandas as pd

from lib.settings import CATALOGUE_SETTING, HORIZON_KEY, RULE_SET_KEY, TOLERANCE_KEY

SETTING_PREFIX = "Paramètre modifié : "

SETTING_LABELS = {
    "reference_date": "date de référence",
    RULE_SET_KEY: "jeu de règles actif",
    HORIZON_KEY: "horizon « expire bientôt » (jours)",
    TOLERANCE_KEY: "tolérance de rapprochement (jours)",
    CATALOGUE_SETTING: "catalogue des codes de formation",
    "employer_name": "nom de l'employeur",
    "retention_months": "durée de conservation (mois)",
    "last_report_on": "date du dernier rapport hebdomadaire",
    "reminder_hr_emails": "adresses RH des rappels",
    "reminder_thresholds": "seuils des rappels (jours)",
    "reminder_base_url": "adresse du tableau de bord dans les rappels",
    "override.extension_until": "prorogation pour les dates de référence jusqu'au",
    "override.of_full_scope_from": "catégories 3 et 4 pour les OF à partir du",
    "override.employer_full_scope_from": "catégories 3 et 4 pour l'employeur à partir du",
}
"""Every setting key the application writes (lib.settings, lib.reminders, views/parametres.py, the report command):
tests/test_journal.py finds each key constant and each literal key written and checks it is here."""

_EMPTY_SETTING = {"reference_date": "date du jour"}
_STATUS_LABELS = {"generated": "généré", "deposited": "déposé", "undone": "annulé"}
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_STORED_STATUS = re.compile(r"statut précédent : (generated|deposited|undone)\b")


def setting_label(key: str) -> str:
    """The French name of a setting key; an unknown key (a future setting) is shown as it is."""
    return SETTING_LABELS.get(key, key)


def setting_value(key: str, value: str) -> str:
    """A setting value as a person reads it: ISO dates as jj/mm/aaaa, an empty value as what it means."""
    if not value:
        return _EMPTY_SETTING.get(key, "valeur par défaut")
    if "\n" in value:  # a list, one item a line (the HR addresses)
        return ", ".join(line.strip() for line in value.splitlines() if line.strip())
    if _ISO_DAY.match(value):
        try:
            return f"{date.fromisoformat(value):%d/%m/%Y}"
        except ValueError:
            return value
    return value


def in_french(journal: pd.DataFrame) -> pd.DataFrame:
    """The audit_log rows (happened_at, who, kind, what, detail) with French names for what a person reads: setting
    keys and their values, export statuses; empty cells stay empty (never « None »). The technical `kind` goes."""
    out = journal.drop(columns=["kind"], errors="ignore").copy()
    what = out["what"].fillna("").astype(str)
    detail = out["detail"].fillna("").astype(str)
    is_setting = what.str.startswith(SETTING_PREFIX)
    keys = what[is_setting].str.slice(len(SETTING_PREFIX))
    out["what"] = what.where(~is_setting, SETTING_PREFIX + keys.map(setting_label))
    values = pd.Series(
        [setting_value(k, v) for k, v in zip(keys, detail[is_setting], strict=True)], index=keys.index, dtype=object
    )
    out["detail"] = detail.where(~is_setting, values).str.replace(
        _STORED_STATUS, lambda m: f"statut précédent : {_STATUS_LABELS[m.group(1)]}", regex=True
    )
    out["who"] = out["who"].fillna("")
    return out
