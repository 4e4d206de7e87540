"""The portal's bulk-import file contracts (ADF, JDR): parse, validate, write. Pure: no UI, no database.

One module per purpose:

- `contract`: the kinds, their columns, the contract's limits and allowed values;
- `writer`: the bytes of a portal file;
- `report`: the validation result (`LineError`, `ValidationReport`, `PortalFile`);
- `values`: single values (dates, enumerations, control characters) and how a refused value is shown;
- `decoding`: file-level checks (name, size, binary content, UTF-8);
- `header`: which contract a header announces, or why it matches neither;
- `rows`: the line rules (`_RowChecker`);
- `reader`: `parse_portal_file`, reading a file line by line from its bytes.

Everything callers use is importable from `lib.portal`.
"""

from __future__ import annotations

from lib.portal.contract import (
    ADF_COLUMNS,
    ADF_KIND,
    ADF_TRAINING_COLUMNS,
    CODE_SEPARATOR,
    CODED_FIELD_CEILING,
    FORBIDDEN_FILE_NAME_CHARACTERS,
    JDR_COLUMNS,
    JDR_KIND,
    JDR_TRAINING_COLUMNS,
    JDR_TRAINING_DETAIL_COLUMNS,
    LINK_MAX_CHARS,
    MAX_COMPETENCES,
    MAX_FILE_BYTES,
    MAX_FILE_NAME_CHARS,
    MAX_FORMACODES,
    MAX_HOLDERS_PER_DECLARATION,
    MAX_LENGTHS,
    MAX_NSF_CODES,
    MIN_COMPETENCES,
    MODALITE_DISPENSE_VALUES,
    MODE_OBTENTION_VALUES,
    NO_COMPETENCE_REFERENTIAL_WARNING,
    QUALIFICATION_FORMATEUR_VALUES,
    SEPARATOR,
    TYPE_JDR_VALUES,
    YES_NO,
    PortalKind,
    columns_of,
    field_limit,
    training_columns_of,
)
from lib.portal.decoding import _file_name_problems
from lib.portal.reader import parse_portal_file
from lib.portal.report import LineError, PortalFile, ValidationReport
from lib.portal.rows import Problem, _is_url, _RowChecker
from lib.portal.values import _CONTROL_CHARACTER, parse_portal_date, shown_value
from lib.portal.writer import write_portal_file

__all__ = [
    "ADF_COLUMNS",
    "ADF_KIND",
    "ADF_TRAINING_COLUMNS",
    "CODED_FIELD_CEILING",
    "CODE_SEPARATOR",
    "FORBIDDEN_FILE_NAME_CHARACTERS",
    "JDR_COLUMNS",
    "JDR_KIND",
    "JDR_TRAINING_COLUMNS",
    "JDR_TRAINING_DETAIL_COLUMNS",
    "LINK_MAX_CHARS",
    "MAX_COMPETENCES",
    "MAX_FILE_BYTES",
    "MAX_FILE_NAME_CHARS",
    "MAX_FORMACODES",
    "MAX_HOLDERS_PER_DECLARATION",
    "MAX_LENGTHS",
    "MAX_NSF_CODES",
    "MIN_COMPETENCES",
    "MODALITE_DISPENSE_VALUES",
    "MODE_OBTENTION_VALUES",
    "NO_COMPETENCE_REFERENTIAL_WARNING",
    "QUALIFICATION_FORMATEUR_VALUES",
    "SEPARATOR",
    "TYPE_JDR_VALUES",
    "YES_NO",
    "LineError",
    "PortalFile",
    "PortalKind",
    "Problem",
    "ValidationReport",
    "_CONTROL_CHARACTER",
    "_RowChecker",
    "_file_name_problems",
    "_is_url",
    "columns_of",
    "field_limit",
    "parse_portal_date",
    "parse_portal_file",
    "shown_value",
    "training_columns_of",
    "write_portal_file",
]
