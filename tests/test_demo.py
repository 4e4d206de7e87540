"""The demo data set: reproducible, accepted by the portal validator and the HR reader, rich in situations."""

from __future__ import annotations

import csv
import io
import re
import tomllib
import unicodedata
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
from stdnum.fr import nir as stdnum_nir
from stdnum.fr import siret as stdnum_siret

from lib.fakes.demo import DEMO_DIR, DEMO_TODAY, generate_demo
from lib.portal import parse_portal_file
from lib.records import read_records
from lib.rules import DEFAULT_RULE_SET, Kind, compute_deadlines, load_rule_set
from lib.statuses import employer_scope_from, expected_status, internal_status, validity_status, verification_status

SHARED = Path(__file__).resolve().parents[2] / "shared"
ROME_FILE = SHARED / "referentials" / "rome4_v460_competences_savoirs.csv"

# The contract of the internal template (lib/records/fields.py), written out here rather than imported.
INTERNAL_HEADER = [
    "Matricule", "NIR", "Nom de naissance", "Nom d'usage", "Prénom", "SIRET de l'établissement", "Site",
    "Service", "Formation", "Type de formation", "Catégorie", "Organisme", "SIRET de l'organisme", "Interne",
    "Type de justificatif", "Date de début", "Date de fin", "Date de début de validité",
    "Date de fin de validité", "Référence",
]  # fmt: skip
ROSTER_HEADER_LINE = (
    "Matricule;N° SS;Nom de naissance;Nom d'usage;Prénom;SIRET établissement;Site;Service;Poste;Responsable;"
    "Date d'entrée;Date de sortie"
)
# rules.md §6 recommendations, by « Type de formation ».
VALIDITY_MONTHS = {
    "SST": 24, "MAC SST": 24, "PRAP": 24, "Habilitation électrique": 36, "SSIAP": 36, "CACES R489": 60,
    "CACES R486": 60, "AIPR": 60,
}  # fmt: skip
WITHOUT_VALIDITY = {"Travail en hauteur", "Gestes et postures", "Incendie / EPI"}
SST_COMPETENCES = "115650/400635/114955/120864/400610/103885/102382/496733/121831/119571"


def add_months(d: date, months: int) -> date:
    index = d.year * 12 + d.month - 1 + months
    year, month = divmod(index, 12)
    for day in range(d.day, 27, -1):
        try:
            return date(year, month + 1, day)
        except ValueError:
            continue
    return date(year, month + 1, d.day)


def normalized(text: str) -> str:
    stripped = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^a-z0-9]+", " ", stripped.lower()).split())


def portal_date(value: str) -> date | None:
    return datetime.strptime(value, "%d/%m/%Y").date() if value else None


# --- loading the committed files ---------------------------------------------------------------------


@cache
def manifest() -> dict[str, Any]:
    return tomllib.loads((DEMO_DIR / "manifest.toml").read_text(encoding="utf-8"))


@cache
def employer() -> dict[str, Any]:
    return tomllib.loads((DEMO_DIR / "employeur.toml").read_text(encoding="utf-8"))


@cache
def competence_codes() -> frozenset[str]:
    with ROME_FILE.open(encoding="utf-8", newline="") as handle:
        return frozenset(row["code_ogr"] for row in csv.DictReader(handle))


@cache
def roster() -> pd.DataFrame:
    result = read_records((DEMO_DIR / "salaries.csv").read_bytes(), "salaries.csv", "roster")
    assert result.ok, (result.file_errors, result.issues[:5])
    return result.frame


@cache
def internal() -> pd.DataFrame:
    result = read_records((DEMO_DIR / "formations.xlsx").read_bytes(), "formations.xlsx", "internal")
    assert result.ok, (result.file_errors, result.issues[:5])
    return result.frame


