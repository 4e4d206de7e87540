"""An HR export that does not look like the employer's — an establishment none of its own, people missing from the
staff register — is held back before anything is stored, with counts and examples, until the user confirms."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lib import spreadsheet
from lib.store import Store

REPO = Path(__file__).resolve().parents[1]
FOREIGN_SIRET = "73282932000074"  # valid, and none of the demo employer's establishments
DEMO_SIRET = "97228186900107"
STRANGER_NIR = "2150197611807"

TRAININGS = (
    "Matricule;NIR;Nom de naissance;Prénom;SIRET de l'établissement;Formation;Date de fin\n"
    f"Z901;{STRANGER_NIR};INCONNUE;Inès;{FOREIGN_SIRET};SST;05/02/2026\n"
    f"Z902;;ÉTRANGER;Paul;{DEMO_SIRET};SST;06/02/2026\n"
    f"MAT1003;;Deschamps;Lucie;{DEMO_SIRET};Habilitation électrique;07/02/2026\n"
).encode()


def table_count(store: Store, table: str) -> int:
    return int(store.sql(f"SELECT count(*) AS n FROM {table}")["n"].iloc[0])


def test_trainings_of_unknown_people_and_a_foreign_siret_are_held_back_with_counts_and_examples(
    demo_db: Path,
) -> None:
    store = Store(demo_db)
    before = {t: table_count(store, t) for t in ("training_records", "imports", "actions")}
    result = store.import_records(TRAININGS, "formations_autre.csv", "internal")
    assert result.status == "to_confirm" and not result.ok
    assert {t: table_count(store, t) for t in before} == before, "nothing stored before the user confirms"
    siret_warning, people_warning = result.unfamiliar
    assert siret_warning.startswith("1 formation(s) rattaché(e)s à un établissement qui n'est pas le vôtre")
    assert f"SIRET {FOREIGN_SIRET} (1 ligne(s))" in siret_warning
    assert people_warning.startswith("2 formation(s) de 2 personne(s) absente(s) du registre du personnel")
    assert "INCONNUE Inès (NIR 2 15 01 ** *** ***, matricule Z901)" in people_warning
    assert "ÉTRANGER Paul (matricule Z902)" in people_warning
    assert STRANGER_NIR not in " ".join(result.unfamiliar), "examples show the NIR masked"
    assert "Deschamps" not in people_warning, "a person of the register is no example"


def test_accepting_the_warnings_imports_the_file_and_journals_what_was_accepted(demo_db: Path) -> None:
    store = Store(demo_db)
    before = table_count(store, "training_records")
    result = store.import_records(TRAININGS, "formations_autre.csv", "internal", accept_warnings=True)
    assert result.status == "imported" and result.inserted == 3
    assert table_count(store, "training_records") == before + 3
    journal = store.query("audit_log", {"limit": 10})
    accepted = journal[journal["what"].str.startswith("Import confirmé malgré les avertissements")]
    assert len(accepted) == 1
    assert FOREIGN_SIRET in accepted["detail"].iloc[0] and STRANGER_NIR not in accepted["detail"].iloc[0]


def test_a_roster_with_a_foreign_establishment_is_held_back(demo_db: Path) -> None:
    roster = f"Matricule;Nom de naissance;SIRET de l'établissement\nZ903;AILLEURS;{FOREIGN_SIRET}\n".encode()
    result = Store(demo_db).import_records(roster, "salaries_autre.csv", "roster")
    assert result.status == "to_confirm"
    assert len(result.unfamiliar) == 1 and "1 salarié(s) rattaché(e)s" in result.unfamiliar[0]


def test_a_file_of_the_employer_imports_without_a_word(demo_db: Path) -> None:
    known = (
        "Matricule;Nom de naissance;Prénom;SIRET de l'établissement;Formation;Date de fin\n"
        f"MAT1003;Deschamps;Lucie;{DEMO_SIRET};Habilitation électrique;07/02/2026\n"
    ).encode()
    result = Store(demo_db).import_records(known, "formations.csv", "internal")
    assert result.status == "imported" and result.unfamiliar == ()


def test_on_a_new_store_nothing_is_known_yet_so_nothing_is_held_back(tmp_path: Path) -> None:
    store = Store(tmp_path / "neuve.duckdb")
    assert store.import_records(TRAININGS, "formations.csv", "internal").status == "imported"


def cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "lib", *map(str, args)]
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)


def test_the_command_line_warns_in_french_and_stores_nothing_without_accept_warnings(
    demo_db: Path, tmp_path: Path
) -> None:
    path = tmp_path / "formations_autre.csv"
    path.write_bytes(TRAININGS)
    before = table_count(Store(demo_db), "training_records")
    held = cli("import", path, "--kind", "internal", "--db", demo_db)
    assert held.returncode == 3
    assert "rien n'a été enregistré" in held.stderr and "--accept-warnings" in held.stderr
    assert "Avertissement : 1 formation(s) rattaché(e)s" in held.stderr and STRANGER_NIR not in held.stderr
    assert table_count(Store(demo_db), "training_records") == before
    accepted = cli("import", path, "--kind", "internal", "--db", demo_db, "--accept-warnings")
    assert accepted.returncode == 0, accepted.stderr
    assert table_count(Store(demo_db), "training_records") == before + 3


# ---------------------------------------------------------------- the Import page (AppTest)

APP = str(REPO / "app.py")


def import_page(kind: str, name: str, data: bytes) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page("views/import.py").run()
    at.radio(key="import_kind").set_value(kind).run()
    at.file_uploader(key=f"uploads_{kind}").set_value((name, data, "text/csv")).run()
    return at


def plain(markdown: str) -> str:
    """A message as the user reads it (md_text escapes Markdown's punctuation with backslashes)."""
    return markdown.replace("\\", "")


def click_import(at: AppTest) -> None:
    next(b for b in at.button if b.label == "Importer").click().run()
    assert not at.exception, [e.message for e in at.exception]


@pytest.mark.usefixtures("fresh_streamlit_caches")
def test_the_import_page_asks_before_storing_a_foreign_file_and_imports_it_when_told(demo_db: Path) -> None:
    before = table_count(Store(demo_db), "training_records")
    at = import_page("internal", "formations_autre.csv", TRAININGS)
    click_import(at)
    warning = next(plain(w.value) for w in at.warning if "rien n'a été enregistré" in plain(w.value))
    assert FOREIGN_SIRET in warning and "2 personne(s) absente(s) du registre" in warning
    assert table_count(Store(demo_db), "training_records") == before
    at.button(key="accept_formations_autre.csv").click().run()
    assert not at.exception
    assert table_count(Store(demo_db), "training_records") == before + 3
    assert any("3 nouveau(x)" in plain(s.value) for s in at.success)
    assert not any(b.key == "accept_formations_autre.csv" for b in at.button)


@pytest.mark.usefixtures("fresh_streamlit_caches")
def test_cancelling_a_held_back_import_stores_nothing(demo_db: Path) -> None:
    before = table_count(Store(demo_db), "training_records")
    at = import_page("internal", "formations_autre.csv", TRAININGS)
    click_import(at)
    at.button(key="cancel_formations_autre.csv").click().run()
    assert not at.exception
    assert any("import annulé" in plain(i.value) for i in at.info)
    assert table_count(Store(demo_db), "training_records") == before


@pytest.mark.usefixtures("fresh_streamlit_caches")
def test_the_mapping_panel_names_each_missing_column_and_goes_once_the_file_is_imported(demo_db: Path) -> None:
    roster = f"Matricule;Nom de naissance;SIRET de l'établissement\nZ904;NOUVEAU;{DEMO_SIRET}\n".encode()
    at = import_page("roster", "salaries_courts.csv", roster)
    panel = " ".join(m.value for m in at.markdown if "Colonnes facultatives absentes" in m.value)
    assert "obligatoires" not in panel, "no mandatory column is missing: the panel does not claim one is"
    for header, effect in (("NIR", "ne peuvent pas être déclarées"), ("Date de sortie", "considéré comme présent")):
        assert f"« {header} » :" in panel and effect in panel
    click_import(at)
    assert any("1 nouveau(x)" in plain(s.value) for s in at.success)
    assert not any("Colonnes facultatives absentes" in m.value for m in at.markdown), "the panel is cleared"


@pytest.mark.usefixtures("fresh_streamlit_caches")
def test_a_file_without_a_mandatory_column_names_it_and_is_refused_with_a_report_named_after_it(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    names: list[str] = []
    real = spreadsheet.error_report_name

    def recorded(file_name: str) -> str:
        names.append(real(file_name))
        return names[-1]

    monkeypatch.setattr(spreadsheet, "error_report_name", recorded)
    trainings = b"Matricule;Nom de naissance;Date de fin\nMAT1003;Deschamps;07/02/2026\n"
    at = import_page("internal", "formations.csv", trainings)
    panel = " ".join(m.value for m in at.markdown if "Colonnes obligatoires non reconnues" in m.value)
    assert "« Formation »" in panel and "le fichier est refusé" in panel
    click_import(at)
    assert at.error
    assert any("rapport d'erreurs" in b.proto.label for b in at.get("download_button"))
    assert set(names) == {"erreurs_formations.csv"}, "the report the page offers is named without .csv.csv"
    assert any("Colonnes obligatoires non reconnues" in m.value for m in at.markdown), "still there to map"
