"""A search over the columns of a small frame already on screen (the Journal): case- and accent-blind, vectorised
with Arrow. The workflow lists are searched in SQL (lib/lists.py)."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from lib.matching import normalized_text


def _arrow_strings(values: pd.Series) -> pa.Array | pa.ChunkedArray:
    """A column as Arrow strings (zero-copy when pandas already holds it in Arrow), missing values as null."""
    try:
        return pa.array(values, type=pa.string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array(values.astype("object").where(values.notna(), None), type=pa.string())


def _normalized_column(values: pd.Series) -> pa.Array | pa.ChunkedArray:
    """lib.matching.normalized_text over a whole column, vectorised with Arrow (a million names in ~0.1 s)."""
    decomposed = pc.utf8_normalize(pc.utf8_lower(_arrow_strings(values)), "NFKD")
    plain = pc.replace_substring_regex(decomposed, r"\p{Mn}", "")
    return pc.utf8_trim_whitespace(pc.replace_substring_regex(plain, "[^a-z0-9]+", " "))


def matches_search(frame: pd.DataFrame, text: str, columns: Iterable[str]) -> pd.Series:
    """Rows where any of the columns contains the text (case and accents ignored)."""
    if not text:
        return pd.Series(True, index=frame.index)
    needle = normalized_text(text)
    hit = pd.Series(False, index=frame.index)
    if not needle:
        return hit
    for column in columns:
        if column in frame.columns and len(frame):
            found = pc.fill_null(pc.match_substring(_normalized_column(frame[column]), needle), False)
            hit |= pd.Series(found.to_numpy(zero_copy_only=False), index=frame.index)
    return hit
