"""The command-line contract of product.md, driven as a scheduled job would: exit codes, JSON, French errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "referentials"
SAMPLE_ADF = SHARED / "sample_adf_synthetic.csv"
SAMPLE_JDR = SHARED / "sample_jdr_synthetic.csv"
ROME = SHARED / "rome4_v460_competences_savoirs.csv"
DEADLINE_KEYS = [
    "reference_date", "quarter_end", "of_deadline", "verification_deadline", "deemed_verified_on",
    "internal_deadline", "carence_opens_on", "carence_deadline", "extension_applied", "of_mandatory",
    "internal_mandatory", "rule_set",
]  # fmt: skip


def run(*args: str | Path, db: Path | None = None) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "lib", *map(str, args)]
    if db is not None:
        command += ["--db", str(db)]
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert "Traceback" not in result.stderr, result.stderr
    return result


def test_deadlines_prints_the_worked_example_3_with_exactly_the_contract_keys(tmp_path: Path) -> None:
    result = run("deadlines", "--type", "ADF", "--training-end", "05/02/2026", db=tmp_path / "x.duckdb")
    assert result.returncode == 0
    data = json.loads(result.stdout)
    assert list(data) == DEADLINE_KEYS
    assert data == {
        "reference_date": "2026-02-05",
        "quarter_end": "2026-03-31",
        "of_deadline": "2026-09-30",
        "verification_deadline": "2026-12-31",
        "deemed_verified_on": "2027-01-01",
        "internal_deadline": "2027-03-31",
        "carence_opens_on": "2026-10-01",
        "carence_deadline": "2027-06-30",
        "extension_applied": True,
        "of_mandatory": True,
        "internal_mandatory": False,
        "rule_set": "decret-2026-496",
    }
    assert not (tmp_path / "x.duckdb").exists()  # computing deadlines creates no store
    # The published decree, named: Q1 2026 internal trainings due QE 31/03/2026 + 6 + 3 = 31/12/2026.
    decree = json.loads(
        run("deadlines", "--type", "ADF", "--training-end", "05/02/2026", "--rule-set", "decret-2025-748").stdout
    )
    assert (decree["internal_deadline"], decree["rule_set"]) == ("2026-12-31", "decret-2025-748")


def test_deadlines_of_a_jdr_key_on_the_validity_start_and_another_rule_set_can_be_named(tmp_path: Path) -> None:
    db = tmp_path / "x.duckdb"
    jdr = json.loads(
        run(
            "deadlines", "--type", "JDR", "--validity-start", "2025-10-01", "--training-end", "2025-09-29", db=db
        ).stdout
    )
    # Validity from 01/10/2025: in the default's September-December 2025 window.
    assert (jdr["quarter_end"], jdr["of_deadline"], jdr["carence_opens_on"]) == (
        "2025-12-31",
        "2026-09-30",
        "2026-10-01",
    )
    decree = json.loads(
        run("deadlines", "--type", "ADF", "--training-end", "2025-12-31", "--rule-set", "decret-2025-748", db=db).stdout
    )
    assert (decree["of_deadline"], decree["verification_deadline"], decree["rule_set"]) == (
        "2026-06-30",
        "2026-09-30",
        "decret-2025-748",
    )
    # The superseded preview of the announcement is read as the law in force.
    portal = json.loads(
        run("deadlines", "--type", "ADF", "--training-end", "2025-12-31", "--rule-set", "portail-2026-06", db=db).stdout
    )
    assert (portal["of_deadline"], portal["verification_deadline"], portal["rule_set"]) == (
        "2026-09-30",
        "2026-12-31",
        "decret-2026-496",
    )
    before_obligation = json.loads(run("deadlines", "--type", "ADF", "--training-end", "2025-08-31", db=db).stdout)
    assert (before_obligation["of_mandatory"], before_obligation["carence_opens_on"]) == (False, None)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["deadlines", "--type", "ADF"], "--training-end est obligatoire"),
        (["deadlines", "--type", "ADF", "--training-end", "31/02/2026"], "date « 31/02/2026 » invalide"),
        (["deadlines", "--type", "ADF", "--training-end", "2026-02-05", "--category", "7"], "de 1 à 4"),
        (["deadlines", "--type", "ADF", "--training-end", "2026-02-05", "--rule-set", "inconnu"], "inconnu"),
        (["deadlines", "--type", "XYZ", "--training-end", "2026-02-05"], "invalide"),
        (["validate", "absent.csv"], "introuvable"),
        (["import", "absent.csv", "--kind", "of"], "introuvable"),
        (["import", str(SAMPLE_ADF), "--kind", "autre"], "invalide"),
        (["export-carence", "--today", "2026-11-23", "--out", "x.csv"], "n'existe pas"),
    ],
)
def test_a_refusal_exits_non_zero_with_a_french_message(tmp_path: Path, args: list[str], message: str) -> None:
    result = run(*args, db=tmp_path / "x.duckdb")
    assert result.returncode != 0
    assert message in result.stderr
    assert result.stderr.startswith(("Erreur", "usage"))


def test_validate_accepts_the_samples_and_reports_the_json_shape_with_a_warning_without_referential(
    tmp_path: Path,
) -> None:
    for sample in (SAMPLE_ADF, SAMPLE_JDR):
        result = run("validate", sample, "--json", "--today", "2026-11-23", db=tmp_path / "x.duckdb")
        assert result.returncode == 0
        data = json.loads(result.stdout)
        assert list(data) == ["valid", "kind", "file_errors", "line_errors", "warnings"]
        assert data["valid"] is True
        assert data["kind"] == sample.name.split("_")[1].upper()
        assert [w["message"] for w in data["warnings"]][0].startswith("Aucun référentiel de compétences")


def test_validate_names_line_and_column_of_a_fault_and_exits_1(tmp_path: Path) -> None:
    bad = tmp_path / "mauvais.csv"
    bad.write_bytes(SAMPLE_ADF.read_bytes().replace(b"|2150197611807|", b"|215019761180|"))
    result = run("validate", bad, "--json", "--today", "2026-11-23", db=tmp_path / "x.duckdb")
    assert result.returncode == 1
    data = json.loads(result.stdout)
    assert data["valid"] is False
    [error] = data["line_errors"]
    # the value is there, masked: validate --json never prints a full NIR (issue 11 §5)
    assert (error["line"], error["column"], error["value"]) == (2, "NIR", "2 15 01 ** *** **")
    plain = run("validate", bad, "--today", "2026-11-23", db=tmp_path / "x.duckdb")
    assert "mauvais.csv, ligne 2, colonne NIR" in plain.stderr


def test_a_loaded_referential_checks_competence_codes_without_the_warning(tmp_path: Path) -> None:
    db = tmp_path / "x.duckdb"
    assert run("import", ROME, "--kind", "competences", db=db).returncode == 0
    data = json.loads(run("validate", SAMPLE_ADF, "--json", "--today", "2026-11-23", db=db).stdout)
    assert data["valid"] and data["warnings"] == []
    unknown = tmp_path / "inconnu.csv"
    unknown.write_bytes(SAMPLE_ADF.read_bytes().replace(b"|115650/400635/114955", b"|999999/400635/114955"))
    data = json.loads(run("validate", unknown, "--json", "--today", "2026-11-23", db=db).stdout)
    # Every SST or MAC SST line (2 to 6) carries the unknown code; the CACES lines do not.
    assert [(e["line"], e["column"]) for e in data["line_errors"]] == [
        (n, "COMPETENCE_TRANSFERABLE") for n in range(2, 7)
    ]
    assert "999999" in data["line_errors"][0]["message"]


def test_import_is_all_or_nothing_and_idempotent(tmp_path: Path) -> None:
    db = tmp_path / "x.duckdb"
    first = run("import", SAMPLE_ADF, "--kind", "of", "--organisme", "Formasud", "--today", "2026-11-23", db=db)
    assert first.returncode == 0
    assert "7 nouvelle(s)" in first.stdout
    again = run("import", SAMPLE_ADF, "--kind", "of", "--organisme", "Formasud", "--today", "2026-11-23", db=db)
    assert again.returncode == 0
    assert "rien n'a changé" in again.stdout
    future = tmp_path / "futur.csv"
    future.write_bytes(SAMPLE_ADF.read_bytes().replace(b"15/06/2026|16/06/2026", b"15/06/2027|16/06/2027"))
    refused = run("import", future, "--kind", "of", "--organisme", "Formasud", "--today", "2026-11-23", db=db)
    assert refused.returncode == 1
    assert "futur.csv, ligne 2, colonne DATE_DEBUT_FORMATION" in refused.stderr
    assert "rien n'a été enregistré" in refused.stderr


def test_the_weekly_job_exports_valid_portal_files_and_a_json_report(tmp_path: Path) -> None:
    db = tmp_path / "demo.duckdb"
    assert run("demo", db=db).returncode == 0
    out = tmp_path / "depot" / "carence.csv"
    result = run("export-carence", "--today", "2026-11-23", "--out", out, db=db)
    assert result.returncode == 0, result.stderr
    assert out.exists()
    for written in sorted(out.parent.glob("*.csv")):
        check = run("validate", written, "--today", "2026-11-23", db=db)
        assert check.returncode == 0, check.stderr
    internal = run("export-internal", "--today", "2026-11-23", "--out", tmp_path / "interne.csv", db=db)
    assert internal.returncode == 1  # the demo has trainings whose NIR is missing: listed, not exported
    assert "NIR absent" in internal.stderr
    assert (tmp_path / "interne.csv").exists()
    report = json.loads(run("report", "--today", "2026-11-23", "--format", "json", db=db).stdout)
    assert set(report["sections"]) == {"due_7_days", "due_30_days", "newly_deemed_verified", "new_carences", "expiring"}
    assert report["counts"]["expiring"] > 0
    assert all(item["due_on"] >= "2026-11-23" for item in report["sections"]["expiring"])
    ics = tmp_path / "echeances.ics"
    assert run("calendar", "--today", "2026-11-23", "--out", ics, db=db).returncode == 0
    text = ics.read_bytes().decode("utf-8")
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    # The demo's OF declarations of Q1 2026 are to verify by 31/12/2026 (rules.md §3: EOM(31/03/2026 + 6 + 3)).
    assert "UID:verification-2026-12-31@passeport-prevention" in text
    assert "DTSTART;VALUE=DATE:20261231" in text
    markdown = run("report", "--today", "2026-11-30", db=db).stdout
    assert markdown.startswith("# Passeport de prévention — rapport du 30/11/2026")
    assert "Depuis le dernier rapport (23/11/2026)" in markdown
    page = run("report", "--today", "2026-12-07", "--format", "html", db=db).stdout
    assert page.startswith("<!DOCTYPE html>") and "rapport du 07/12/2026" in page
    assert "Depuis le dernier rapport (30/11/2026)" in page
    assert report["to_do"]["verification"]["total"] > 0  # the dashboard's first card, in the report


def test_hash_password_prints_a_hash_the_login_accepts() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "lib", "hash-password"], cwd=REPO, input="Printemps 2026\n", capture_output=True,
        text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    from lib import access

    assert access.verify_password("Printemps 2026", result.stdout.strip())
    assert not access.verify_password("Printemps 2027", result.stdout.strip())


def test_backup_then_restore_from_the_command_line(tmp_path: Path) -> None:
    db = tmp_path / "x.duckdb"
    assert run("import", SAMPLE_ADF, "--kind", "of", "--organisme", "F", "--today", "2026-11-23", db=db).returncode == 0
    assert run("backup", tmp_path / "sauvegarde", db=db).returncode == 0
    refused = run("backup", tmp_path / "sauvegarde", db=db)
    assert refused.returncode == 2 and "n'est pas vide" in refused.stderr
    restored = run("restore", tmp_path / "sauvegarde", db=db)
    assert restored.returncode == 0 and "Base restaurée" in restored.stdout
