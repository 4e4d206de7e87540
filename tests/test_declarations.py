"""Building the employer's carence and internal declaration files, and the catalogue of portal codes."""

from __future__ import annotations

import csv
import dataclasses
import random
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any, Literal

import pytest

from lib.declarations import (
    LABEL_BIRTH_NAME,
    LABEL_CODES,
    LABEL_END,
    LABEL_NIR,
    LABEL_SIRET,
    LABEL_START,
    LABEL_VALIDITY_START,
    CatalogueError,
    DeclarationBatch,
    DeclarationInput,
    InvalidExport,
    TrainingCodes,
    build_declarations,
    codes_for,
    load_code_catalogue,
    validated_bytes,
)
from lib.portal import parse_portal_file

SHARED = Path(__file__).resolve().parents[2] / "shared"
GOLDEN = Path(__file__).resolve().parent / "golden"
TODAY = date(2026, 11, 23)
SIRET = "63887548400971"
SST_COMPETENCES = "115650/400635/114955/120864/400610/103885/102382/496733/121831/119571"
SST_FORMACODES = "42866/42875/42829/42817/42819"


@cache
def rome_competences() -> frozenset[str]:
    path = SHARED / "referentials" / "rome4_v460_competences_savoirs.csv"
    with path.open(encoding="utf-8", newline="") as file:
        return frozenset(row[0] for index, row in enumerate(csv.reader(file)) if index > 0)


@cache
def catalogue() -> dict[str, TrainingCodes]:
    return load_code_catalogue()


def record(record_id: int = 1, **changes: Any) -> DeclarationInput:
    """An SST attendance of 15–16/06/2026, complete unless told otherwise."""
    values: dict[str, Any] = {
        "record_id": record_id,
        "proof_kind": "ADF",
        "matricule": f"M{record_id:04d}",
        "nir": "2150197611807",
        "birth_name": "Martin",
        "first_name": "Julie",
        "training_title": "Sauveteur secouriste du travail (SST)",
        "training_key": "sst",
        "start_date": date(2026, 6, 15),
        "end_date": date(2026, 6, 16),
        "validity_start": None,
        "validity_end": date(2028, 6, 15),
        "establishment_siret": SIRET,
    }
    values.update(changes)
    return DeclarationInput(**values)


def build(
    inputs: list[DeclarationInput],
    *,
    purpose: Literal["carence", "internal"] = "carence",
    used: frozenset[str] = frozenset(),
    codes: dict[str, TrainingCodes] | None = None,
) -> DeclarationBatch:
    return build_declarations(
        inputs,
        purpose=purpose,
        catalogue=catalogue() if codes is None else codes,
        used_partner_ids=used,
        prefix="EMP",
        today=TODAY,
    )


# --- The catalogue of portal codes ---


def test_the_catalogue_file_holds_only_the_codes_the_spec_gives_with_their_source() -> None:
    codes = catalogue()
    assert list(codes) == ["sst", "mac_sst", "caces_r489_cat3"]
    for key in ("sst", "mac_sst"):
        entry = codes[key]
        assert (
            entry.formation_certifiante,
            entry.certification_visee,
            entry.domaine_formation,
            entry.specialite_formation,
            entry.competences,
        ) == (False, "", SST_FORMACODES, "344r", SST_COMPETENCES)
    caces = codes["caces_r489_cat3"]
    assert (caces.formation_certifiante, caces.certification_visee, caces.training_key) == (True, "RS6869", "caces")
    assert (caces.domaine_formation, caces.specialite_formation, caces.competences) == ("", "", "")
    assert all(entry.source and entry.certainty for entry in codes.values())


def test_the_catalogue_competence_codes_exist_in_the_rome_referential() -> None:
    for entry in catalogue().values():
        codes = [code for code in entry.competences.split("/") if code]
        assert set(codes) <= rome_competences(), entry.key


