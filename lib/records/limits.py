"""The bounds of an HR file read (columns, cell length, issues, workbook sizes) and their French numbers."""

from __future__ import annotations

import csv

MAX_ISSUES = 1000
MAX_COLUMNS = 200
"""Columns a file may have: an HR export has a few dozen; more is refused before any header is compared."""
MAX_CELL_CHARS = 1000
"""The longest value of an HR field (a name, a training title): a longer one is refused, never stored."""
MAX_CSV_FIELD_CHARS = csv.field_size_limit()
"""Python's CSV reader refuses a longer field (131 072 characters): said in French, with line and column."""
XLSX_MAX_PART_BYTES = 256_000_000
"""The largest part of a workbook once decompressed (a sheet of a 200 MB export stays well below)."""
XLSX_MAX_SHARED_STRINGS_BYTES = 64_000_000
"""The shared strings are read whole before the first row: bounded on their own."""
XLSX_MAX_TOTAL_BYTES = 1_000_000_000
XLSX_MAX_RATIO = 100
"""A part of more than XLSX_RATIO_FLOOR bytes may be at most this many times its compressed size."""
XLSX_RATIO_FLOOR = 1_000_000
XLSX_MAX_ENTRIES = 10_000
MAX_WARNED_LOCATIONS = 20
CSV_SEPARATORS: tuple[str, ...] = (";", "\t", "|", ",")  # tie order: the French habit first
XLSX_ENCODING = "xlsx"
_HEADER_SEARCH_ROWS = 10


def _mb(size: int) -> str:
    return f"{size / 1e6:.1f}".replace(".", ",")


def _thousands(number: int) -> str:
    return f"{number:,}".replace(",", "\u202f")
