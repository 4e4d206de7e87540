"""The only lib module that imports Streamlit: the cached store, cached queries and shared widgets."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
import streamlit as st

from lib import settings
from lib.identifiers import mask_nir
from lib.matching import normalized_text
from lib.rules import RuleSet
from lib.store import Store, StoreError, default_db_path


@st.cache_resource
def get_store() -> Store:
    return Store(default_db_path())


def data_version() -> str:
    """A token that changes with every import or action, so cached queries are invalidated."""
    store = get_store()
    if not store.path.exists():
        return "absent"
    stat = store.path.stat()
    return f"{stat.st_mtime_ns}-{stat.st_size}"


@st.cache_data(show_spinner=False)
def _cached_query(name: str, params: tuple[tuple[str, Any], ...], version: str) -> pd.DataFrame:
    return get_store().query(name, dict(params))


def query(name: str, **params: Any) -> pd.DataFrame:
    """A named query of lib/sql, cached until the store changes."""
    return _cached_query(name, tuple(sorted(params.items())), data_version())


def fr_date(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def masked(frame: pd.DataFrame, column: str = "nir") -> pd.DataFrame:
    """A copy with the NIR column masked (the interface never shows a full NIR)."""
    if column in frame.columns:
        frame = frame.copy()
        frame[column] = [mask_nir(v) if isinstance(v, str) else "" for v in frame[column]]
    return frame


def show_store_error(error: StoreError) -> None:
    st.error(str(error), icon="⚠️")


def mask_value(column: str | None, value: str | None) -> str:
    """A value from an error report, masked when it comes from a NIR column."""
    if value is None:
        return ""
    words = normalized_text(column).split()
    if "nir" in words or "ss" in words or "securite" in words:
        return mask_nir(value)
    return value


def today() -> date:
    """The day the dashboard computes statuses for: today, unless a reference date is set in the settings."""
    raw = get_store().get_setting("reference_date") if get_store().path.exists() else None
    return date.fromisoformat(raw) if raw else date.today()


@st.cache_data(show_spinner=False)
def _cached_workflow(name: str, today_: date, version: str) -> pd.DataFrame:
    store = get_store()
    prefs = settings.preferences(store)
    return store.workflow(
        name,
        rules=settings.active_rules(store),
        today=today_,
        tolerance_days=prefs.tolerance_days,
        horizon_days=prefs.horizon_days,
    )


def workflow(name: str) -> pd.DataFrame:
    """A workflow query (of_declarations, expected_trainings, internal_trainings, validities) at today()."""
    return _cached_workflow(name, today(), data_version())


def active_rules() -> RuleSet:
    return settings.active_rules(get_store())