@pytest.mark.parametrize(
    ("training_key", "title", "expected"),
    [
        ("sst", "Sauveteur secouriste du travail", "sst"),
        ("mac_sst", "MAC SST", "mac_sst"),
        ("caces", "CACES R489 catégorie 3", "caces_r489_cat3"),
        ("caces", "CACES® R.489 cat. 3", "caces_r489_cat3"),
        ("caces", "CACES R489 catégorie 5", None),
        ("caces", "CACES R486 nacelles", None),
        ("sst", "CACES R489 catégorie 3", "sst"),
        ("habilitation_electrique", "Habilitation électrique B1V", None),
        (None, "Sauveteur secouriste du travail", None),
        ("caces_r489_cat3", "Conduite de chariots", None),
    ],
)
def test_a_training_finds_its_codes_by_type_and_for_narrowed_entries_by_title(
    training_key: str | None, title: str, expected: str | None
) -> None:
    found = codes_for(catalogue(), training_key, title)
    assert (found.key if found else None) == expected


def test_the_users_own_entries_override_and_extend_the_catalogue_file() -> None:
    own_sst = dataclasses.replace(catalogue()["sst"], specialite_formation="344p", source="réglages")
    prap = TrainingCodes(
        key="prap",
        formation_certifiante=False,
        certification_visee="",
        domaine_formation="42829",
        specialite_formation="344r",
        competences="",
        type_jdr="",
        nom_jdr="",
        source="réglages",
    )
    merged = load_code_catalogue(extra={"sst": own_sst, "prap": prap})
    assert merged["sst"].specialite_formation == "344p"
    assert merged["prap"] is prap
    assert merged["mac_sst"] == catalogue()["mac_sst"]


_GOOD_ENTRY = """
[[codes]]
key = "sst"
formation_certifiante = false
domaine_formation = "42829"
specialite_formation = "344r"
source = "test"
"""


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        (_GOOD_ENTRY.replace('"42829"', '"12"'), "codes[1] : « domaine_formation » invalide : « 12 »"),
        (_GOOD_ENTRY.replace('"344r"', '"344R"'), "« specialite_formation » invalide : « 344R »"),
        (_GOOD_ENTRY + 'competences = "115650/400635"\n', "« competences » invalide"),
        (_GOOD_ENTRY.replace("false", "true"), "une formation certifiante n'a ni"),
        (_GOOD_ENTRY + 'certification_visee = "RS6869"\n', "une formation non certifiante n'a pas"),
        (_GOOD_ENTRY + 'type_jdr = "Certificat"\n', "« type_jdr » invalide : « Certificat »"),
        (_GOOD_ENTRY.replace("false", '"non"'), "« formation_certifiante » doit valoir true ou false"),
        (_GOOD_ENTRY.replace('source = "test"', ""), "« source » est obligatoire"),
        (_GOOD_ENTRY + _GOOD_ENTRY, "codes[2] : la clé « sst » apparaît deux fois"),
        ("title = 'vide'\n", "la liste « codes » est absente"),
        ("codes = [", "illisible"),
    ],
)
def test_a_malformed_catalogue_file_is_refused_naming_the_entry_and_the_field(
    tmp_path: Path, text: str, fragment: str
) -> None:
    path = tmp_path / "codes.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CatalogueError) as raised:
        load_code_catalogue(path)
    assert "« codes.toml »" in str(raised.value)
    assert fragment in str(raised.value)


# --- Golden files: the exact bytes deposited on the portal ---