@dataclass(frozen=True)
class Line:
    file: str
    kind: str
    organisme: str
    received_on: date
    row: dict[str, str]
    resent: bool = False  # a line the OF sends again (corrected) under the ID_UNIQUE_PARTENAIRE of an earlier file

    @property
    def end(self) -> date:
        value = portal_date(self.row["DATE_FIN_FORMATION"])
        assert value is not None
        return value


@cache
def of_lines() -> tuple[Line, ...]:
    lines = []
    seen: set[tuple[str, str]] = set()
    for entry in sorted(manifest()["of_files"], key=lambda e: e["received_on"]):
        path = DEMO_DIR / entry["file"]
        parsed = parse_portal_file(path.read_bytes(), path.name, today=entry["received_on"])
        for row in parsed.rows:
            key = (entry["organisme"], row["ID_UNIQUE_PARTENAIRE"])
            lines.append(Line(entry["file"], entry["kind"], entry["organisme"], entry["received_on"], dict(row),
                              resent=key in seen))  # fmt: skip
            seen.add(key)
    return tuple(lines)


def corrections() -> dict[tuple[str, str], dict[str, Any]]:
    """The employer's correction requests of the manifest, by (organisme, ID_UNIQUE_PARTENAIRE)."""
    return {(c["organisme"], c["id_unique_partenaire"]): c for c in manifest().get("corrections", [])}


def every_file(folder: Path) -> Iterator[Path]:
    return (p.relative_to(folder) for p in sorted(folder.rglob("*")) if p.is_file())


# --- reproducibility and shape -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    generate_demo(out)
    return out


# Committed next to the generated files by the store's demo loader, not by the generator.
NOT_GENERATED = {Path("catalogue_codes_demo.toml")}


def test_generating_again_reproduces_the_committed_files_byte_for_byte(regenerated: Path) -> None:
    generated = list(every_file(regenerated))
    assert [p for p in every_file(DEMO_DIR) if p not in NOT_GENERATED] == generated
    different = [str(p) for p in generated if (DEMO_DIR / p).read_bytes() != (regenerated / p).read_bytes()]
    assert different == []


def test_another_seed_gives_other_people(tmp_path: Path) -> None:
    generate_demo(tmp_path, seed=7)
    assert (tmp_path / "salaries.csv").read_bytes() != (DEMO_DIR / "salaries.csv").read_bytes()


def test_the_demo_weighs_well_under_one_megabyte() -> None:
    assert sum((DEMO_DIR / p).stat().st_size for p in every_file(DEMO_DIR)) < 700_000


def test_the_manifest_names_the_files_and_the_demo_day() -> None:
    m = manifest()
    assert m["demo_today"] == DEMO_TODAY == date(2026, 11, 23)
    assert (m["roster"], m["internal"], m["employer"]) == (
        "salaries.csv",
        "formations.xlsx",
        "employeur.toml",
    )
    listed = {entry["file"] for entry in m["of_files"]}
    assert listed == {f"of/{p.name}" for p in (DEMO_DIR / "of").glob("*.csv")}
    assert (DEMO_DIR / "README.md").exists()


def test_each_of_file_is_named_after_its_organisme_kind_and_date_and_received_by_demo_day() -> None:
    for entry in manifest()["of_files"]:
        match = re.fullmatch(r"of/([a-z0-9-]+)_(ADF|JDR)_(\d{8})\.csv", entry["file"])
        assert match, entry["file"]
        assert match.group(2) == entry["kind"]
        assert datetime.strptime(match.group(3), "%Y%m%d").date() <= entry["received_on"] <= DEMO_TODAY
        assert normalized(entry["organisme"]).replace(" ", "-") == match.group(1)
        assert stdnum_siret.is_valid(entry["organisme_siret"])
    kinds = Counter(entry["kind"] for entry in manifest()["of_files"])
    assert kinds["ADF"] > kinds["JDR"] >= 1
    assert 4 <= len({entry["organisme"] for entry in manifest()["of_files"]}) <= 5


