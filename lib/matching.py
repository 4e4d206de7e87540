"""How records are matched across sources: normalised titles and natural keys. Pure."""

from __future__ import annotations

import functools
import re
import unicodedata
from datetime import date

_NON_WORD = re.compile(r"[^a-z0-9]+")


@functools.lru_cache(maxsize=65536)
def normalized_text(value: str | None) -> str:
    """Lower case, accents removed, punctuation folded to single spaces."""
    if not value:
        return ""
    decomposed = unicodedata.normalize("NFKD", value)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NON_WORD.sub(" ", stripped.lower()).strip()


def record_key(matricule: str | None, nir: str | None, training_title: str | None, end_date: date | None) -> str:
    """The natural key of an internal training record: (matricule or NIR, training, end date)."""
    person = f"M:{matricule}" if matricule else f"N:{nir or ''}"
    end = end_date.isoformat() if end_date else ""
    return f"{person}|{normalized_text(training_title)}|{end}"
