"""The store: schema and migrations, all-or-nothing imports, idempotence, change history."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from lib import store as store_module
from lib.store import SCHEMA_VERSION, Store
from tests.store_content import rows_of

SHARED = Path(__file__).resolve().parents[2] / "shared" / "referentials"
SAMPLE_ADF = SHARED / "sample_adf_synthetic.csv"
SAMPLE_JDR = SHARED / "sample_jdr_synthetic.csv"
ROME = SHARED / "rome4_v460_competences_savoirs.csv"
TODAY = date(2026, 11, 23)
TABLES = (
    "imports", "organismes", "of_lines", "of_line_changes", "employees", "training_records",
    "competences", "establishments", "settings", "header_mappings", "actions", "exports",
)  # fmt: skip


def content_of(path: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, sorted: what 'unchanged in content' means."""
    return rows_of(path, TABLES)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "test.duckdb")


def test_a_new_store_has_the_current_schema_version(store: Store) -> None:
    assert store.schema_version() == SCHEMA_VERSION
    assert store.counts()["of_lines"] == 0


def test_opening_a_version_1_store_upgrades_it_and_keeps_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)")
    script = (store_module.MIGRATIONS_DIR / "001_initial.sql").read_text(encoding="utf-8")
    for statement in store_module._split_sql(script):
        con.execute(statement)
    con.execute("INSERT INTO meta VALUES ('schema_version', '1')")
    con.execute("INSERT INTO organismes VALUES ('Ancien OF', NULL)")
    con.close()

    upgraded = Store(path)
    assert upgraded.schema_version() == SCHEMA_VERSION
    assert upgraded.sql("SELECT name FROM organismes")["name"].tolist() == ["Ancien OF"]
    assert upgraded.sql("SELECT count(*) AS n FROM actions")["n"].iloc[0] == 0


def test_a_store_from_a_newer_version_is_refused_with_a_french_message(tmp_path: Path) -> None:
    path = tmp_path / "future.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)")
    con.execute("INSERT INTO meta VALUES ('schema_version', '999')")
    con.close()
    with pytest.raises(store_module.StoreError, match="version plus récente"):
        Store(path).counts()


def test_importing_the_sample_adf_stores_every_line_with_its_provenance(store: Store) -> None:
    result = store.import_of_file(SAMPLE_ADF.read_bytes(), SAMPLE_ADF.name, organisme="Formasud", today=TODAY)
    assert result.status == "imported"
    assert (result.rows, result.inserted, result.updated) == (7, 7, 0)
    lines = store.sql("SELECT * FROM of_lines ORDER BY id_unique_partenaire")
    assert lines["organisme"].unique().tolist() == ["Formasud"]
    assert lines["portal_kind"].unique().tolist() == ["ADF"]
    first = lines.iloc[0]
    assert first["id_unique_partenaire"] == "EMP-2026-000001"
    assert first["date_fin_formation"].date() == date(2026, 6, 16)
    assert first["nir"] == "2150197611807"
    imports = store.sql("SELECT * FROM imports")
    assert imports["sha256"].iloc[0] == store_module.sha256_of(SAMPLE_ADF.read_bytes())
    assert imports[["kind", "rows", "size"]].iloc[0].tolist() == ["of", 7, SAMPLE_ADF.stat().st_size]


def test_the_file_name_stands_for_the_organisme_when_none_is_given(store: Store) -> None:
    store.import_of_file(SAMPLE_ADF.read_bytes(), SAMPLE_ADF.name, today=TODAY)
    assert store.sql("SELECT name FROM organismes")["name"].tolist() == ["sample_adf_synthetic"]


def test_importing_the_same_file_twice_changes_nothing_and_says_so(store: Store) -> None:
    store.import_of_file(SAMPLE_ADF.read_bytes(), SAMPLE_ADF.name, organisme="Formasud", today=TODAY)
    before = content_of(store.path)
    again = store.import_of_file(SAMPLE_ADF.read_bytes(), SAMPLE_ADF.name, organisme="Formasud", today=TODAY)
    assert again.status == "unchanged"
    assert "déjà importé" in again.message
    assert content_of(store.path) == before


def test_a_refused_file_leaves_the_store_unchanged_in_content(store: Store) -> None:
    store.import_of_file(SAMPLE_ADF.read_bytes(), SAMPLE_ADF.name, organisme="Formasud", today=TODAY)
    before = content_of(store.path)
    broken = SAMPLE_ADF.read_bytes().replace(b"16/06/2026|PRESENTIEL", b"31/02/2026|PRESENTIEL", 1)
    result = store.import_of_file(broken, "corrige.csv", organisme="Formasud", today=TODAY)
    assert result.status == "refused"
    assert any(p.line == 2 and p.column == "DATE_FIN_FORMATION" for p in result.problems)
    assert content_of(store.path) == before