def test_the_employer_has_three_establishments_sharing_one_siren() -> None:
    establishments = employer()["etablissements"]
    sirets = [e["siret"] for e in establishments]
    assert len(set(sirets)) == 3
    assert all(stdnum_siret.is_valid(s) for s in sirets)
    assert {s[:9] for s in sirets} == {employer()["siren"]}
    assert all(e["nom"] and e["site"] for e in establishments) and employer()["nom"]


# --- the OF files ------------------------------------------------------------------------------------


@pytest.mark.parametrize("entry", manifest()["of_files"], ids=lambda entry: entry["file"])
def test_every_of_file_passes_the_portal_validator_on_the_day_it_was_received(entry: dict[str, Any]) -> None:
    path = DEMO_DIR / entry["file"]
    parsed = parse_portal_file(path.read_bytes(), path.name, today=entry["received_on"],
                               competences=competence_codes())  # fmt: skip
    assert parsed.report.file_errors == ()
    assert parsed.report.line_errors == ()
    assert parsed.kind == entry["kind"]
    assert parsed.rows


def test_partner_ids_are_unique_per_organisme_across_all_its_files() -> None:
    seen = Counter((line.organisme, line.row["ID_UNIQUE_PARTENAIRE"]) for line in of_lines())
    # Only a line the employer asked to correct comes again, once, in the file of the day the OF corrects it.
    again = {key: c["answered_on"] for key, c in corrections().items() if "answered_on" in c}
    assert [key for key, count in seen.items() if count > 1] == sorted(again)
    resent = [line for line in of_lines() if line.resent]
    assert [(ln.organisme, ln.row["ID_UNIQUE_PARTENAIRE"], ln.received_on) for ln in resent] == [
        (*key, day) for key, day in sorted(again.items())
    ]


def test_a_declaration_groups_several_holders_in_one_file() -> None:
    files_of: dict[str, set[str]] = {}
    sizes: Counter[str] = Counter()
    for line in of_lines():
        files_of.setdefault(line.row["ID_DECLARATION"], set()).add(line.file)
        sizes[line.row["ID_DECLARATION"]] += 1
    assert all(len(files) == 1 for files in files_of.values())
    assert sum(1 for n in sizes.values() if n >= 3) > len(sizes) / 2


def test_of_lines_carry_13_character_nirs_and_capitalised_names() -> None:
    for line in of_lines():
        assert len(line.row["NIR"]) == 13
        assert line.row["NOM_TITULAIRE"] == line.row["NOM_TITULAIRE"].upper()


def test_sst_lines_use_the_official_codes_and_caces_r489_cat_3_is_certifying() -> None:
    sst = [ln.row for ln in of_lines() if normalized(ln.row["NOM_FORMATION"]).startswith("sauveteur")]
    assert sst and all(r["COMPETENCE_TRANSFERABLE"] == SST_COMPETENCES for r in sst)
    sst_codes = ("42866/42875/42829/42817/42819", "344r")
    assert all((r["DOMAINE_FORMATION"], r["SPECIALITE_FORMATION"]) == sst_codes for r in sst)
    r489_3 = [ln.row for ln in of_lines() if normalized(ln.row["NOM_FORMATION"]) == "caces r489 categorie 3"]
    assert r489_3 and all((r["FORMATION_CERTIFIANTE"], r["CERTIFICATION_VISEE"]) == ("OUI", "RS6869")
                          for r in r489_3)  # fmt: skip


def test_every_competence_code_of_the_of_files_exists_in_the_rome_referential() -> None:
    codes = {code for line in of_lines() for code in line.row["COMPETENCE_TRANSFERABLE"].split("/")}
    assert codes and codes <= competence_codes()


def test_a_jdr_keys_on_a_validity_start_later_than_the_training_end() -> None:
    jdr = [line.row for line in of_lines() if line.kind == "JDR"]
    assert any(r["DATE_DEBUT_VALIDITE"] != r["DATE_FIN_FORMATION"] for r in jdr)
    assert all(r["TYPE_JDR"] == "CERTIFICAT" for r in jdr)


# --- the HR files --------------------------------------------------------------------------------------