def test_a_carence_adf_file_is_written_byte_for_byte_as_the_golden_file() -> None:
    inputs = [
        record(101, nir="2150197611807", birth_name="martin ", matricule="M0101"),
        record(102, nir="1550779191553", birth_name="Bernard", first_name="Luc", matricule="M0102"),
        record(
            103,
            nir="1771280021384",
            birth_name="Petit",
            training_title="MAC SST - maintien et actualisation des compétences",
            training_key="mac_sst",
            start_date=date(2026, 3, 2),
            end_date=date(2026, 3, 2),
            validity_end=date(2028, 3, 1),
            matricule="M0103",
        ),
        record(
            104,
            nir="2301136044029",
            birth_name="Richard",
            training_title="CACES R489 catégorie 3",
            training_key="caces",
            start_date=date(2026, 5, 11),
            end_date=date(2026, 5, 13),
            validity_start=date(2026, 5, 13),
            validity_end=date(2031, 5, 12),
            matricule="M0104",
        ),
    ]
    batch = build(list(reversed(inputs)), used=frozenset({"EMP-102-1"}))
    assert batch.missing == ()
    [file] = batch.files
    assert file.file_name == "carence_ADF_20261123.csv"
    golden = (GOLDEN / "carence_ADF_20261123.csv").read_bytes()
    assert file.to_bytes() == golden
    assert validated_bytes(file, today=TODAY, competences=rome_competences()) == golden


def test_an_internal_jdr_file_is_written_byte_for_byte_as_the_golden_file() -> None:
    common: dict[str, Any] = {
        "proof_kind": "JDR",
        "training_title": "Sauveteur secouriste du travail",
        "start_date": date(2026, 10, 5),
        "end_date": date(2026, 10, 6),
        "validity_end": date(2028, 10, 5),
    }
    inputs = [
        record(202, nir="1750924322550", birth_name="Moreau", matricule="M0202", **common),
        record(201, nir="1100511069263", birth_name="Lefèvre", matricule="M0201", **common),
    ]
    batch = build(inputs, purpose="internal")
    [file] = batch.files
    assert (file.kind, file.file_name) == ("JDR", "interne_JDR_20261123.csv")
    golden = (GOLDEN / "interne_JDR_20261123.csv").read_bytes()
    assert file.to_bytes() == golden
    assert validated_bytes(file, today=TODAY, competences=rome_competences()) == golden


def test_the_golden_files_are_utf8_without_bom_with_crlf_and_pass_the_portal_validator() -> None:
    for path in sorted(GOLDEN.glob("*.csv")):
        data = path.read_bytes()
        assert not data.startswith(b"\xef\xbb\xbf")
        assert data.count(b"\r\n") == data.count(b"\n") == len(data.splitlines())
        report = parse_portal_file(
            data, path.name, today=TODAY, competences=rome_competences(), declarant="employer"
        ).report
        assert report.valid, report.to_dict()


# --- Grouping, identifiers, determinism ---


def test_adf_and_jdr_records_go_to_one_file_each() -> None:
    batch = build([record(1), record(2, proof_kind="JDR"), record(3)])
    assert [(file.kind, file.file_name, len(file.rows)) for file in batch.files] == [
        ("ADF", "carence_ADF_20261123.csv", 2),
        ("JDR", "carence_JDR_20261123.csv", 1),
    ]
    assert [a.record_id for a in batch.files[0].assignments] == [1, 3]
    assert [a.record_id for a in batch.files[1].assignments] == [2]


@pytest.mark.parametrize(
    ("second", "shared"),
    [
        ({}, True),
        ({"training_title": "sauveteur SECOURISTE du travail SST"}, True),
        ({"first_name": "Paul", "birth_name": "Durand", "matricule": "X"}, True),
        ({"validity_end": date(2028, 6, 1)}, True),
        ({"establishment_siret": "73282932000074"}, True),
        ({"start_date": date(2026, 6, 14)}, False),
        ({"end_date": date(2026, 6, 17)}, False),
        ({"training_title": "SST (session 2)"}, False),
        ({"training_key": "mac_sst"}, False),
    ],
)
def test_holders_share_a_declaration_only_when_their_training_is_the_same(second: dict[str, Any], shared: bool) -> None:
    batch = build([record(1), record(2, nir="1550779191553", **second)])
    [file] = batch.files
    assert (file.rows[0]["ID_DECLARATION"] == file.rows[1]["ID_DECLARATION"]) is shared
    assert validated_bytes(file, today=TODAY, competences=rome_competences())


