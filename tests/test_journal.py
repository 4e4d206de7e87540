"""The Journal reads in French: setting keys, stored statuses and dates named for a person, never « None »."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pandas as pd

from lib import journal, settings
from lib.store import Store


def test_setting_keys_values_and_stored_statuses_are_named_in_french() -> None:
    rows = pd.DataFrame(
        {
            "happened_at": pd.date_range("2026-11-23 10:00", periods=4, freq="min"),
            "who": ["marie", "marie", None, "marie"],
            "kind": ["settings", "settings", "export", "settings"],
            "what": [
                "Paramètre modifié : reference_date",
                "Paramètre modifié : reference_date",
                "Fichier n° 3 écarté ou dépôt annulé",
                "Paramètre modifié : rule_set",
            ],
            "detail": ["2026-11-23", "", "statut précédent : deposited", "decret-2025-748"],
        }
    )
    shown = journal.in_french(rows)
    assert list(shown.columns) == ["happened_at", "who", "what", "detail"]
    assert list(shown["what"]) == [
        "Paramètre modifié : date de référence",
        "Paramètre modifié : date de référence",
        "Fichier n° 3 écarté ou dépôt annulé",
        "Paramètre modifié : jeu de règles actif",
    ]
    assert list(shown["detail"]) == ["23/11/2026", "date du jour", "statut précédent : déposé", "decret-2025-748"]
    assert list(shown["who"]) == ["marie", "marie", "", "marie"]


def test_every_setting_the_application_writes_has_a_french_name() -> None:
    root = Path(__file__).resolve().parents[1]
    written: set[str] = set()
    for path in [*root.glob("views/*.py"), *root.glob("lib/**/*.py"), root / "app.py"]:
        text = path.read_text(encoding="utf-8")
        # A key's constant (RULE_SET_KEY = "rule_set", LAST_REPORT_SETTING = …) and a key written as it is.
        written |= set(re.findall(r'^[A-Z_]*(?:_KEY|_SETTING)\b[^=\n]*= *"([^"]+)"', text, flags=re.MULTILINE))
        written |= set(re.findall(r'set_setting\(\s*"([^"]+)"', text))
        written |= {f"override.{k}" for k in re.findall(r'"(\w+)"', text) if f"override.{k}" in journal.SETTING_LABELS}
    assert {"reference_date", "retention_months", "rule_set", "reminder_hr_emails", "last_report_on"} <= written
    assert sorted(written - set(journal.SETTING_LABELS)) == []
    for key in written:
        assert journal.setting_label(key) != key


def test_a_list_setting_reads_as_one_line() -> None:
    assert journal.setting_value("reminder_hr_emails", "rh@example.org\npaie@example.org\n") == (
        "rh@example.org, paie@example.org"
    )


def test_the_journal_of_an_undone_export_names_the_file_and_its_previous_status(demo_db: Path) -> None:
    store = Store(demo_db)
    store.set_setting("reference_date", "")
    today = date(2026, 11, 23)
    rules = settings.active_rules(store)
    batch = store.generate_export("carence", rules=rules, today=today, catalogue=settings.code_catalogue(store))
    export_id = batch.files[0].export_id
    store.confirm_export(export_id, rules=rules, today=today, who="marie")
    store.undo_export(export_id, who="marie")
    shown = journal.in_french(store.query("audit_log", {"limit": 50}))
    assert not shown.isna().any().any()
    text = shown.to_csv()
    assert f"Fichier n° {export_id} écarté ou dépôt annulé" in text
    assert "statut précédent : déposé" in text
    assert "Paramètre modifié : date de référence" in text and "date du jour" in text
    for technical in ("reference_date", "deposited", "None"):
        assert technical not in text


def test_a_decision_in_the_journal_names_the_organisme_and_its_line_then_the_reason(demo_db: Path) -> None:
    store = Store(demo_db)
    key = "Centre de conduite Girard|CCD-000042"
    store.record_action("of_line", [key], "correction_requested", reason="date de fin attendue 10/07/2026", who="marie")
    store.record_action("of_line", [key], "accepted", who="marie")
    shown = journal.in_french(store.query("audit_log", {"limit": 2}))
    assert list(shown["what"]) == ["Déclaration acceptée", "Correction demandée"]
    assert list(shown["detail"]) == [
        "Centre de conduite Girard — ligne CCD-000042",
        "Centre de conduite Girard — ligne CCD-000042 : date de fin attendue 10/07/2026",
    ]
