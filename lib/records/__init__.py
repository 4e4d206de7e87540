"""Reading the HR system's exports (internal training records, employee roster) into typed tables.

One purpose per module: fields (the canonical fields and the result types), limits (every bound and its
French numbers), decoding (CSV bytes into a raw grid), workbook (XLSX, bounded), headers (which column holds
which field), values (one cell into a typed value), rows (row validation and issues), reader (read_records,
read_header), template (the import templates). Every public name is re-exported here, so `from lib import
records` and `from lib.records import …` keep working.

To patch a module attribute in a test, patch the submodule that reads it (e.g. lib.records.workbook.XLSX_MAX_RATIO).
"""

from lib.records.decoding import detect_separator
from lib.records.fields import (
    INTERNAL_FIELDS,
    ROSTER_FIELDS,
    Cell,
    FieldKind,
    FieldSpec,
    ProofKind,
    RecordIssue,
    RecordsFile,
    RecordsKind,
    fields_of,
)
from lib.records.headers import normalize_header, suggest_mapping
from lib.records.limits import (
    CSV_SEPARATORS,
    MAX_CELL_CHARS,
    MAX_COLUMNS,
    MAX_CSV_FIELD_CHARS,
    MAX_ISSUES,
    MAX_WARNED_LOCATIONS,
    XLSX_ENCODING,
    XLSX_MAX_ENTRIES,
    XLSX_MAX_PART_BYTES,
    XLSX_MAX_RATIO,
    XLSX_MAX_SHARED_STRINGS_BYTES,
    XLSX_MAX_TOTAL_BYTES,
    XLSX_RATIO_FLOOR,
)
from lib.records.reader import HEAD_BYTES, read_header, read_records
from lib.records.template import template_bytes
from lib.records.values import Parsed, cell_text, parse_date, parse_value

__all__ = [
    "CSV_SEPARATORS",
    "HEAD_BYTES",
    "INTERNAL_FIELDS",
    "MAX_CELL_CHARS",
    "MAX_COLUMNS",
    "MAX_CSV_FIELD_CHARS",
    "MAX_ISSUES",
    "MAX_WARNED_LOCATIONS",
    "ROSTER_FIELDS",
    "XLSX_ENCODING",
    "XLSX_MAX_ENTRIES",
    "XLSX_MAX_PART_BYTES",
    "XLSX_MAX_RATIO",
    "XLSX_MAX_SHARED_STRINGS_BYTES",
    "XLSX_MAX_TOTAL_BYTES",
    "XLSX_RATIO_FLOOR",
    "Cell",
    "FieldKind",
    "FieldSpec",
    "Parsed",
    "ProofKind",
    "RecordIssue",
    "RecordsFile",
    "RecordsKind",
    "cell_text",
    "detect_separator",
    "fields_of",
    "normalize_header",
    "parse_date",
    "parse_value",
    "read_header",
    "read_records",
    "suggest_mapping",
    "template_bytes",
]
