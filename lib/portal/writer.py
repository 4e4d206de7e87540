"""Writing a portal file: the bytes the portal imports. Pure."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from lib.portal.contract import PortalKind, columns_of


def write_portal_file(kind: PortalKind, rows: Iterable[Mapping[str, str]]) -> bytes:
    """The bytes of a portal file: UTF-8 without BOM, CRLF line ends, `|` separator, no quoting."""
    columns = columns_of(kind)
    lines = ["|".join(columns)]
    lines.extend("|".join(row.get(column, "") for column in columns) for row in rows)
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")