def test_holders_of_one_training_written_differently_get_one_title() -> None:
    batch = build([record(1, training_title="sst  formation"), record(2, training_title="SST formation")])
    [file] = batch.files
    assert {row["NOM_FORMATION"] for row in file.rows} == {"SST formation"}
    assert {row["REFERENCE_DECLARATION"] for row in file.rows} == {"Carence – SST formation – 16/06/2026"}


def _nir(n: int) -> str:
    return f"1850575056{n:03d}"


def test_501_holders_of_one_training_are_split_into_500_and_1() -> None:
    inputs = [record(n, nir=_nir(n), birth_name=f"Titulaire{n:03d}") for n in range(1, 502)]
    [file] = build(inputs).files
    declarations = [row["ID_DECLARATION"] for row in file.rows]
    first, second = sorted(set(declarations))
    assert first.endswith("-01") and second.endswith("-02")
    assert first[:-3] == second[:-3]
    assert (declarations.count(first), declarations.count(second)) == (500, 1)
    references = {row["ID_DECLARATION"]: row["REFERENCE_DECLARATION"] for row in file.rows}
    assert references[first] == "Carence – Sauveteur secouriste du travail (SST) – 16/06/2026 (1/2)"
    assert references[second] == "Carence – Sauveteur secouriste du travail (SST) – 16/06/2026 (2/2)"
    assert file.rows[-1]["NOM_TITULAIRE"] == "TITULAIRE501"
    assert validated_bytes(file, today=TODAY, competences=rome_competences())


def test_500_holders_stay_in_one_declaration() -> None:
    inputs = [record(n, nir=_nir(n), birth_name=f"T{n}") for n in range(1, 501)]
    [file] = build(inputs).files
    assert {row["ID_DECLARATION"][-3:] for row in file.rows} == {"-01"}


def test_the_same_inputs_in_any_order_give_the_same_bytes() -> None:
    inputs = [
        record(n, nir=_nir(n), birth_name=name, end_date=date(2026, 6, 16 + n % 3))
        for n, name in enumerate(["Durand", "Aubert", "Zola", "Aubert", "Éluard", "Moreau"], start=1)
    ]
    expected = [file.to_bytes() for file in build(inputs).files]
    for seed in range(5):
        shuffled = inputs[:]
        random.Random(seed).shuffle(shuffled)
        assert [file.to_bytes() for file in build(shuffled).files] == expected


def test_holders_are_sorted_by_birth_name_then_first_name_within_a_declaration() -> None:
    inputs = [
        record(1, nir=_nir(1), birth_name="Zola", first_name="Émile"),
        record(2, nir=_nir(2), birth_name="Éluard", first_name="Paul"),
        record(3, nir=_nir(3), birth_name="Aubert", first_name="Marc"),
        record(4, nir=_nir(4), birth_name="Aubert", first_name="Anne"),
    ]
    [file] = build(inputs).files
    assert [a.record_id for a in file.assignments] == [4, 3, 2, 1]


@pytest.mark.parametrize(
    ("used", "expected"),
    [
        (frozenset(), "EMP-7-1"),
        (frozenset({"EMP-7-1"}), "EMP-7-2"),
        (frozenset({"EMP-7-1", "EMP-7-2"}), "EMP-7-3"),
        (frozenset({"EMP-7-2"}), "EMP-7-1"),
        (frozenset({"EMP-71-1", "AUTRE-7-1", "EMP-17-1"}), "EMP-7-1"),
    ],
)
def test_a_holder_gets_the_first_partner_identifier_not_in_the_ledger(used: frozenset[str], expected: str) -> None:
    [file] = build([record(7)], used=used).files
    assert file.rows[0]["ID_UNIQUE_PARTENAIRE"] == expected
    assert file.assignments[0].id_unique_partenaire == expected


