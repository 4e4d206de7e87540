"""The « Salarié » search: case- and accent-blind matching over whole columns, vectorised with Arrow."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
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


def search_index(frame: pd.DataFrame, columns: Sequence[str]) -> pa.Array | pa.ChunkedArray:
    """One normalized text per row (the columns' words, case and accents dropped), for words_found."""
    parts = [pc.fill_null(_normalized_column(frame[c]), "") for c in columns if c in frame.columns]
    if not parts:
        return pa.array([""] * len(frame), type=pa.string())
    return pc.utf8_trim_whitespace(pc.binary_join_element_wise(*parts, " "))


def words_found(index: pa.Array | pa.ChunkedArray, text: str) -> np.ndarray:
    """Rows of a search index holding every word typed, in any order (case and accents ignored).

    « dupont jean » finds DUPONT Jean and Jean Dupont; an empty search keeps every row.
    """
    if not text:
        return np.ones(len(index), dtype=bool)
    words = normalized_text(text).split()
    if not words:
        return np.zeros(len(index), dtype=bool)
    # The first word scans every row; each next one only the rows still in.
    positions = np.flatnonzero(pc.fill_null(pc.match_substring(index, words[0]), False).to_numpy(zero_copy_only=False))
    for word in words[1:]:
        kept = pc.fill_null(pc.match_substring(index.take(pa.array(positions)), word), False)
        positions = positions[kept.to_numpy(zero_copy_only=False)]
    hit = np.zeros(len(index), dtype=bool)
    hit[positions] = True
    return hit