def test_the_roster_is_a_windows_1252_semicolon_export_with_french_headers() -> None:
    data = (DEMO_DIR / "salaries.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    text = data.decode("cp1252")
    assert text.split("\r\n", 1)[0] == ROSTER_HEADER_LINE
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))[1:]
    assert all(re.fullmatch(r"\d{2}/\d{2}/\d{4}", row[10]) for row in rows)
    nirs = [row[1] for row in rows if row[1]]
    assert all(len(n) == 15 and stdnum_nir.is_valid(n) for n in nirs)
    assert 0 < len(rows) - len(nirs) <= 3


def test_the_roster_reads_back_without_any_issue_and_has_the_expected_people() -> None:
    frame = roster()
    assert 280 <= len(frame) <= 320
    left = frame[frame.exit_date.notna()]
    assert 5 <= len(left) and all(date(2025, 1, 1) <= d <= DEMO_TODAY for d in left.exit_date)
    women = frame[frame.nir.fillna("").str.startswith("2")]
    married = women[women.usage_name.notna() & (women.usage_name != women.birth_name)]
    assert len(married) >= 20
    assert any(normalized(n) != n.lower() for n in frame.birth_name)  # accented names
    assert set(frame.establishment_siret) == {e["siret"] for e in employer()["etablissements"]}
    assert frame.manager.notna().sum() > 250


def test_the_internal_file_has_the_exact_template_header_and_native_excel_dates() -> None:
    workbook = openpyxl.load_workbook(DEMO_DIR / "formations.xlsx", read_only=True)
    sheet = workbook.active
    rows = sheet.iter_rows(values_only=True)
    assert list(next(rows)) == INTERNAL_HEADER
    first = next(rows)
    assert all(isinstance(first[i], datetime) for i in (15, 16, 17))
    assert first[13] in ("oui", "non") and first[14] in ("ADF", "JDR")


def test_the_internal_file_reads_back_without_any_issue_and_spans_2023_to_demo_day() -> None:
    frame = internal()
    assert 1800 <= len(frame) <= 2300
    assert min(frame.end_date) < date(2023, 3, 1) and max(frame.end_date) <= DEMO_TODAY
    assert (frame.end_date >= date(2025, 1, 1)).mean() > 0.5
    assert set(frame.proof_kind) == {"ADF", "JDR"}
    internal_rows = frame[frame.is_internal]
    assert 200 <= len(internal_rows) and internal_rows.organisme.isna().all()
    bought = frame[~frame.is_internal]
    organismes = {(e["organisme"], e["organisme_siret"]) for e in manifest()["of_files"]}
    assert set(zip(bought.organisme, bought.organisme_siret, strict=True)) == organismes
    assert frame.groupby("reference").size().median() >= 4  # sessions of several employees


def test_validity_ends_follow_the_recommended_durations_except_a_few_typing_errors() -> None:
    frame = internal()
    without = frame[frame.training_type.isin(WITHOUT_VALIDITY)]
    assert len(without) > 0 and without.validity_end.isna().all()
    with_duration = rows_of(frame[frame.training_type.isin(VALIDITY_MONTHS) & frame.validity_end.notna()])
    off = [
        r["reference"]
        for r in with_duration
        if r["validity_end"] != add_months(r["validity_start"], VALIDITY_MONTHS[r["training_type"]]) - timedelta(1)
    ]
    assert 1 <= len(off) <= 5
    missing = frame[frame.training_type.isin(VALIDITY_MONTHS) & frame.validity_end.isna()]
    assert len(missing) >= 5


# --- the situations, recomputed from the files -------------------------------------------------------


@dataclass
class Reconciliation:
    """An independent, simple reconciliation of the files at DEMO_TODAY (NIR, title, end date ± 3 days)."""

    counts: Counter[str] = field(default_factory=Counter)
    reference_dates: dict[str, list[date]] = field(default_factory=dict)
    internal_deadlines: set[date] = field(default_factory=set)
    per_organisme: dict[str, Counter[str]] = field(default_factory=dict)

    def add(self, code: str, r: date | None = None, organisme: str | None = None) -> None:
        self.counts[code] += 1
        if r is not None:
            self.reference_dates.setdefault(code, []).append(r)
        if organisme is not None:
            self.per_organisme.setdefault(organisme, Counter())[code] += 1


