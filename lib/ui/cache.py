"""The dashboard's small caches: the cached store, the data-version token, the settings read once per version,
named queries, the roster, the rule-set comparison. The workflow lists are never cached whole: pages ask for
what they show (lib/ui/lists.py). clear_caches forgets everything after a write."""

from __future__ import annotations

import logging
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd
import streamlit as st

from lib import access, settings
from lib.rules import RuleSet, load_rule_set
from lib.store import Store, default_db_path
from lib.store import current_user as current_os_user
from lib.ui.text import full_name

_LOG = logging.getLogger(__name__)


@st.cache_resource
def _store(path: str, user: str) -> Store:
    return Store(path, user=user)


@st.cache_resource
def _reader(path: str) -> Store:
    return Store(path, user="lecture")


def read_store() -> Store:
    """The store for reading (no person needed): what the cached queries use."""
    return _reader(str(default_db_path()))


def reading() -> AbstractContextManager[None]:
    """The page run's one read connection: every read of the run shares it (lib.store StoreBase.reading)."""
    return read_store().reading()


def get_store() -> Store:
    """The store, recording the signed-in person (or the machine's user in local mode) in the audit."""
    user = st.session_state.get("user")
    return _store(str(default_db_path()), user.name if isinstance(user, access.User) else current_os_user())


def data_version() -> str:
    """A token that changes with every import or action, so cached queries are invalidated."""
    path = default_db_path()
    if not path.exists():
        return "absent"
    stat = path.stat()
    return f"{stat.st_mtime_ns}-{stat.st_size}"


@st.cache_data(show_spinner=False)
def _cached_query(name: str, params: tuple[tuple[str, Any], ...], version: str) -> pd.DataFrame:
    return get_store().query(name, dict(params))


def query(name: str, **params: Any) -> pd.DataFrame:
    """A named query of lib/sql, cached until the store changes."""
    return _cached_query(name, tuple(sorted(params.items())), data_version())


@dataclass(frozen=True)
class SettingsSnapshot:
    """The store's settings as read once per change of the store (a settings.SettingsSource)."""

    values: dict[str, str]

    def get_setting(self, key: str) -> str | None:
        return self.values.get(key)


@st.cache_data(show_spinner=False)
def _cached_settings(version: str) -> dict[str, str]:
    store = read_store()
    return store.settings() if store.path.exists() else {}


def stored_settings() -> SettingsSnapshot:
    """The settings, read once per data version: a page run opens no connection to ask for each of them."""
    return SettingsSnapshot(_cached_settings(data_version()))


def today() -> date:
    """The day the dashboard computes statuses for: today, unless a reference date is set in the settings."""
    raw = stored_settings().get_setting("reference_date")
    return date.fromisoformat(raw) if raw else date.today()


@st.cache_data(show_spinner="Comparaison des jeux de règles…")
def _cached_rule_set_differences(other_name: str, today_: date, version: str) -> pd.DataFrame:
    prefs = settings.preferences(stored_settings())
    return read_store().rule_set_differences(
        active_rules(),
        load_rule_set(other_name),
        today=today_,
        tolerance_days=prefs.tolerance_days,
        horizon_days=prefs.horizon_days,
    )


# Above this many OF lines and training records, Paramètres compares the rule sets only when asked (the
# comparison computes the three lists twice).
COMPARE_AT_ONCE_UP_TO = 100_000


def compares_at_once() -> bool:
    """Whether the store is small enough for Paramètres to compare the rule sets on opening."""
    counts = _cached_counts(data_version())
    return counts.get("of_lines", 0) + counts.get("training_records", 0) <= COMPARE_AT_ONCE_UP_TO


def rule_set_differences(other_name: str) -> pd.DataFrame:
    """Store.rule_set_differences against `other_name`, once per change of the store (NIRs come masked)."""
    return _cached_rule_set_differences(other_name, today(), data_version())


def active_rules() -> RuleSet:
    return settings.active_rules(stored_settings())


def clear_caches() -> None:
    """Forget every cached query after a write (import, action, setting), so the next run reads the store."""
    st.cache_data.clear()
    _shared_sql.clear()
    _roster_by_nir.clear()


@st.cache_data(show_spinner=False)
def _cached_counts(version: str) -> dict[str, int]:
    store = read_store()
    return store.counts() if store.path.exists() else {}


