"""The result of reading a portal file: line errors, the validation report, the read file. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lib.portal.contract import PortalKind


@dataclass(frozen=True)
class LineError:
    """One refused value; `line` counts the header as line 1; `column` is "" when the whole line is wrong."""

    line: int
    column: str
    value: str
    message: str


@dataclass(frozen=True)
class ValidationReport:
    kind: PortalKind | None
    file_errors: tuple[str, ...]
    line_errors: tuple[LineError, ...]
    warnings: tuple[str, ...]

    @property
    def valid(self) -> bool:
        return self.kind is not None and not self.file_errors and not self.line_errors

    def to_dict(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "kind": self.kind,
            "file_errors": [{"message": message} for message in self.file_errors],
            "line_errors": [
                {"line": error.line, "column": error.column, "value": error.value, "message": error.message}
                for error in self.line_errors
            ],
            "warnings": [{"message": message} for message in self.warnings],
        }


@dataclass(frozen=True)
class PortalFile:
    """A read portal file: one dict per data line (data line i is file line i + 2), none if rejected whole."""

    kind: PortalKind | None
    rows: tuple[dict[str, str], ...]
    report: ValidationReport