Row = dict[str, Any]


def rows_of(frame: pd.DataFrame) -> list[Row]:
    """Plain dicts, with pandas' missing values turned into None."""
    return [{str(k): (None if v is pd.NA or v is None else v) for k, v in r.items()} for r in frame.to_dict("records")]


OF_LATE_DAY = date(2026, 7, 1)  # between the 30/06/2026 OF deadline and the carence opening (09/07/2026)


@cache
def reconciliation() -> Reconciliation:
    rules = load_rule_set(DEFAULT_RULE_SET)  # the demo is described under the default rule set
    published = load_rule_set("decret-2025-748")  # « OF en retard » shows under the published text only
    today = DEMO_TODAY
    result = Reconciliation()
    people = rows_of(roster())
    nir_of = {p["matricule"]: p["nir"] for p in people}
    known_nirs = {p["nir"] for p in people if p["nir"]}
    records = rows_of(internal())
    for r in records:
        r["nir13"] = r["nir"] or nir_of.get(r["matricule"])
    employer_sirets = {e["siret"] for e in employer()["etablissements"]}

    first_sent = [ln for ln in of_lines() if not ln.resent]  # a corrected line sent again is the same line
    lines = [ln for ln in first_sent if ln.row["PRESENCE_EMPLOYEUR"] == "OUI"]
    assert all(ln.row["SIRET_EMPLOYEUR"] in employer_sirets for ln in lines)
    result.counts["presence_non"] = len(first_sent) - len(lines)

    # Candidate pairs, closest end dates first; each line and each record is used once.
    by_key: dict[tuple[str, str], list[int]] = {}
    for i, r in enumerate(records):
        if not r["is_internal"]:
            by_key.setdefault((str(r["nir13"]), normalized(r["training_title"])), []).append(i)

    def same_training(line: Line) -> list[int]:
        return by_key.get((line.row["NIR"], normalized(line.row["NOM_FORMATION"])), [])

    pairs = sorted(
        (abs((line.end - records[i]["end_date"]).days), li, i)
        for li, line in enumerate(lines)
        for i in same_training(line)
    )
    match_of_line: dict[int, int] = {}
    for gap, li, i in pairs:
        if gap <= 3 and li not in match_of_line and i not in match_of_line.values():
            match_of_line[li] = i
    matched = set(match_of_line.values())
    asked = {
        match_of_line[li]: corrections()[(line.organisme, line.row["ID_UNIQUE_PARTENAIRE"])]
        for li, line in enumerate(lines)
        if li in match_of_line and (line.organisme, line.row["ID_UNIQUE_PARTENAIRE"]) in corrections()
    }

    for li, line in enumerate(lines):
        row = line.row
        kind: Kind = "JDR" if line.kind == "JDR" else "ADF"
        validity_start = portal_date(row["DATE_DEBUT_VALIDITE"])
        d = compute_deadlines(rules, kind, training_end=line.end, validity_start=validity_start)
        result.add("of_late" if line.received_on > d.of_deadline else "of_on_time", organisme=line.organisme)
        if (line.organisme, row["ID_UNIQUE_PARTENAIRE"]) in corrections():
            result.add("verification_correction_requested")  # the employer asked a correction: not « à vérifier »
        else:
            result.add(verification_status(d, last_action=None, today=today).code, d.reference_date)
        if li not in match_of_line:
            if row["NIR"] not in known_nirs:
                result.add("inattendue_nir_inconnu")
                continue
            result.add("unexpected_known_nir")
            near = [
                j
                for j in same_training(line)
                if j not in matched and 3 < abs((line.end - records[j]["end_date"]).days) <= 31
            ]
            result.add("autre_session" if near else "inattendue_sans_enregistrement")
            continue
        record = records[match_of_line[li]]
        if line.end != record["end_date"]:
            result.add("ecart_date_tolerance")
        if normalized(row["NOM_TITULAIRE"]) != normalized(record["birth_name"]):
            result.add("ecart_nom")
        if row["SIRET_EMPLOYEUR"] != record["establishment_siret"]:
            result.add("ecart_siret")
        if portal_date(row["DATE_FIN_VALIDITE"]) != record["validity_end"]:
            result.add("ecart_validite")
        if row["NOM_FORMATION"] != record["training_title"]:
            assert normalized(row["NOM_FORMATION"]) == normalized(record["training_title"])
            result.add("intitule_casse_accents")

    for i, r in enumerate(records):
        category = None if r["category"] is None else int(r["category"])
        d = compute_deadlines(rules, r["proof_kind"], training_end=r["end_date"],
                              validity_start=r["validity_start"], category=category)  # fmt: skip
        if r["is_internal"]:
            status = internal_status(d, declared=False, today=today)
            code = f"internal_{status.code}"
            if status.code == "not_mandatory":
                code += "_before" if r["end_date"] < rules.employer_obligation_start else "_category"
            if status.code == "to_declare":
                result.internal_deadlines.add(d.internal_deadline)
                if r["nir"] is None:
                    result.add("internal_missing_nir")
            result.add(code, d.reference_date)
        else:
            request = asked.get(i)
            status = expected_status(
                d,
                declared_by_of=i in matched,
                declared_in_carence=False,
                today=today,
                scope_from=employer_scope_from(rules, d.reference_date, category),
                correction_requested_on=None if request is None else request["requested_on"],
                correction_answered=request is not None and request.get("answered_on", today) < today,
            )
            result.add(f"expected_{status.code}", d.reference_date, organisme=r["organisme"])
            published_deadlines = compute_deadlines(
                published, r["proof_kind"], training_end=r["end_date"], validity_start=r["validity_start"],
                category=category,
            )  # fmt: skip
            earlier = expected_status(
                published_deadlines, declared_by_of=i in matched, declared_in_carence=False, today=OF_LATE_DAY
            )
            if earlier.code == "of_late":
                result.add("expected_of_late_earlier", d.reference_date)
        if category is None:
            result.add("unknown_category")
        validity = validity_status(r["validity_end"], today=today).code
        if validity == "no_expiry" and r["training_type"] in VALIDITY_MONTHS:
            validity = "no_expiry_recommended"
        result.add(f"validity_{validity}")
    result.counts["employees_left"] = sum(1 for p in people if p["exit_date"] is not None)
    return result