def test_a_file_built_again_after_its_deposit_gets_new_partner_identifiers() -> None:
    inputs = [record(1), record(2, nir="1550779191553")]
    [before] = build(inputs).files
    [again] = build(inputs).files
    assert again.to_bytes() == before.to_bytes()
    ledger = frozenset(a.id_unique_partenaire for a in before.assignments)
    [after] = build(inputs, used=ledger).files
    assert [a.id_unique_partenaire for a in after.assignments] == ["EMP-1-2", "EMP-2-2"]
    assert [a.id_declaration for a in after.assignments] == [a.id_declaration for a in before.assignments]


def test_declaration_identifiers_name_the_purpose_the_end_date_and_the_training() -> None:
    [carence] = build([record(1)]).files
    [internal] = build([record(1)], purpose="internal").files
    carence_id = carence.rows[0]["ID_DECLARATION"]
    internal_id = internal.rows[0]["ID_DECLARATION"]
    assert carence_id.startswith("CARENCE-20260616-SST-") and carence_id.endswith("-01")
    assert internal_id.startswith("INTERNE-20260616-SST-")
    assert internal.file_name == "interne_ADF_20261123.csv"
    assert internal.rows[0]["REFERENCE_DECLARATION"] == (
        "Formation interne – Sauveteur secouriste du travail (SST) – 16/06/2026"
    )


@pytest.mark.parametrize(
    ("changes", "column", "expected"),
    [
        ({"nir": "2 15 01 97 611 807"}, "NIR", "2150197611807"),
        ({"nir": "215019761180726"}, "NIR", "2150197611807"),
        ({"birth_name": "  de la   Fontaine "}, "NOM_TITULAIRE", "DE LA FONTAINE"),
        ({"birth_name": "Lefèvre"}, "NOM_TITULAIRE", "LEFÈVRE"),
        ({"establishment_siret": "638 875 484 00971"}, "SIRET_EMPLOYEUR", SIRET),
        ({"matricule": None}, "REFERENCE_EMPLOYEUR", ""),
        ({"validity_start": None}, "DATE_DEBUT_VALIDITE", "16/06/2026"),
        ({"validity_start": date(2026, 7, 1)}, "DATE_DEBUT_VALIDITE", "01/07/2026"),
        ({"validity_end": None}, "DATE_FIN_VALIDITE", ""),
        ({"training_title": "SST | groupe\n2"}, "NOM_FORMATION", "SST - groupe 2"),
        ({"training_title": "S" * 300}, "NOM_FORMATION", "S" * 250),
    ],
)
def test_record_values_are_written_as_the_portal_expects(changes: dict[str, Any], column: str, expected: str) -> None:
    [file] = build([record(1, **changes)]).files
    assert file.rows[0][column] == expected
    assert validated_bytes(file, today=TODAY, competences=rome_competences())


def test_a_jdr_row_declares_the_training_with_it() -> None:
    [file] = build([record(1, proof_kind="JDR")]).files
    row = file.rows[0]
    assert (row["TYPE_JDR"], row["NOM_JDR"], row["PRESENCE_FORMATION"]) == (
        "CERTIFICAT",
        "Sauveteur secouriste du travail",
        "OUI",
    )
    assert (row["NOM_FORMATION"], row["DATE_DEBUT_FORMATION"], row["SPECIALITE_FORMATION"]) == (
        "Sauveteur secouriste du travail (SST)",
        "15/06/2026",
        "344r",
    )
    assert (row["MODALITE_DISPENSE"], row["QUALIFICATION_FORMATEUR"], row["LIEN_PREUVE"]) == ("", "", "")


# --- Records that cannot be declared yet ---


