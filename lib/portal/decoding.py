"""File-level checks of a portal file: its name, size, kind of content and encoding. Pure."""

from __future__ import annotations

import re

from lib.identifiers import clip
from lib.portal.contract import _UTF8_BOM, FORBIDDEN_FILE_NAME_CHARACTERS, MAX_FILE_BYTES, MAX_FILE_NAME_CHARS


def _file_name_problems(file_name: str) -> list[str]:
    problems: list[str] = []
    if not file_name.lower().endswith(".csv"):
        problems.append(f"Nom de fichier « {clip(file_name)} » : le fichier doit être au format CSV (extension .csv).")
    if len(file_name) > MAX_FILE_NAME_CHARS:
        problems.append(f"Nom de fichier trop long : {len(file_name)} caractères, {MAX_FILE_NAME_CHARS} au maximum.")
    forbidden = sorted({character for character in file_name if character in FORBIDDEN_FILE_NAME_CHARACTERS})
    if forbidden:
        shown = " ".join(forbidden)
        problems.append(
            f"Nom de fichier « {clip(file_name)} » : caractères interdits {shown} "
            f'(le nom ne doit contenir aucun de @ < > : " / \\ | ? * %).'
        )
    return problems


_CHUNK_BYTES = 1 << 24
_NOT_CP1252 = re.compile(rb"[\x81\x8d\x8f\x90\x9d]")


def _thousands(number: int) -> str:
    return f"{number:,}".replace(",", "\u202f")


def _size_problem(data: bytes) -> str | None:
    """Why a file is refused before its text is read: empty, too large, not UTF-8 text at all."""
    if not data:
        return "Le fichier est vide (0 octet) : il doit contenir l'en-tête et au moins une ligne."
    if len(data) > MAX_FILE_BYTES:
        size = len(data) / 1_000_000
        return f"Le fichier pèse {size:.1f} Mo : 200 Mo au maximum. Découpez-le en plusieurs fichiers."
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return (
            "Le fichier est encodé en UTF-16 (« Texte Unicode ») : le portail n'accepte que l'UTF-8. "
            "Dans Excel, « Enregistrer sous… » puis le type « CSV UTF-8 » ; dans Notepad++, "
            "« Encodage › Convertir en UTF-8 »."
        )
    if data.startswith(b"PK\x03\x04") or data.startswith(b"\xd0\xcf\x11\xe0"):
        return (
            "Le fichier est un classeur Excel (.xlsx / .xls) renommé en .csv, pas un fichier texte CSV : "
            "dans Excel, « Enregistrer sous… » puis le type « CSV UTF-8 »."
        )
    if b"\x00" in data:
        return (
            "Le fichier contient des octets nuls : c'est un fichier binaire, pas un fichier texte CSV encodé en UTF-8."
        )
    return None


def _utf8_problem(data: bytes, begin: int) -> str | None:
    """Why the text from `begin` is not UTF-8, checked a chunk at a time (never the whole text in memory)."""
    position = begin
    while position < len(data):
        stop = data.find(b"\n", min(position + _CHUNK_BYTES, len(data)))
        stop = len(data) if stop < 0 else stop + 1
        try:
            data[position:stop].decode("utf-8")
        except UnicodeDecodeError as error:
            return _encoding_message(data, begin, position + error.start)
        position = stop
    return None


def _encoding_message(data: bytes, begin: int, offset: int) -> str:
    line = data.count(b"\n", begin, offset) + 1
    byte = data[offset]
    conversion = (
        "Pour le convertir : dans Excel, « Fichier › Enregistrer sous… » puis le type "
        "« CSV UTF-8 (délimité par des virgules) » ; dans Notepad++, « Encodage › Convertir en UTF-8 » ; "
        "en ligne de commande, « iconv -f WINDOWS-1252 -t UTF-8 ancien.csv > nouveau.csv »."
    )
    if _NOT_CP1252.search(data, begin):
        return (
            f"Le fichier n'est pas encodé en UTF-8 (octet 0x{byte:02X} invalide à la ligne {line}) : "
            f"le portail n'accepte que l'UTF-8. {conversion}"
        )
    character = bytes([byte]).decode("cp1252")
    return (
        f"Le fichier n'est pas encodé en UTF-8 (caractère « {character} » codé 0x{byte:02X} à la ligne "
        f"{line}) : il semble enregistré en Windows-1252 (ANSI), l'encodage par défaut d'Excel et du "
        f"Bloc-notes sous Windows, alors que le portail n'accepte que l'UTF-8. {conversion}"
    )


def _decoded_text(data: bytes) -> tuple[str | None, str | None]:
    """The file's text, or why it is not a UTF-8 text file (small files: the line reader reads bytes)."""
    problem = _size_problem(data)
    if problem is None:
        begin = len(_UTF8_BOM) if data.startswith(_UTF8_BOM) else 0
        problem = _utf8_problem(data, begin)
        if problem is None:
            return data[begin:].decode("utf-8"), None
    return None, problem
