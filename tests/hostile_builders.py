"""Hostile files built in memory, small for the tests and full size for bench/bombs.py (never stored in the repo)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Sequence
from xml.sax.saxutils import escape

from openpyxl.utils import get_column_letter

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE = "http://schemas.openxmlformats.org/package/2006/relationships"
_OFFICE = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    f'<Override PartName="/xl/workbook.xml" ContentType="{_OFFICE}.sheet.main+xml"/>'
    f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_OFFICE}.worksheet+xml"/>'
    f'<Override PartName="/xl/sharedStrings.xml" ContentType="{_OFFICE}.sharedStrings+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_PACKAGE}">'
    f'<Relationship Id="rId1" Type="{_RELATIONSHIPS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{_MAIN}" xmlns:r="{_RELATIONSHIPS}">'
    '<sheets><sheet name="Feuil1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_PACKAGE}">'
    f'<Relationship Id="rId1" Type="{_RELATIONSHIPS}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{_RELATIONSHIPS}/sharedStrings" Target="sharedStrings.xml"/>'
    "</Relationships>"
)

Row = tuple[int, Sequence[tuple[int, str]]]
"""(row number, [(column number, text)]): every text is a shared string."""


def shared_string_workbook(rows: Iterable[Row], *, huge: tuple[int, int, int] | None = None) -> bytes:
    """An .xlsx whose texts are shared strings, as Excel writes them; `huge` = (row, column, characters) adds
    one cell whose shared string is that many « A », compressed while written (never held in memory)."""
    strings: dict[str, int] = {}
    sheet = [f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{_MAIN}"><sheetData>']
    for number, cells in rows:
        sheet.append(f'<row r="{number}">')
        for column, text in cells:
            index = strings.setdefault(text, len(strings))
            sheet.append(f'<c r="{get_column_letter(column)}{number}" t="s"><v>{index}</v></c>')
        if huge is not None and huge[0] == number:
            sheet.append(f'<c r="{get_column_letter(huge[1])}{number}" t="s"><v>{len(strings)}</v></c>')
        sheet.append("</row>")
    sheet.append("</sheetData></worksheet>")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", "".join(sheet))
        count = len(strings) + (huge is not None)
        with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
            part.write(f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{_MAIN}" count="{count}">'.encode())
            for text in strings:
                part.write(f"<si><t>{escape(text)}</t></si>".encode())
            if huge is not None:
                part.write(b"<si><t>")
                chunk = b"A" * 1_000_000
                for start in range(0, huge[2], len(chunk)):
                    part.write(chunk[: huge[2] - start])
                part.write(b"</t></si>")
            part.write(b"</sst>")
    return buffer.getvalue()


def xfd_workbook(header: Sequence[str], rows: int) -> bytes:
    """A workbook of `rows` data rows, each with its values and one more cell in XFD (the last column)."""
    body: list[Row] = [(1, list(enumerate(header, start=1)))]
    for number in range(2, rows + 2):
        values = [f"M{number}", f"NOM{number}", "SST", "03/03/2026"][: len(header)]
        body.append((number, [*enumerate(values, start=1), (16384, "x")]))
    return shared_string_workbook(body)
