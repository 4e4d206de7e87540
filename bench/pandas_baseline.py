"""The naive baseline: an ADF file checked the way a user's pandas script would do it, row by row.

Usage: `python bench/pandas_baseline.py FILE.csv [--rows N] [--today jj/mm/aaaa] [--compare]`. It reads the
first N rows (all by default), counts the invalid ones, prints the time taken and, with --compare, the time
lib.portal.parse_portal_file takes on the same rows.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from datetime import date, datetime
from pathlib import Path
from typing import cast

import pandas as pd
from stdnum.fr import nir as stdnum_nir
from stdnum.fr import siret as stdnum_siret

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere
from lib import portal  # noqa: E402

ADF_COLUMNS = list(portal.ADF_COLUMNS)
MANDATORY = [
    "ID_DECLARATION",
    "REFERENCE_DECLARATION",
    "ID_UNIQUE_PARTENAIRE",
    "NOM_FORMATION",
    "DATE_DEBUT_FORMATION",
    "DATE_FIN_FORMATION",
    "COMPETENCE_TRANSFERABLE",
    "FORMATION_CERTIFIANTE",
    "NIR",
    "NOM_TITULAIRE",
    "PRESENCE_EMPLOYEUR",
    "DATE_DEBUT_VALIDITE",
]
MAX_LENGTHS = {
    "ID_DECLARATION": 255,
    "REFERENCE_DECLARATION": 280,
    "ID_UNIQUE_PARTENAIRE": 255,
    "NOM_FORMATION": 250,
    "MODALITE_DISPENSE": 20,
    "COMPETENCE_TRANSFERABLE": 70,
    "QUALIFICATION_FORMATEUR": 45,
    "FORMATION_CERTIFIANTE": 3,
    "CERTIFICATION_VISEE": 9,
    "DOMAINE_FORMATION": 30,
    "SPECIALITE_FORMATION": 15,
    "NOM_TITULAIRE": 30,
    "PRESENCE_EMPLOYEUR": 3,
    "SIRET_EMPLOYEUR": 14,
    "REFERENCE_EMPLOYEUR": 255,
}
MODALITES = list(portal.MODALITE_DISPENSE_VALUES)
QUALIFICATIONS = list(portal.QUALIFICATION_FORMATEUR_VALUES)
NIR_REGEX = re.compile(r"^[1278]\d{4}(\d{2}|2A|2B)\d{6}(\d{2})?$")
COMPETENCE_REGEX = re.compile(r"^\d{6}$")
FORMACODE_REGEX = re.compile(r"^\d{5}$")
NSF_REGEX = re.compile(r"^\d{3}[a-z]?$")
RS_REGEX = re.compile(r"^RS\d{1,7}$")


def parse_date(value: str) -> date | None:
    if len(value) != 10:
        return None
    try:
        return datetime.strptime(value, "%d/%m/%Y").date()
    except ValueError:
        return None


def codes_ok(value: str, regex: re.Pattern[str], minimum: int, maximum: int) -> bool:
    codes = value.split("/")
    if not minimum <= len(codes) <= maximum:
        return False
    for code in codes:
        if not regex.match(code):
            return False
    return len(set(codes)) == len(codes)


def validate_rows_with_pandas(path: Path, today: date, *, nrows: int | None = None) -> int:
    """The number of invalid rows of an ADF file, checked one row at a time (no vectorisation)."""
    df = pd.read_csv(path, sep="|", dtype=str, keep_default_na=False, encoding="utf-8-sig", nrows=nrows)
    if list(df.columns) != ADF_COLUMNS:
        raise ValueError("En-tête ADF attendu : " + "|".join(ADF_COLUMNS))
    invalid = 0
    seen_partners: set[str] = set()
    for values in df.itertuples(index=False, name=None):
        row: dict[str, str] = dict(zip(ADF_COLUMNS, cast(tuple[str, ...], values), strict=True))
        ok = True
        for column in MANDATORY:
            if row[column].strip() == "":
                ok = False
        for column, limit in MAX_LENGTHS.items():
            if len(row[column]) > limit:
                ok = False
        if row["ID_UNIQUE_PARTENAIRE"] in seen_partners:
            ok = False
        seen_partners.add(row["ID_UNIQUE_PARTENAIRE"])

        start = parse_date(row["DATE_DEBUT_FORMATION"])
        end = parse_date(row["DATE_FIN_FORMATION"])
        validity_start = parse_date(row["DATE_DEBUT_VALIDITE"])
        if start is None or end is None or validity_start is None:
            ok = False
        else:
            if start > today or end > today or end < start or validity_start < end:
                ok = False
        if row["DATE_FIN_VALIDITE"] != "":
            validity_end = parse_date(row["DATE_FIN_VALIDITE"])
            if validity_end is None or (validity_start is not None and validity_end < validity_start):
                ok = False

        if row["MODALITE_DISPENSE"] != "" and row["MODALITE_DISPENSE"] not in MODALITES:
            ok = False
        if row["QUALIFICATION_FORMATEUR"] != "" and row["QUALIFICATION_FORMATEUR"] not in QUALIFICATIONS:
            ok = False
        if not codes_ok(row["COMPETENCE_TRANSFERABLE"], COMPETENCE_REGEX, 3, 10):
            ok = False
        if row["FORMATION_CERTIFIANTE"] == "OUI":
            if not RS_REGEX.match(row["CERTIFICATION_VISEE"]):
                ok = False
            if row["DOMAINE_FORMATION"] != "" or row["SPECIALITE_FORMATION"] != "":
                ok = False
        elif row["FORMATION_CERTIFIANTE"] == "NON":
            if row["CERTIFICATION_VISEE"] != "":
                ok = False
            if not codes_ok(row["DOMAINE_FORMATION"], FORMACODE_REGEX, 1, 5):
                ok = False
            if not codes_ok(row["SPECIALITE_FORMATION"], NSF_REGEX, 1, 3):
                ok = False
        else:
            ok = False

        if not NIR_REGEX.match(row["NIR"]):
            ok = False
        elif len(row["NIR"]) == 15 and not stdnum_nir.is_valid(row["NIR"]):
            ok = False
        if row["PRESENCE_EMPLOYEUR"] == "OUI":
            if not stdnum_siret.is_valid(row["SIRET_EMPLOYEUR"]):
                ok = False
        elif row["PRESENCE_EMPLOYEUR"] == "NON":
            if row["SIRET_EMPLOYEUR"] != "" or row["REFERENCE_EMPLOYEUR"] != "":
                ok = False
        else:
            ok = False
        if not ok:
            invalid += 1
    return invalid


def _first_lines(path: Path, rows: int | None) -> bytes:
    data = path.read_bytes()
    if rows is None:
        return data
    end = -1
    for _ in range(rows + 1):
        end = data.find(b"\n", end + 1)
        if end < 0:
            return data
    return data[: end + 1]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file", type=Path)
    parser.add_argument("--rows", type=int, default=None, help="only the first N data rows")
    parser.add_argument("--today", default=None, help="date du jour (jj/mm/aaaa), par défaut aujourd'hui")
    parser.add_argument("--compare", action="store_true", help="also time lib.portal.parse_portal_file")
    args = parser.parse_args(argv)
    today = datetime.strptime(args.today, "%d/%m/%Y").date() if args.today else date.today()

    started = time.perf_counter()
    invalid = validate_rows_with_pandas(args.file, today, nrows=args.rows)
    elapsed = time.perf_counter() - started
    rows = args.rows if args.rows is not None else "toutes les"
    print(f"pandas, ligne à ligne : {rows} lignes, {invalid} invalides, {elapsed:.2f} s")
    if args.compare:
        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
        from lib.portal import parse_portal_file

        data = _first_lines(args.file, args.rows)
        started = time.perf_counter()
        parsed = parse_portal_file(data, args.file.name, today=today)
        elapsed = time.perf_counter() - started
        wrong = len({error.line for error in parsed.report.line_errors})
        print(f"lib.portal : {len(parsed.rows)} lignes, {wrong} invalides, {elapsed:.2f} s")


if __name__ == "__main__":
    main()
