"""Recommended validity durations of common trainings (not law) and the validity end they propose."""

from __future__ import annotations

import calendar
import functools
import re
import tomllib
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from lib.matching import normalized_text

VALIDITY_DURATIONS_FILE = Path(__file__).resolve().parents[1] / "data" / "validity_durations.toml"
RECOMMENDATION = "recommandation"


class ValidityTableError(ValueError):
    """A durations file that cannot be used; the message (French) names the file and the key."""


@dataclass(frozen=True)
class Duration:
    """A training type's usual validity; `months` None means no fixed validity (leave the end empty)."""

    key: str
    label: str
    months: int | None
    note: str
    source: str
    keywords: tuple[str, ...]
    renews: str | None = None  # the training this one renews (MAC SST → SST): one validity to follow

    @property
    def family(self) -> str:
        """The habilitation this training keeps valid: the one it renews, else itself."""
        return self.renews or self.key


@functools.lru_cache(maxsize=65536)
def normalize_title(text: str) -> str:
    """Lower case, no accents, words separated by single spaces; « R.489 » and « R 489 » become « r489 »."""
    words = normalized_text(re.sub(r"[.®]", "", text))
    return re.sub(r"\br (\d{3})\b", r"r\1", words)


def _text(entry: dict[str, Any], key: str, where: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ValidityTableError(f"{where} : « {key} » doit être un texte non vide, reçu « {value!r} ».")
    return value.strip()


def load_validity_durations(path: Path = VALIDITY_DURATIONS_FILE) -> tuple[Duration, ...]:
    """The durations table, in file order (the first matching entry wins)."""
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ValidityTableError(f"Fichier des durées « {path.name} » illisible : {error}.") from error
    raw = document.get("durations")
    if not isinstance(raw, list) or not raw:
        raise ValidityTableError(f"Fichier des durées « {path.name} » : la liste « durations » est absente.")
    durations: list[Duration] = []
    seen: set[str] = set()
    for index, entry in enumerate(raw, start=1):
        where = f"Fichier des durées « {path.name} », durations[{index}]"
        if not isinstance(entry, dict):
            raise ValidityTableError(f"{where} : une table est attendue.")
        key = _text(entry, "key", where)
        if key in seen:
            raise ValidityTableError(f"{where} : la clé « {key} » apparaît deux fois.")
        seen.add(key)
        months = entry.get("months")
        if months is not None and (isinstance(months, bool) or not isinstance(months, int) or months < 1):
            raise ValidityTableError(f"{where} : « months » doit être un nombre de mois positif, reçu {months!r}.")
        keywords = entry.get("keywords")
        if (
            not isinstance(keywords, list)
            or not keywords
            or not all(isinstance(k, str) and normalize_title(k) for k in keywords)
        ):
            raise ValidityTableError(f"{where} : « keywords » doit être une liste de textes non vides.")
        durations.append(
            Duration(
                key=key,
                label=_text(entry, "label", where),
                months=months,
                note=_text(entry, "note", where),
                source=_text(entry, "source", where),
                keywords=tuple(normalize_title(k) for k in keywords),
                renews=_renews(entry, where),
            )
        )
    unknown = [d for d in durations if d.renews is not None and d.renews not in seen]
    if unknown:
        raise ValidityTableError(
            f"Fichier des durées « {path.name} » : « renews » de « {unknown[0].key} » nomme une clé inconnue "
            f"(« {unknown[0].renews} »)."
        )
    return tuple(durations)


def _renews(entry: dict[str, Any], where: str) -> str | None:
    value = entry.get("renews")
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ValidityTableError(f"{where} : « renews » doit être la clé d'une autre entrée, reçu « {value!r} ».")
    return value.strip()


def recommended_duration(training_title_or_type: str, durations: tuple[Duration, ...] | None = None) -> Duration | None:
    """The first table entry with a keyword appearing as whole words in the title (or equal to its key)."""
    table = load_validity_durations() if durations is None else durations
    title = normalize_title(training_title_or_type)
    if not title:
        return None
    padded = f" {title} "
    for duration in table:
        if title == normalize_title(duration.key) or any(f" {k} " in padded for k in duration.keywords):
            return duration
    return None


def proposed_validity_end(start: date, months: int) -> date:
    """start + N months − 1 day: the day before the same day N months later (a recommendation, not law).

    When that day does not exist in the target month (31/08 + 6 months: no 31/02), the validity runs to
    the end of the target month (28/02, or 29/02 in a leap year): the next period would start on the 1st.
    """
    if months < 1:
        raise ValueError(f"Durée de validité invalide : {months} mois.")
    index = start.year * 12 + (start.month - 1) + months
    year, month0 = divmod(index, 12)
    last_day = calendar.monthrange(year, month0 + 1)[1]
    if start.day > last_day:
        return date(year, month0 + 1, last_day)
    return date(year, month0 + 1, start.day) - timedelta(days=1)
