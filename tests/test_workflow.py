"""The employer's workflow end to end: reconciliation, verification, carence and internal declarations."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from lib import corrections, declarations, portal, settings
from lib.rules import load_rule_set
from lib.store import Store, StoreError

SHARED = Path(__file__).resolve().parents[2] / "shared" / "referentials"
SAMPLE_ADF = (SHARED / "sample_adf_synthetic.csv").read_bytes()
SIRET = "63887548400971"  # the establishment of the sample file
RULES = load_rule_set("decret-2025-748")
CATALOGUE = declarations.load_code_catalogue()
ROSTER = (
    "Matricule;NIR;Nom de naissance;Prénom;SIRET de l'établissement;Site\n"
    f"M1;2150197611807;MARTIN;Claire;{SIRET};Caen\n"
    f"M2;1550779191553;BERNARD;Paul;{SIRET};Caen\n"
    f"M4;1771280021384;PETIT;Anne;{SIRET};Caen\n"
)
HEADER = "Matricule;Nom de naissance;Formation;Organisme;Interne;Catégorie;Date de début;Date de fin\n"


def records(*lines: str) -> bytes:
    return (HEADER + "".join(line + "\n" for line in lines)).encode("utf-8")


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(tmp_path / "wf.duckdb")
    s.set_establishments([(SIRET, "Établissement de Caen", "Caen")])
    assert s.import_records(ROSTER.encode("utf-8"), "salaries.csv", "roster").ok
    return s


def expected(store: Store, today: date) -> pd.DataFrame:
    return store.workflow("expected_trainings", rules=RULES, today=today).set_index("matricule")


def lines(store: Store, today: date) -> pd.DataFrame:
    return store.workflow("of_declarations", rules=RULES, today=today).set_index("id_unique_partenaire")


SST_BOUGHT = "M1;MARTIN;Sauveteur secouriste du travail;Formasud;non;1;15/06/2026;16/06/2026"


# R = 16/06/2026 (Q2 2026): OF deadline EOM(30/06/2026 + 3 + 3) = 31/12/2026, carence opens 01/01/2027 and
# closes EOM(31/12/2026 + 9) = 30/09/2027 (rules.md §3, steps 2 and 6).
@pytest.mark.parametrize(
    ("today", "status", "due_on"),
    [
        (date(2026, 11, 23), "awaiting_of", date(2026, 12, 31)),
        (date(2026, 12, 31), "awaiting_of", date(2026, 12, 31)),
        (date(2027, 1, 1), "carence_due", date(2027, 9, 30)),
        (date(2027, 9, 30), "carence_due", date(2027, 9, 30)),
        (date(2027, 10, 1), "carence_overdue", date(2027, 9, 30)),
    ],
)
def test_an_undeclared_bought_training_moves_from_waiting_to_carence_to_late(
    store: Store, today: date, status: str, due_on: date
) -> None:
    store.import_records(records(SST_BOUGHT), "formations.csv", "internal")
    row = expected(store, today).loc["M1"]
    assert row["status"] == status
    assert row["due_on"].date() == due_on
    assert row["reconciliation"] == "non déclarée"


def test_a_matching_of_declaration_makes_the_training_declared_and_consistent(store: Store) -> None:
    store.import_records(records(SST_BOUGHT), "formations.csv", "internal")
    store.import_of_file(SAMPLE_ADF, "formasud.csv", organisme="Formasud", today=date(2026, 11, 23))
    row = expected(store, date(2027, 1, 15)).loc["M1"]
    assert row["status"] == "declared_by_of"
    assert row["reconciliation"] == "déclarée, conforme"
    assert row["declared_by"] == "Formasud"
    assert row["of_partner_id"] == "EMP-2026-000001"


@pytest.mark.parametrize(
    ("record", "discrepancy"),
    [
        ("M1;MARTIN;Sauveteur secouriste du travail;Formasud;non;1;15/06/2026;18/06/2026", "dates"),
        (
            "M1;MARTIN;SAUVETEUR SECOURISTE DU TRAVAIL (SST) - FORMATION INITIALE;Formasud;non;1;15/06/2026;16/06/2026",
            "",
        ),
    ],
)
def test_discrepancies_are_named_and_case_or_accents_alone_are_not_one(
    store: Store, record: str, discrepancy: str
) -> None:
    store.import_records(records(record), "formations.csv", "internal")
    store.import_of_file(SAMPLE_ADF, "formasud.csv", organisme="Formasud", today=date(2026, 11, 23))
    row = expected(store, date(2026, 11, 23)).loc["M1"]
    assert row["declared_by_of"]
    assert row["discrepancies"] == discrepancy


def test_a_birth_name_and_siret_differing_from_the_roster_are_discrepancies(store: Store) -> None:
    store.import_records(records(SST_BOUGHT), "formations.csv", "internal")
    wrong = SAMPLE_ADF.replace(b"|MARTIN|OUI|63887548400971|", b"|DURAND|OUI|73282932000074|")
    assert store.import_of_file(wrong, "formasud.csv", organisme="Formasud", today=date(2026, 11, 23)).ok
    row = expected(store, date(2026, 11, 23)).loc["M1"]
    assert row["discrepancies"] == "nom de naissance, SIRET"
    assert "nom de naissance attendu « MARTIN », déclaré « DURAND »" in row["discrepancy_details"]


def test_two_records_that_could_match_one_declaration_are_left_for_a_person_to_pair(store: Store) -> None:
    store.import_records(
        records(SST_BOUGHT, "M1;MARTIN;Sauveteur secouriste du travail;Formasud;non;1;15/06/2026;17/06/2026"),
        "formations.csv",
        "internal",
    )
    store.import_of_file(SAMPLE_ADF, "formasud.csv", organisme="Formasud", today=date(2026, 11, 23))
    frame = store.workflow("expected_trainings", rules=RULES, today=date(2026, 11, 23))
    assert frame["reconciliation"].tolist() == ["à rapprocher", "à rapprocher"]
    assert lines(store, date(2026, 11, 23)).loc["EMP-2026-000001", "reconciliation"] == "à rapprocher"

    chosen = int(frame.loc[frame["end_date"] == pd.Timestamp(2026, 6, 16), "id"].iloc[0])
    store.pair_manually(chosen, "Formasud", "EMP-2026-000001")
    after = store.workflow("expected_trainings", rules=RULES, today=date(2026, 11, 23)).set_index("id")
    assert after.loc[chosen, "reconciliation"] == "déclarée, conforme"
    assert after.loc[chosen, "paired_how"] == "manuel"
    other = next(i for i in after.index if i != chosen)
    assert after.loc[other, "reconciliation"] == "non déclarée"


def test_a_declaration_nobody_expected_is_unexpected(store: Store) -> None:
    store.import_of_file(SAMPLE_ADF, "formasud.csv", organisme="Formasud", today=date(2026, 11, 23))
    assert set(lines(store, date(2026, 11, 23))["reconciliation"]) == {"inattendue"}


# Line EMP-2026-000001: R = 16/06/2026, verification deadline EOM(30/06/2026 + 6 + 3) = 31/03/2027.
def test_verification_status_follows_the_deadline_and_the_appended_actions(store: Store) -> None:
    store.import_of_file(SAMPLE_ADF, "formasud.csv", organisme="Formasud", today=date(2026, 11, 23))
    key = "Formasud|EMP-2026-000001"
    assert lines(store, date(2027, 3, 31)).loc["EMP-2026-000001", "status"] == "to_verify"
    assert lines(store, date(2027, 4, 1)).loc["EMP-2026-000001", "status"] == "deemed_verified"

    [accepted] = store.record_action("of_line", [key], "accepted")
    assert lines(store, date(2027, 4, 1)).loc["EMP-2026-000001", "status"] == "verified"
    store.record_action("of_line", [key], "correction_requested", reason="nom de naissance erroné")
    row = lines(store, date(2026, 11, 23)).loc["EMP-2026-000001"]
    assert (row["status"], row["last_reason"]) == ("correction_requested", "nom de naissance erroné")

    history = store.action_history("of_line")
    store.undo_action(int(history["id"].iloc[0]))
    assert lines(store, date(2026, 11, 23)).loc["EMP-2026-000001", "status"] == "verified"
    store.undo_action(accepted)
    assert lines(store, date(2026, 11, 23)).loc["EMP-2026-000001", "status"] == "to_verify"
    assert len(store.action_history()) == 4  # append-only: nothing was deleted
    with pytest.raises(StoreError, match="déjà été annulée"):
        store.undo_action(accepted)


def test_only_declarations_made_for_the_employer_are_its_to_verify(store: Store) -> None:
    store.import_of_file(SAMPLE_ADF, "formasud.csv", organisme="Formasud", today=date(2026, 11, 23))
    frame = lines(store, date(2026, 11, 23))
    assert not frame.loc["EMP-2026-000003", "concerned"]  # PRESENCE_EMPLOYEUR = NON
    assert frame.loc["EMP-2026-000001", "concerned"]


CARENCE_DAY = date(2027, 1, 5)


def test_a_carence_export_is_valid_deterministic_and_never_reuses_deposited_identifiers(store: Store) -> None:
    store.import_records(records(SST_BOUGHT), "formations.csv", "internal")
    first = store.generate_export("carence", rules=RULES, today=CARENCE_DAY, catalogue=CATALOGUE)
    again = store.generate_export("carence", rules=RULES, today=CARENCE_DAY, catalogue=CATALOGUE)
    assert [f.content for f in first.files] == [f.content for f in again.files]
    [file] = first.files
    parsed = portal.parse_portal_file(file.content, file.file_name, today=CARENCE_DAY, declarant="employer")
    assert parsed.report.valid
    row = parsed.rows[0]
    assert (row["NIR"], row["NOM_TITULAIRE"], row["SIRET_EMPLOYEUR"]) == ("2150197611807", "MARTIN", SIRET)
    first_id = row["ID_UNIQUE_PARTENAIRE"]

    store.confirm_export(file.export_id, rules=RULES, today=CARENCE_DAY)
    assert expected(store, CARENCE_DAY).loc["M1", "status"] == "declared_in_carence"
    assert store.generate_export("carence", rules=RULES, today=CARENCE_DAY, catalogue=CATALOGUE).files == ()

    store.undo_export(file.export_id)
    assert expected(store, CARENCE_DAY).loc["M1", "status"] == "carence_due"
    # Undoing restores the previous state: the identifier was never used, the next file carries it again.
    redo = store.generate_export("carence", rules=RULES, today=CARENCE_DAY, catalogue=CATALOGUE).files[0]
    assert redo.content == file.content
    store.confirm_export(redo.export_id, rules=RULES, today=CARENCE_DAY)
    # Deposited identifiers are in the ledger: a training to declare anew gets a new one.
    store.import_records(records(SST_BOUGHT.replace("M1;MARTIN;", "M2;BERNARD;")), "f2.csv", "internal")
    later = store.generate_export("carence", rules=RULES, today=CARENCE_DAY, catalogue=CATALOGUE)
    ids = portal.parse_portal_file(later.files[0].content, "x.csv", today=CARENCE_DAY, declarant="employer").rows
    assert first_id not in {r["ID_UNIQUE_PARTENAIRE"] for r in ids}


def test_a_training_the_of_declares_after_the_carence_deposit_is_a_possible_double_declaration(store: Store) -> None:
    store.import_records(records(SST_BOUGHT), "formations.csv", "internal")
    batch = store.generate_export("carence", rules=RULES, today=CARENCE_DAY, catalogue=CATALOGUE)
    store.confirm_export(batch.files[0].export_id, rules=RULES, today=CARENCE_DAY)
    store.import_of_file(SAMPLE_ADF, "formasud.csv", organisme="Formasud", today=CARENCE_DAY)
    row = expected(store, CARENCE_DAY).loc["M1"]
    assert row["double_declaration"]
    assert row["status"] == "declared_by_of"


def test_a_file_is_not_confirmed_when_an_of_declared_its_training_meanwhile(store: Store) -> None:
    store.import_records(records(SST_BOUGHT), "formations.csv", "internal")
    batch = store.generate_export("carence", rules=RULES, today=CARENCE_DAY, catalogue=CATALOGUE)
    store.import_of_file(SAMPLE_ADF, "formasud.csv", organisme="Formasud", today=CARENCE_DAY)
    with pytest.raises(StoreError, match="déclaré entre-temps"):
        store.confirm_export(batch.files[0].export_id, rules=RULES, today=CARENCE_DAY)
    assert store.generate_export("carence", rules=RULES, today=CARENCE_DAY, catalogue=CATALOGUE).files == ()


def test_records_lacking_what_the_portal_needs_are_listed_not_exported(store: Store) -> None:
    store.import_records(
        records(SST_BOUGHT, "M9;INCONNU;Sauveteur secouriste du travail;Formasud;non;1;15/06/2026;16/06/2026"),
        "formations.csv",
        "internal",
        accept_warnings=True,  # M9 is in no register: the import says so, and is told to go on
    )
    batch = store.generate_export("carence", rules=RULES, today=CARENCE_DAY, catalogue=CATALOGUE)
    assert [f.lines for f in batch.files] == [1]
    [missing] = batch.missing
    assert "NIR" in missing.missing


# Internal SST ending 02/04/2026 (R ≥ 16/03/2026, category 1): internal deadline EOM(30/06/2026 + 6 + 3) = 31/03/2027.
INTERNAL_SST = "M2;BERNARD;Sauveteur secouriste du travail;;oui;1;01/04/2026;02/04/2026"


@pytest.mark.parametrize(
    ("record", "today", "status"),
    [
        (INTERNAL_SST, date(2026, 11, 23), "to_declare"),
        (INTERNAL_SST, date(2027, 3, 31), "to_declare"),
        (INTERNAL_SST, date(2027, 4, 1), "overdue"),
        (INTERNAL_SST.replace("01/04/2026;02/04/2026", "01/03/2026;02/03/2026"), date(2026, 11, 23), "not_mandatory"),
        (INTERNAL_SST.replace("oui;1;", "oui;3;"), date(2026, 11, 23), "not_mandatory"),
        (INTERNAL_SST.replace("oui;1;", "oui;;"), date(2026, 11, 23), "to_declare"),
    ],
)
def test_internal_trainings_status(store: Store, record: str, today: date, status: str) -> None:
    store.import_records(records(record), "formations.csv", "internal")
    frame = store.workflow("internal_trainings", rules=RULES, today=today)
    assert frame["status"].tolist() == [status]


def test_an_internal_declaration_is_confirmed_then_undone(store: Store) -> None:
    store.import_records(records(INTERNAL_SST), "formations.csv", "internal")
    today = date(2026, 11, 23)
    batch = store.generate_export("internal", rules=RULES, today=today, catalogue=CATALOGUE)
    [file] = batch.files
    assert file.file_name == "interne_ADF_20261123.csv"
    store.confirm_export(file.export_id, rules=RULES, today=today)
    assert store.workflow("internal_trainings", rules=RULES, today=today)["status"].tolist() == ["declared"]
    store.undo_export(file.export_id)
    assert store.workflow("internal_trainings", rules=RULES, today=today)["status"].tolist() == ["to_declare"]


def test_an_export_that_fails_midway_records_nothing(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    store.import_records(records(SST_BOUGHT), "formations.csv", "internal")

    def broken(*args: object, **kwargs: object) -> bytes:
        raise declarations.InvalidExport(
            declarations.DeclarationFile("ADF", "x.csv", (), ()),
            portal.ValidationReport("ADF", ("erreur simulée",), (), ()),
        )

    monkeypatch.setattr(declarations, "validated_bytes", broken)
    with pytest.raises(declarations.InvalidExport):
        store.generate_export("carence", rules=RULES, today=CARENCE_DAY, catalogue=CATALOGUE)
    assert store.export_history().empty
    assert store.sql("SELECT count(*) AS n FROM export_lines")["n"].iloc[0] == 0


def test_changing_extension_until_in_the_settings_moves_the_deadlines(store: Store) -> None:
    store.import_records(records(SST_BOUGHT), "formations.csv", "internal")
    before = store.workflow("expected_trainings", rules=settings.active_rules(store), today=date(2026, 11, 23))
    assert before["of_deadline"].iloc[0].date() == date(2026, 12, 31)
    # Transitional period ended 31/03/2026: R = 16/06/2026 gets no extension, OF deadline EOM(30/06 + 3) = 30/09/2026.
    store.set_setting("override.extension_until", "2026-03-31")
    after = store.workflow("expected_trainings", rules=settings.active_rules(store), today=date(2026, 11, 23))
    assert after["of_deadline"].iloc[0].date() == date(2026, 9, 30)
    assert after["status"].iloc[0] == "carence_due"


def test_a_correction_request_is_listed_per_of_without_the_nir_then_marked_answered(store: Store) -> None:
    store.import_of_file(SAMPLE_ADF, "formasud.csv", organisme="Formasud", today=date(2026, 11, 23))
    # Asked on the dashboard's day (23/11/2026): the OF's file received the next day answers it.
    store.record_action(
        "of_line",
        ["Formasud|EMP-2026-000001"],
        "correction_requested",
        reason="nom attendu MARTIN-DUPONT",
        effective_on=date(2026, 11, 23),
    )
    requests = store.workflow("correction_requests", rules=RULES, today=date(2026, 11, 23))
    assert requests["id_unique_partenaire"].tolist() == ["EMP-2026-000001"]
    assert not requests["correction_answered"].iloc[0]
    csv, xlsx = corrections.request_files(requests, "Formasud")
    text = csv.decode("utf-8-sig")
    assert "EMP-2026-000001" in text and "nom attendu MARTIN-DUPONT" in text
    assert "2150197611807" not in text and "2 15 01 ** *** ***" in text
    assert xlsx.startswith(b"PK")

    corrected = SAMPLE_ADF.replace(b"|MARTIN|", b"|MARTIN-DUPONT|")
    store.import_of_file(corrected, "formasud_v2.csv", organisme="Formasud", today=date(2026, 11, 24))
    requests = store.workflow("correction_requests", rules=RULES, today=date(2026, 11, 24))
    assert requests["correction_answered"].tolist() == [True]


def test_the_scorecard_counts_late_and_missing_declarations_per_of(store: Store) -> None:
    store.import_records(
        records(SST_BOUGHT, "M4;PETIT;MAC SST;Formasud;non;1;01/03/2026;02/03/2026"), "formations.csv", "internal"
    )
    # The sample's MAC SST lines end 02/03/2026: OF deadline EOM(31/03/2026 + 3 + 3) = 30/09/2026; received
    # on 01/10/2026 they are late. The SST of M1 (OF deadline 31/12/2026) is not missing yet on 01/10/2026.
    store.import_of_file(SAMPLE_ADF, "formasud.csv", organisme="Formasud", today=date(2026, 10, 1))
    card = store.workflow("of_scorecard", rules=RULES, today=date(2026, 10, 1))
    assert card[["organisme", "declarations", "late", "missing"]].values.tolist() == [["Formasud", 7, 2, 0]]


def test_a_mac_sst_renews_the_sst_so_only_the_latest_of_the_family_counts(store: Store) -> None:
    store.import_records(
        records(
            "M1;MARTIN;Sauveteur secouriste du travail;;oui;1;01/03/2023;02/03/2023",
            "M1;MARTIN;MAC SST - maintien et actualisation des compétences;;oui;1;01/02/2025;02/02/2025",
            "M1;MARTIN;Habilitation électrique BS;;oui;1;01/02/2022;02/02/2022",
        )
        .replace(b"Date de fin\n", b"Date de fin;Date de fin de validit\xc3\xa9\n")
        .replace(b"02/03/2023\n", b"02/03/2023;01/03/2025\n")
        .replace(b"02/02/2025\n", b"02/02/2025;01/02/2027\n")
        .replace(b"02/02/2022\n", b"02/02/2022;01/02/2025\n"),
        "formations.csv",
        "internal",
    )
    validities = store.workflow("validities", rules=RULES, today=date(2026, 6, 1))
    latest = validities[validities["is_latest"]].set_index("training_title")
    assert set(latest.index) == {"MAC SST - maintien et actualisation des compétences", "Habilitation électrique BS"}
    assert latest.loc["MAC SST - maintien et actualisation des compétences", "status"] == "valid"
    assert latest.loc["MAC SST - maintien et actualisation des compétences", "training_family"] == "sst"
    assert latest.loc["Habilitation électrique BS", "status"] == "expired"
