"""Safe display and French formatting: file values as literal Markdown text, dates, numbers, names,
masked NIRs. No Streamlit, no store."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

import pandas as pd

from lib import report
from lib.identifiers import mask_nir
from lib.matching import normalized_text

_MARKDOWN_SPECIAL = re.compile(r"([!-/:-@\[-`{-~])")  # every ASCII punctuation: CommonMark lets all be escaped
_LINE_BREAKS = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")

# GFM turns http://…, www.… and e-mail addresses into links after escapes are resolved: an invisible word joiner
# inside each one keeps it text.
_AUTOLINKS = re.compile(r"(?i)(?<=http)(?=s?:)|(?<=ftp)(?=:)|(?<=mailto)(?=:)|(?<=xmpp)(?=:)|(?<=www)(?=\.)|(?=@)")
WORD_JOINER = "\u2060"


def md_text(value: Any) -> str:
    """A value from a file as literal text inside Markdown (st.markdown, captions, labels, messages).

    Every ASCII punctuation is backslash-escaped, so `![x](http://…)` stays text and fetches nothing, and
    `**`, `:red[…]`, `$…$`, links and HTML are shown as typed; line breaks become spaces (no new block); an
    invisible word joiner keeps web and e-mail addresses from becoming links.
    """
    text = _AUTOLINKS.sub(WORD_JOINER, _LINE_BREAKS.sub(" ", "" if value is None else str(value)))
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def fr_date(value: date | datetime | pd.Timestamp | None) -> str:
    """A date as French users write it (jj/mm/aaaa); empty for a missing date."""
    if value is None or pd.isna(value):
        return ""
    return value.strftime("%d/%m/%Y")


def masked(frame: pd.DataFrame, column: str = "nir") -> pd.DataFrame:
    """A copy with the NIR column masked (the interface never shows a full NIR)."""
    if column in frame.columns:
        frame = frame.copy()
        frame[column] = [mask_nir(v) if isinstance(v, str) else "" for v in frame[column]]
    return frame


def mask_value(column: str | None, value: str | None) -> str:
    """A value from an error report, masked when it comes from a NIR column."""
    if value is None:
        return ""
    words = normalized_text(column).split()
    if "nir" in words or "ss" in words or "securite" in words:
        return mask_nir(value)
    return value


def full_name(birth_name: Any, first_name: Any, usage_name: Any = None) -> str:
    """« NOM Prénom », with the usage name in brackets when it differs."""
    parts = [str(birth_name).upper() if isinstance(birth_name, str) else ""]
    if isinstance(first_name, str) and first_name:
        parts.append(first_name)
    name = " ".join(p for p in parts if p)
    if isinstance(usage_name, str) and usage_name and usage_name.upper() != parts[0]:
        name += f" ({usage_name.upper()})"
    return name


def person_names(frame: pd.DataFrame, prefix: str = "person_") -> pd.Series:
    """The « NOM Prénom » of every row of a workflow frame (person_birth_name, person_first_name…)."""
    if frame.empty:
        return pd.Series([], dtype="object", index=frame.index)
    return pd.Series(
        [
            full_name(b, f, u)
            for b, f, u in zip(
                frame[f"{prefix}birth_name"], frame[f"{prefix}first_name"], frame[f"{prefix}usage_name"], strict=True
            )
        ],
        index=frame.index,
        dtype="object",
    )


def masked_nirs(values: pd.Series) -> pd.Series:
    """A column of NIRs, masked for display."""
    return pd.Series([mask_nir(v) if isinstance(v, str) else "" for v in values], index=values.index, dtype="object")


as_day = report.as_day


def fr_number(value: int) -> str:
    """An integer the French way: 1 004 000 (narrow no-break spaces, so a number never breaks across lines)."""
    return f"{value:,}".replace(",", "\u202f")


def month_label(value: pd.Timestamp) -> str:
    months = ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc.")
    return f"{months[value.month - 1]} {value.year}"


def file_slug(text: str) -> str:
    """A file-name-safe form of a name (no accents, words joined by dashes)."""
    return normalized_text(text).replace(" ", "-") or "sans-nom"
