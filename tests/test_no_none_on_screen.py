"""No page of the demo store shows « None », « nan » or « NaT »: not in a text, a metric, a table cell, nor as a
table's missing value (Streamlit draws a missing cell as « None » unless the table says otherwise)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from lib.store import Store
from tests.test_pages import APP, PAGES

TECHNICAL = re.compile(r"\b(?:None|nan|NaN|NaT)\b")
_WIDGET_ID = re.compile(r'^\s*(id|form_id): ".*"$', re.MULTILINE)

pytestmark = pytest.mark.usefixtures("fresh_streamlit_caches")


def elements(node: object) -> Iterator[object]:
    yield node
    children = getattr(node, "children", None)
    if isinstance(children, dict):
        for child in children.values():
            yield from elements(child)


def faults(at: AppTest) -> list[str]:
    """Every place of the page where a person would read « None », « nan » or « NaT »."""
    found: list[str] = []
    for node in elements(at._tree):
        kind = getattr(node, "type", "")
        if kind in ("arrow_data_frame", "dataframe"):
            frame: pd.DataFrame = node.value  # type: ignore[attr-defined]
            placeholder = node.proto.placeholder if node.proto.HasField("placeholder") else None  # type: ignore[attr-defined]
            for column in frame.columns:
                values = frame[column]
                if values.isna().any() and placeholder in (None, "None"):
                    found.append(f"table cell shown as « None » in column {column!r}")
                texts = values.dropna().astype(str)
                bad = texts[texts.str.contains(TECHNICAL)]
                if len(bad):
                    found.append(f"table column {column!r}: {bad.iloc[0]!r}")
            continue
        proto = getattr(node, "proto", None)
        if proto is None or kind in ("arrow_vega_lite_chart", "plotly_chart"):
            continue
        shown = _WIDGET_ID.sub("", str(proto))  # « $$ID-…-None »: the internal id of a widget without a key
        for match in TECHNICAL.finditer(shown):
            start = max(0, match.start() - 60)
            found.append(f"{kind}: …{shown[start : match.end() + 20]}…")
    return found


def visit(page: str, **query: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60).run()  # local mode: the default admin session
    at.switch_page(page)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


@pytest.mark.parametrize("page", PAGES)
def test_no_page_of_the_demo_shows_none_nan_or_nat(demo_db: Path, page: str) -> None:
    assert faults(visit(page)) == []


def test_the_passport_of_a_person_shows_no_none(demo_db: Path) -> None:
    # The person with the most trainings: the widest passport table, with every kind of empty value.
    matricule = str(
        Store(demo_db)
        .sql("SELECT matricule FROM training_records GROUP BY ALL ORDER BY count(*) DESC LIMIT 1")["matricule"]
        .iloc[0]
    )
    assert faults(visit("views/salarie.py", matricule=matricule)) == []


def test_the_journal_after_files_generated_confirmed_and_undone_shows_no_none(demo_db: Path) -> None:
    at = visit("views/carence.py")
    at.button(key="generate_carence").click().run()
    first = int(Store(demo_db).export_history("carence")["id"].min())
    at.button(key=f"confirm_{first}").click().run()
    at.button(key=f"undo_export_{first}").click().run()
    at.button(key=f"undo_export_confirmed_{first}").click().run()
    assert faults(at) == []
    journal = visit("views/journal.py")
    assert faults(journal) == []
    text = " ".join(journal.dataframe[0].value.astype(str).to_numpy().ravel())
    for technical in ("reference_date", "rule_set", "deposited", "generated"):
        assert technical not in text