def test_a_record_lacking_data_is_reported_with_a_french_sentence_and_left_out_of_the_file() -> None:
    incomplete = record(
        42,
        matricule="M0042",
        birth_name="Dupont",
        first_name="Marie",
        nir=None,
        start_date=None,
        training_title="Habilitation électrique B1V",
        training_key="habilitation_electrique",
        end_date=date(2026, 3, 2),
    )
    batch = build([incomplete, record(1)])
    [file] = batch.files
    assert [a.record_id for a in file.assignments] == [1]
    [missing] = batch.missing
    assert (missing.record_id, missing.matricule, missing.who, missing.training) == (
        42,
        "M0042",
        "DUPONT Marie (matricule M0042)",
        "Habilitation électrique B1V",
    )
    assert missing.missing == (LABEL_NIR, LABEL_START, LABEL_CODES)
    assert missing.message == (
        "DUPONT Marie (matricule M0042), formation « Habilitation électrique B1V » du 02/03/2026 : "
        "NIR absent ; date de début de formation absente ; "
        "codes du portail inconnus pour « habilitation_electrique » : complétez le catalogue."
    )


@pytest.mark.parametrize(
    ("changes", "labels", "fragment"),
    [
        ({"nir": None}, (LABEL_NIR,), "NIR absent"),
        ({"nir": "  "}, (LABEL_NIR,), "NIR absent"),
        ({"nir": "315019761180"}, (LABEL_NIR,), "NIR invalide (longueur 12 au lieu de 13)"),
        ({"nir": "215019761180712"}, (LABEL_NIR,), "NIR invalide (clé de contrôle incorrecte)"),
        ({"birth_name": None}, (LABEL_BIRTH_NAME,), "nom de naissance absent"),
        ({"birth_name": ""}, (LABEL_BIRTH_NAME,), "nom de naissance absent"),
        (
            {"birth_name": "Martin-Dupont de la Tour d'Auvergne"},
            (LABEL_BIRTH_NAME,),
            "nom de naissance « MARTIN-DUPONT DE LA TOUR D'AUVERGNE » de 35 caractères : "
            "le portail en accepte 30 au plus",
        ),
        ({"establishment_siret": None}, (LABEL_SIRET,), "SIRET de l'établissement absent"),
        ({"establishment_siret": "63887548400972"}, (LABEL_SIRET,), "« 63887548400972 » invalide"),
        ({"start_date": None}, (LABEL_START,), "date de début de formation absente"),
        (
            {"start_date": date(2026, 6, 17)},
            (LABEL_START,),
            "date de début 17/06/2026 postérieure à la fin 16/06/2026",
        ),
        (
            {"start_date": date(2026, 11, 20), "end_date": date(2026, 11, 24), "validity_end": None},
            (LABEL_END,),
            "formation non terminée au 23/11/2026 (fin le 24/11/2026)",
        ),
        (
            {"validity_start": date(2026, 6, 15)},
            (LABEL_VALIDITY_START,),
            "début de validité 15/06/2026 antérieur à la fin de formation 16/06/2026",
        ),
        ({"validity_end": date(2026, 6, 1)}, ("date de fin de validité",), "fin de validité 01/06/2026"),
        (
            {"training_key": "prap", "training_title": "PRAP IBC"},
            (LABEL_CODES,),
            "codes du portail inconnus pour « prap » : complétez le catalogue",
        ),
        (
            {"training_key": None, "training_title": "Formation maison"},
            (LABEL_CODES,),
            "codes du portail inconnus pour « Formation maison » : complétez le catalogue",
        ),
        (
            {"training_key": "mac_sst", "proof_kind": "JDR"},
            (LABEL_CODES,),
            "codes du portail incomplets pour « mac_sst » (TYPE_JDR, NOM_JDR à renseigner pour un "
            "fichier JDR) : complétez le catalogue",
        ),
        (
            {"nir": None, "establishment_siret": None},
            (LABEL_NIR, LABEL_SIRET),
            "NIR absent ; SIRET de l'établissement absent.",
        ),
    ],
)
def test_each_missing_piece_of_data_is_named(changes: dict[str, Any], labels: tuple[str, ...], fragment: str) -> None:
    batch = build([record(5, **changes)])
    assert batch.files == ()
    [missing] = batch.missing
    assert missing.missing == labels
    assert fragment in missing.message


