"""lib/records is a package of small one-purpose modules; the old `lib.records` names stay importable."""

from __future__ import annotations

import ast
from pathlib import Path

import lib.records

PACKAGE = Path(__file__).resolve().parents[1] / "lib" / "records"

# Every public name of the former lib/records.py module, written out (not read from the package).
FORMER_PUBLIC_NAMES = (
    "CSV_SEPARATORS HEAD_BYTES INTERNAL_FIELDS MAX_CELL_CHARS MAX_COLUMNS MAX_CSV_FIELD_CHARS MAX_ISSUES "
    "MAX_WARNED_LOCATIONS ROSTER_FIELDS XLSX_ENCODING XLSX_MAX_ENTRIES XLSX_MAX_PART_BYTES XLSX_MAX_RATIO "
    "XLSX_MAX_SHARED_STRINGS_BYTES XLSX_MAX_TOTAL_BYTES XLSX_RATIO_FLOOR Cell FieldKind FieldSpec Parsed ProofKind "
    "RecordIssue RecordsFile RecordsKind cell_text detect_separator fields_of normalize_header parse_date "
    "parse_value read_header read_records suggest_mapping template_bytes"
).split()


def test_every_former_public_name_is_importable_from_lib_records() -> None:
    missing = [name for name in FORMER_PUBLIC_NAMES if not hasattr(lib.records, name)]
    assert missing == []
    assert sorted(lib.records.__all__) == sorted(FORMER_PUBLIC_NAMES)


def test_every_module_of_the_package_stays_under_600_lines() -> None:
    sizes = {path.name: len(path.read_text(encoding="utf-8").splitlines()) for path in PACKAGE.glob("*.py")}
    assert len(sizes) >= 8
    assert {name: size for name, size in sizes.items() if size > 600} == {}


def test_the_package_imports_neither_streamlit_nor_duckdb() -> None:
    imported: set[str] = set()
    for path in PACKAGE.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module.split(".")[0])
    assert "openpyxl" in imported  # the walk sees real imports
    assert not imported & {"streamlit", "duckdb"}