def test_a_newer_file_from_the_same_of_updates_its_lines_and_records_what_changed(store: Store) -> None:
    store.import_of_file(SAMPLE_ADF.read_bytes(), SAMPLE_ADF.name, organisme="Formasud", today=TODAY)
    corrected = SAMPLE_ADF.read_bytes().replace(b"|MARTIN|", b"|MARTIN-DUPONT|")
    result = store.import_of_file(corrected, "formasud_v2.csv", organisme="Formasud", today=TODAY)
    assert (result.inserted, result.updated, result.unchanged) == (0, 1, 6)
    assert store.counts()["of_lines"] == 7
    changes = store.sql("SELECT id_unique_partenaire, field, old_value, new_value FROM of_line_changes")
    assert changes.values.tolist() == [["EMP-2026-000001", "nom_titulaire", "MARTIN", "MARTIN-DUPONT"]]


def test_the_same_partner_identifier_from_two_organismes_makes_two_lines(store: Store) -> None:
    store.import_of_file(SAMPLE_ADF.read_bytes(), SAMPLE_ADF.name, organisme="Formasud", today=TODAY)
    store.import_of_file(SAMPLE_ADF.read_bytes(), SAMPLE_ADF.name, organisme="Prévenir Plus", today=TODAY)
    assert store.counts()["of_lines"] == 14


def test_a_jdr_file_is_stored_with_its_jdr_columns(store: Store) -> None:
    result = store.import_of_file(SAMPLE_JDR.read_bytes(), SAMPLE_JDR.name, organisme="Formasud", today=TODAY)
    assert result.status == "imported"
    lines = store.sql("SELECT portal_kind, type_jdr, nom_jdr FROM of_lines")
    assert lines.values.tolist()[0] == ["JDR", "CERTIFICAT", "Sauveteur secouriste du travail"]


def test_an_invalid_organisme_siret_is_refused(store: Store) -> None:
    result = store.import_of_file(
        SAMPLE_ADF.read_bytes(), SAMPLE_ADF.name, organisme="X", organisme_siret="12345678901234", today=TODAY
    )
    assert result.status == "refused"
    assert "SIRET" in result.message
    assert not store.path.exists() or store.counts()["of_lines"] == 0


def test_the_competence_referential_replaces_the_previous_one_and_drives_validation(store: Store) -> None:
    result = store.import_competences(ROME.read_bytes(), ROME.name)
    assert result.status == "imported"
    assert result.rows == 33671
    smaller = b"code_ogr,type,categorie,sous_categorie,libelle\n115650,savoir_faire,a,b,c\n"
    assert store.import_competences(smaller, "petit.csv").status == "imported"
    assert store.competence_codes() == frozenset({"115650"})
    refused = store.import_of_file(SAMPLE_ADF.read_bytes(), SAMPLE_ADF.name, organisme="F", today=TODAY)
    assert refused.status == "refused"
    assert any(p.column == "COMPETENCE_TRANSFERABLE" for p in refused.problems)


def test_a_malformed_referential_is_refused_and_the_old_one_kept(store: Store) -> None:
    store.import_competences(b"code_ogr,type,categorie,sous_categorie,libelle\n115650,a,b,c,d\n", "ok.csv")
    result = store.import_competences(b"code;libelle\n1;x\n", "mauvais.csv")
    assert result.status == "refused"
    assert "code_ogr" in result.problems[0].message
    assert store.competence_codes() == frozenset({"115650"})


INTERNAL_CSV = (
    "Matricule;NIR;Nom de naissance;Prénom;Formation;Organisme;Interne;Date de début;Date de fin\n"
    "M001;2150197611807;MARTIN;Claire;Sauveteur secouriste du travail;Formasud;non;15/06/2026;16/06/2026\n"
    "M002;1550779191553;BERNARD;Paul;Habilitation électrique BS;;oui;01/04/2026;02/04/2026\n"
)


def test_internal_records_are_loaded_and_a_reimport_updates_instead_of_duplicating(store: Store) -> None:
    first = store.import_records(INTERNAL_CSV.encode("cp1252"), "formations.csv", "internal")
    assert first.status == "imported", [p.message for p in first.problems]
    assert first.inserted == 2
    changed = INTERNAL_CSV.replace("Formasud;non", "Formasud Conseil;non").encode("cp1252")
    second = store.import_records(changed, "formations_v2.csv", "internal")
    assert (second.inserted, second.updated, second.unchanged) == (0, 1, 1)
    rows = store.sql(
        "SELECT matricule, coalesce(organisme, '<vide>') AS organisme, is_internal FROM training_records "
        "ORDER BY matricule"
    )
    assert rows.values.tolist() == [["M001", "Formasud Conseil", False], ["M002", "<vide>", True]]