@st.cache_data(show_spinner="Recherche des salariés partis…")
def _cached_purge_candidates(months: int, today_: date, version: str) -> pd.DataFrame:
    prefs = settings.preferences(stored_settings())
    return read_store().purge_candidates(
        months=months, rules=active_rules(), today=today_, tolerance_days=prefs.tolerance_days
    )


def purge_candidates(months: int) -> pd.DataFrame:
    """Store.purge_candidates, once per change of the store (it computes every status)."""
    return _cached_purge_candidates(months, today(), data_version())


@st.cache_data(show_spinner=False)
def _cached_recommended_validities(version: str) -> pd.DataFrame:
    return read_store().recommended_validities()


def recommended_validities() -> pd.DataFrame:
    """Store.recommended_validities, once per change of the store."""
    return _cached_recommended_validities(data_version())


def has_data() -> bool:
    """Whether anything was imported: no page computes statuses over an empty store."""
    counts = _cached_counts(data_version())
    return sum(counts.get(table, 0) for table in ("of_lines", "training_records", "employees")) > 0


@st.cache_resource(show_spinner=False, max_entries=16)
def _shared_sql(sql: str, version: str) -> pd.DataFrame:
    return read_store().sql(sql)


def _cached_sql(sql: str, version: str) -> pd.DataFrame:
    """A query's frame, read once per data version and shared (each caller gets its own shallow copy)."""
    return _shared_sql(sql, version).copy(deep=False)


def employees() -> pd.DataFrame:
    """The employee roster (with raw NIR: mask it before display)."""
    return _cached_sql(
        "SELECT matricule, nir, birth_name, usage_name, first_name, establishment_siret, site, service, manager, "
        "entry_date, exit_date FROM employees ORDER BY birth_name, first_name, matricule",
        data_version(),
    )


def establishments() -> pd.DataFrame:
    """The employer's establishments: siret, name, site."""
    return _cached_sql("SELECT siret, name, site FROM establishments ORDER BY siret", data_version())


@st.cache_data(show_spinner=False)
def _cached_action_batches(target_kind: str, limit: int, version: str) -> pd.DataFrame:
    history = read_store().action_history(target_kind)
    if history.empty:
        return pd.DataFrame(columns=["acted_at", "who", "action", "reason", "ids", "lines", "undone"])
    undone_ids = set(history["undoes"].dropna().astype(int))
    own = history[history["action"] != "undone"].copy()
    own["undone"] = own["id"].isin(undone_ids)
    own["reason"] = own["reason"].fillna("")
    own["second"] = own["acted_at"].dt.floor("s")
    batches = (
        own.groupby(["second", "who", "action", "undone"], sort=False)
        .agg(acted_at=("acted_at", "max"), ids=("id", list), lines=("id", "size"), reason=("reason", "first"))
        .reset_index()
        .sort_values("acted_at", ascending=False)
        .head(limit)
    )
    return batches[["acted_at", "who", "action", "reason", "ids", "lines", "undone"]].reset_index(drop=True)


@st.cache_resource(show_spinner=False, max_entries=2)
def _roster_by_nir(version: str) -> tuple[dict[str, str], dict[str, str]]:
    roster = employees().dropna(subset=["nir"]).drop_duplicates("nir")
    names = {
        n: full_name(b, f, u)
        for n, b, f, u in roster[["nir", "birth_name", "first_name", "usage_name"]].itertuples(index=False)
    }
    return names, dict(zip(roster["nir"], roster["matricule"], strict=True))


def roster_names_by_nir(nirs: pd.Series) -> pd.Series:
    """The roster's « NOM Prénom » of each NIR (empty when the NIR is not in the roster)."""
    names = _roster_by_nir(data_version())[0]
    return pd.Series([names.get(n, "") if isinstance(n, str) else "" for n in nirs], index=nirs.index, dtype="object")


def roster_matricules_by_nir(nirs: pd.Series) -> pd.Series:
    """The roster's matricule of each NIR (None when the NIR is not in the roster)."""
    by_nir = _roster_by_nir(data_version())[1]
    return pd.Series([by_nir.get(n) if isinstance(n, str) else None for n in nirs], index=nirs.index, dtype="object")