@pytest.mark.parametrize(
    ("changes", "who"),
    [
        ({}, "MARTIN Julie (matricule M0005)"),
        ({"matricule": None}, "MARTIN Julie"),
        ({"birth_name": None, "first_name": None}, "matricule M0005"),
        ({"birth_name": None, "first_name": None, "matricule": None}, "enregistrement n° 5"),
    ],
)
def test_a_missing_record_names_its_person_as_well_as_it_can(changes: dict[str, Any], who: str) -> None:
    [missing] = build([record(5, nir=None, **changes)]).missing
    assert missing.who == who
    assert missing.message.startswith(f"{who}, formation ")


def test_a_certifying_entry_without_its_rs_code_is_reported_as_incomplete() -> None:
    codes = dict(catalogue())
    codes["caces_r489_cat3"] = dataclasses.replace(codes["caces_r489_cat3"], certification_visee="")
    batch = build([record(3, training_key="caces", training_title="CACES R489 cat 3")], codes=codes)
    [missing] = batch.missing
    assert "codes du portail incomplets pour « caces » (CERTIFICATION_VISEE à renseigner" in missing.message


# --- Never an invalid file ---


def test_an_invalid_catalogue_code_stops_the_export_naming_the_line_and_the_column() -> None:
    codes = dict(catalogue())
    codes["sst"] = dataclasses.replace(codes["sst"], domaine_formation="12")
    [file] = build([record(1), record(2, nir="1550779191553", birth_name="Bernard")], codes=codes).files
    with pytest.raises(InvalidExport) as raised:
        validated_bytes(file, today=TODAY, competences=rome_competences())
    errors = [(e.line, e.column, e.value) for e in raised.value.report.line_errors]
    assert errors == [(2, "DOMAINE_FORMATION", "12"), (3, "DOMAINE_FORMATION", "12")]
    message = str(raised.value)
    assert message.startswith("Le fichier « carence_ADF_20261123.csv » n'a pas été produit")
    assert (
        "ligne 2 (enregistrement n° 2), colonne DOMAINE_FORMATION (« 12 ») : Formacode invalide : 12 (5 chiffres)"
        in message
    )
    assert "ligne 3 (enregistrement n° 1), colonne DOMAINE_FORMATION" in message


def test_competence_codes_unknown_to_the_loaded_referential_stop_the_export() -> None:
    codes = dict(catalogue())
    codes["sst"] = dataclasses.replace(codes["sst"], competences="999991/999992/999993")
    [file] = build([record(1)], codes=codes).files
    with pytest.raises(InvalidExport, match="colonne COMPETENCE_TRANSFERABLE"):
        validated_bytes(file, today=TODAY, competences=rome_competences())
    assert validated_bytes(file, today=TODAY, competences=None) == file.to_bytes()


def test_a_file_checked_on_a_day_before_its_training_ended_is_refused() -> None:
    [file] = build([record(1)]).files
    with pytest.raises(InvalidExport, match="colonne DATE_FIN_FORMATION"):
        validated_bytes(file, today=date(2026, 6, 15), competences=None)


@pytest.mark.parametrize("prefix", ["", "EMP|X", "EMP 1", "-EMP", "E" * 101])
def test_a_partner_prefix_that_would_break_the_file_is_refused(prefix: str) -> None:
    with pytest.raises(ValueError, match="Préfixe d'identifiant"):
        build_declarations(
            [record(1)],
            purpose="carence",
            catalogue=catalogue(),
            used_partner_ids=frozenset(),
            prefix=prefix,
            today=TODAY,
        )


def test_a_record_given_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="Enregistrement n° 1 présent deux fois"):
        build([record(1), record(1)])


def test_nothing_to_declare_gives_no_file() -> None:
    assert build([]) == DeclarationBatch(files=(), missing=())