def test_a_roster_is_loaded_keyed_by_matricule(store: Store) -> None:
    roster = (
        "Matricule;N° SS;Nom;Prénom;Site;Date d'entrée\n"
        "M001;2150197611807;MARTIN;Claire;Caen;01/09/2020\n"
        "M002;1550779191553;BERNARD;Paul;Évreux;15/01/2024\n"
    )
    result = store.import_records(roster.encode("cp1252"), "salaries.csv", "roster")
    assert result.status == "imported", [p.message for p in result.problems]
    rows = store.sql("SELECT matricule, birth_name, site, entry_date FROM employees ORDER BY matricule")
    assert rows["site"].tolist() == ["Caen", "Évreux"]
    assert rows["entry_date"].iloc[0].date() == date(2020, 9, 1)


def test_a_refused_hr_file_names_line_and_column_and_stores_nothing(store: Store) -> None:
    bad = INTERNAL_CSV.replace("16/06/2026", "31/02/2026").encode("utf-8")
    result = store.import_records(bad, "formations.csv", "internal")
    assert result.status == "refused"
    assert [(p.line, p.column) for p in result.problems] == [(2, "Date de fin")]
    assert store.counts()["training_records"] == 0


# --- which rule set a store follows (rules.md §3b: décret 2026-496 is the default) -------------------------


@pytest.mark.parametrize(
    ("stored", "in_force"),
    [
        (None, "decret-2026-496"),  # never chose: follows the default as it changes
        ("", "decret-2026-496"),  # a reset setting counts as no choice
        ("decret-2025-748", "decret-2025-748"),  # an explicit choice is kept
        ("portail-2026-06", "decret-2026-496"),  # the superseded preview of the announcement reads as its successor
    ],
)
def test_a_store_follows_the_default_unless_the_user_chose_a_rule_set(
    store: Store, stored: str | None, in_force: str
) -> None:
    from lib import settings

    if stored is not None:
        store.set_setting(settings.RULE_SET_KEY, stored)
    store.set_setting("override.employer_full_scope_from", "2026-10-01")  # a date the user set before
    rules = settings.active_rules(store)
    assert rules.name == settings.active_rule_set_name(store) == in_force
    assert rules.employer_full_scope_from == date(2026, 10, 1)
    assert rules.sources["employer_full_scope_from"].certainty == "réglage de l'utilisateur"
    assert settings.comparison_rule_set_name(store) == (
        "decret-2025-748" if in_force == "decret-2026-496" else "decret-2026-496"
    )
    # The stored value itself is left as the user wrote it (the audit keeps what they chose).
    assert settings.chosen_rule_set(store) == (stored or None)


def test_the_rule_set_differences_are_computed_in_the_store_with_masked_nirs(store: Store) -> None:
    from lib.rules import load_rule_set

    # The synthetic sample moved from June 2026 to October 2025: inside the law in force's window.
    text = SAMPLE_ADF.read_text(encoding="utf-8").replace("/06/2026", "/10/2025")
    assert store.import_of_file(text.encode("utf-8"), "octobre.csv", organisme="OF", today=TODAY).ok
    lines = store.sql("SELECT nir, siret_employeur, presence_employeur FROM of_lines")
    sirets = sorted(
        {s for s, p in zip(lines["siret_employeur"], lines["presence_employeur"], strict=True) if p == "OUI"}
    )
    store.set_establishments([(siret, "Établissement", "Site") for siret in sirets])
    default, decree = load_rule_set("decret-2026-496"), load_rule_set("decret-2025-748")
    frame = store.rule_set_differences(default, decree, today=TODAY)
    assert list(frame.columns) == [
        "list", "key", "nir", "person", "title", "reference_date", "dates_a", "dates_b", "status_a", "status_b",
    ]  # fmt: skip
    # Of the sample's lines for the employer, the two moved to October 2025 differ; those of March and May
    # 2026 get the same dates under both (QE + 3 + 3 for the OF, QE + 6 + 3 for the verification).
    moved = store.sql(
        "SELECT organisme || '|' || id_unique_partenaire AS key FROM of_lines "
        "WHERE presence_employeur = 'OUI' AND date_fin_formation < DATE '2026-01-01'"
    )
    assert sorted(frame["key"]) == sorted(moved["key"]) and len(moved) == 2
    assert set(frame["list"]) == {"verification"}
    # 23/11/2026: verifiable until 31/12/2026 under the law in force, deemed verified since 01/10/2026 before.
    assert set(frame["dates_a"]) == {"vérification jusqu'au 31/12/2026"}
    assert set(frame["dates_b"]) == {"vérification jusqu'au 30/09/2026"}
    assert set(frame["status_a"]) == {"à vérifier"} and set(frame["status_b"]) == {"réputée vérifiée"}
    full = set(lines["nir"])
    assert all("*" in n and n not in full for n in frame["nir"])
    # The same rule set on both sides never differs.
    assert store.rule_set_differences(default, default, today=TODAY).empty