def readme_counts() -> dict[str, int]:
    text = (DEMO_DIR / "README.md").read_text(encoding="utf-8")
    return {code: int(n) for code, n in re.findall(r"^\| `([a-z_]+)` \| [^|]+ \| (\d+) ", text, re.MULTILINE)}


# (situation code, at least): every situation the brief asks the demo to contain at DEMO_TODAY.
SITUATIONS = [
    ("of_on_time", 100),
    ("of_late", 10),
    ("to_verify", 50),
    # Under the law in force September-December 2025 lines stay to verify until 31/12/2026: fewer are deemed
    # verified at DEMO_TODAY than under the decree (40 instead of 148).
    ("deemed_verified", 20),
    ("presence_non", 2),
    ("unexpected_known_nir", 3),
    ("inattendue_sans_enregistrement", 2),
    ("autre_session", 2),
    ("inattendue_nir_inconnu", 1),
    ("ecart_date_tolerance", 3),
    ("ecart_nom", 3),
    ("ecart_siret", 3),
    ("ecart_validite", 3),
    ("intitule_casse_accents", 5),
    ("expected_declared_by_of", 200),
    ("expected_awaiting_of", 20),
    ("expected_carence_due", 20),
    ("expected_not_mandatory", 50),
    ("expected_correction_not_made", 3),
    ("expected_corrected_by_of", 1),
    ("expected_outside_employer_scope", 1),
    ("expected_of_late_earlier", 10),
    ("internal_not_mandatory_before", 50),
    ("internal_not_mandatory_category", 10),
    ("internal_to_declare", 20),
    ("internal_missing_nir", 2),
    ("unknown_category", 10),
    ("validity_expired", 20),
    ("validity_expiring_soon", 10),
    ("validity_valid", 100),
    ("validity_no_expiry", 100),
    ("validity_no_expiry_recommended", 5),
    ("employees_left", 10),
]


@pytest.mark.parametrize(("code", "at_least"), SITUATIONS, ids=[code for code, _ in SITUATIONS])
def test_the_demo_contains_the_situation_as_often_as_the_readme_says(code: str, at_least: int) -> None:
    computed = reconciliation().counts[code]
    assert computed >= at_least
    assert readme_counts()[code] == computed


def test_no_carence_is_overdue_and_no_internal_training_is_late_yet() -> None:
    counts = reconciliation().counts
    assert counts["expected_carence_overdue"] == counts["internal_overdue"] == 0


def test_carence_candidates_come_from_september_2025_and_the_first_quarter_2026() -> None:
    dates = reconciliation().reference_dates["expected_carence_due"]
    assert any(date(2025, 9, 1) <= r <= date(2025, 9, 30) for r in dates)
    assert any(date(2026, 1, 1) <= r <= date(2026, 3, 31) for r in dates)
    assert all(r <= date(2026, 3, 31) for r in dates)


def test_trainings_awaiting_their_of_end_in_the_second_quarter_2026_or_later() -> None:
    dates = reconciliation().reference_dates["expected_awaiting_of"]
    assert any(date(2026, 4, 1) <= r <= date(2026, 6, 30) for r in dates)
    assert any(date(2026, 7, 1) <= r <= date(2026, 9, 30) for r in dates)
    assert all(r >= date(2026, 4, 1) for r in dates)


def test_declarations_to_verify_include_late_2025_and_deemed_verified_ones_are_older() -> None:
    # rules.md §3b: reference dates 01/09-31/12/2025 are verifiable until 31/12/2026, Q1 2026 too; anything
    # older had its verification deadline by 30/06/2026 (QE 30/06/2025 + 9 at the latest).
    to_verify = reconciliation().reference_dates["to_verify"]
    deemed = reconciliation().reference_dates["deemed_verified"]
    assert any(date(2025, 9, 1) <= r <= date(2025, 9, 30) for r in to_verify)
    assert any(date(2025, 10, 1) <= r <= date(2025, 12, 31) for r in to_verify)
    assert any(date(2026, 1, 1) <= r <= date(2026, 3, 31) for r in to_verify)
    assert all(r >= date(2025, 9, 1) for r in to_verify) and all(r < date(2025, 9, 1) for r in deemed)


def test_internal_trainings_to_declare_fall_due_on_several_quarter_deadlines() -> None:
    # Q1 2026 (from 16/03) and Q2 2026 → 31/03/2027 (the Q1 one « avant le 1er avril 2027 »), Q3 → 30/06/2027.
    deadlines = reconciliation().internal_deadlines
    assert {date(2027, 3, 31), date(2027, 6, 30)} <= deadlines
    assert date(2026, 12, 31) not in deadlines  # the other reading of Q1 2026, not the one retained


def test_one_of_is_reliable_and_another_is_late_and_forgetful() -> None:
    per_of = reconciliation().per_organisme
    reliable = [
        name for name, c in per_of.items() if c["of_on_time"] >= 50 and c["of_late"] + c["expected_carence_due"] == 0
    ]
    poor = [
        name
        for name, c in per_of.items()
        if min(c["of_late"], c["expected_carence_due"]) >= 10
        and c["of_late"] + c["expected_carence_due"] > c["of_on_time"]
    ]
    assert reliable and poor
