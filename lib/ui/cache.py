"""Every cache of the dashboard: the cached store, the data-version token, the workflow frames shared across
sessions (with what a verification decision leaves alone), their search indexes, the filters' choices, and the
warm-up thread that computes them before anyone asks. clear_caches forgets them all after a write."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import streamlit as st

from lib import access, refresh, settings
from lib.matching import normalized_text
from lib.rules import RuleSet, load_rule_set
from lib.store import Store, default_db_path
from lib.store import current_user as current_os_user
from lib.ui.search import _normalized_column, search_index, words_found
from lib.ui.text import fr_number, full_name

_LOG = logging.getLogger(__name__)


@st.cache_resource
def _store(path: str, user: str) -> Store:
    return Store(path, user=user)


@st.cache_resource
def _reader(path: str) -> Store:
    return Store(path, user="lecture")


def read_store() -> Store:
    """The store for reading (no person needed): what cached queries and the warm-up thread use."""
    return _reader(str(default_db_path()))


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


WORKFLOW_QUERIES = (
    "of_declarations", "expected_trainings", "internal_trainings", "validities", "of_scorecard", "correction_requests",
)  # fmt: skip

PERSON_COLUMNS = ("person_birth_name", "person_usage_name", "person_first_name", "matricule")

"""Who a row is about: what person_names, the employee link and the « Salarié » search read."""

SEARCH_COLUMNS: dict[str, tuple[str, ...]] = {
    "of_declarations": ("nom_titulaire", "matricule", "id_declaration", "id_unique_partenaire"),
    "expected_trainings": PERSON_COLUMNS,
    "internal_trainings": PERSON_COLUMNS,
    "validities": PERSON_COLUMNS,
}

"""What the « Salarié » search box of each list looks in (names, matricule, declaration identifiers)."""

_LAST_FRAMES: dict[tuple[date, str], dict[str, pd.DataFrame]] = {}

"""The frames last computed, by (day, Store.base_fingerprint()): what a verification decision leaves alone."""

_LAST_FRAMES_LOCK = threading.Lock()


@st.cache_resource(show_spinner=False, max_entries=1)  # a million-line store takes gigabytes per entry
def _cached_workflows(today_: date, version: str) -> dict[str, pd.DataFrame]:
    """Every workflow frame at `today_`.

    After a verification decision (same base fingerprint: nothing else changed), the frames are not computed
    again: the decided lines are updated in place (lib/refresh.py), in a fraction of a second on a million
    lines instead of seconds.
    """
    store = read_store()
    prefs = settings.preferences(stored_settings())
    base = (today_, store.base_fingerprint())
    with _LAST_FRAMES_LOCK:
        previous = _LAST_FRAMES.get(base)
    frames = _after_decisions(store, previous, today_) if previous is not None else None
    if frames is None:
        frames = store.workflows(
            WORKFLOW_QUERIES,
            rules=settings.active_rules(stored_settings()),
            today=today_,
            tolerance_days=prefs.tolerance_days,
            horizon_days=prefs.horizon_days,
        )
    with _LAST_FRAMES_LOCK:
        _LAST_FRAMES.clear()
        _LAST_FRAMES[base] = frames
        kept = {id(frame) for frame in frames.values()}
        for name, (frame, _) in list(_INDEXES.items()):
            if id(frame) not in kept:
                _INDEXES.pop(name, None)  # an index of frames gone would keep them in memory
    return frames


def _after_decisions(store: Store, previous: dict[str, pd.DataFrame], today_: date) -> dict[str, pd.DataFrame] | None:
    """The previous frames with the decisions of the store applied (None: compute everything again)."""
    try:
        lines = refresh.updated_lines(previous["of_declarations"], store.last_decisions(), today_)
        organismes = store.sql("SELECT name, siret FROM organismes")
        requests = refresh.correction_requests(lines, organismes, previous["correction_requests"])
        card = refresh.scorecard(previous["of_scorecard"], lines)
        expected = previous["expected_trainings"]
        if refresh.corrections_changed(previous["of_declarations"], lines):
            # A correction asked (or undone) on a matched line moves its training on the correction path.
            prefs = settings.preferences(stored_settings())
            expected = store.workflows(
                ("expected_trainings",),
                rules=settings.active_rules(stored_settings()),
                today=today_,
                tolerance_days=prefs.tolerance_days,
                horizon_days=prefs.horizon_days,
            )["expected_trainings"]
    except (KeyError, ValueError, TypeError):  # a frame not as expected: the full computation is the answer
        _LOG.warning("mise à jour après décision impossible, calcul complet", exc_info=True)
        return None
    return {
        **previous,
        "of_declarations": lines,
        "correction_requests": requests,
        "of_scorecard": card,
        "expected_trainings": expected,
    }


_INDEXES: dict[str, tuple[pd.DataFrame, pa.Array | pa.ChunkedArray]] = {}

"""The last search index of each workflow, with its frame: reused while the frame is the same object."""


@st.cache_resource(show_spinner=False, max_entries=8)
def _cached_search_index(name: str, today_: date, version: str) -> pa.Array | pa.ChunkedArray:
    frame = _cached_workflows(today_, version)[name]
    last = _INDEXES.get(name)
    if last is not None and last[0] is frame:  # a frame a verification decision left alone
        return last[1]
    index = search_index(frame, SEARCH_COLUMNS[name])
    with _LAST_FRAMES_LOCK:
        _INDEXES[name] = (frame, index)
    return index


def workflow(name: str) -> pd.DataFrame:
    """A workflow query of WORKFLOW_QUERIES at today(); all are computed together once per change of the store.

    The frames are shared across sessions (cache_resource, no pickling): each caller gets a shallow copy, which
    pandas' copy-on-write keeps from ever changing the shared one.
    """
    version = data_version()
    counts = _cached_counts(version)
    sizes = (
        f"{fr_number(counts.get('of_lines', 0))} déclarations d'OF et "
        f"{fr_number(counts.get('training_records', 0))} formations"
    )
    # Shown only when the computation takes a while (after an import, about 12 s for a million lines).
    with st.spinner(f"Calcul des échéances de {sizes}…"):
        frames = _cached_workflows(today(), version)
    return frames[name].copy(deep=False)


WARM_UP_SECONDS = 5.0


class _WarmUp:
    """A background thread that computes the workflows (and the search indexes) as soon as the store changes
    or the day turns, so that HR opening a page after a night import finds them ready.

    Off when PASSEPORT_WARMUP=0 (the tests); errors are left to the page that will show them in French.
    """

    def __init__(self) -> None:
        self.ready: tuple[date, str] | None = None
        self._stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, name="passeport-warmup", daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self._stopped.set()
        self.thread.join()

    def _run(self) -> None:
        while not self._stopped.is_set():
            try:
                version = data_version()
                day = today()
                if version != "absent" and (day, version) != self.ready and has_data():
                    for name in SEARCH_COLUMNS:
                        _cached_search_index(name, day, version)
                    _cached_people(version, day)
                    for asked in list(_CHOICES_ASKED):
                        _cached_choices(*asked, day, version)
                    self.ready = (day, version)
            except Exception:  # noqa: BLE001 - the page run will meet the same error and explain it
                _LOG.debug("warm-up failed", exc_info=True)
            self._stopped.wait(WARM_UP_SECONDS)


@st.cache_resource
def _warm_up() -> _WarmUp:
    return _WarmUp()


def start_warm_up() -> None:
    """Start the warm-up thread once per server (see _WarmUp), unless PASSEPORT_WARMUP=0."""
    if os.environ.get("PASSEPORT_WARMUP", "1") != "0":
        _warm_up()


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
    """Forget every cached query after a write (import, action, setting), so the next run reads the store.

    _LAST_FRAMES and _INDEXES stay: they are reused only for the same base fingerprint, or the same frame.
    """
    st.cache_data.clear()
    _cached_workflows.clear()
    _cached_search_index.clear()
    _cached_choices.clear()
    _cached_people.clear()
    _shared_sql.clear()
    _roster_by_nir.clear()


@st.cache_data(show_spinner=False)
def _cached_counts(version: str) -> dict[str, int]:
    store = read_store()
    return store.counts() if store.path.exists() else {}


def refresh_lists() -> None:
    """Compute the lists now, after an import (the person who imported waits here, with a message), so every
    page opens at once afterwards; the warm-up thread then builds the search indexes."""
    if has_data():
        workflow("of_declarations")


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


PEOPLE_LIST_LIMIT = 2_000

"""Up to this many people, the Salarié page lists them all; beyond, it asks for a search first."""

PEOPLE_MATCHES = 200


@st.cache_resource(show_spinner=False, max_entries=2)
def _cached_people(version: str, today_: date) -> tuple[dict[str, str], pa.Array | pa.ChunkedArray]:
    validities = _cached_workflows(today_, version)["validities"]
    roster = employees()
    people = pd.concat(
        [
            roster[["matricule", "birth_name", "first_name", "usage_name"]],
            pd.DataFrame(
                {
                    "matricule": validities["matricule"],
                    "birth_name": validities["person_birth_name"],
                    "first_name": validities["person_first_name"],
                    "usage_name": validities["person_usage_name"],
                }
            ),
        ],
        ignore_index=True,
    ).dropna(subset=["matricule"])
    people = people.drop_duplicates("matricule").sort_values(["birth_name", "first_name", "matricule"])
    labels = {
        m: f"{full_name(b, f, u)} — {m}"
        for m, b, f, u in people[["matricule", "birth_name", "first_name", "usage_name"]].itertuples(index=False)
    }
    return labels, _normalized_column(pd.Series(list(labels.values()), dtype="str"))


def people_labels() -> dict[str, str]:
    """Every known person (roster, then HR records), matricule → « NOM Prénom — matricule », sorted by name."""
    return _cached_people(data_version(), today())[0]


def people_matching(text: str) -> list[str]:
    """The matricules of the first PEOPLE_MATCHES people whose name or matricule holds every word typed."""
    labels, index = _cached_people(data_version(), today())
    positions = np.flatnonzero(words_found(index, text))
    words = normalized_text(text).split()
    matricules = list(labels)
    # Whole-word matches first (« martin jean » before « MARTINEAU Jeanne »), then the name order.
    found = [matricules[i] for i in positions[: PEOPLE_MATCHES * 10]]
    ranked = sorted(found, key=lambda m: not set(words) <= set(normalized_text(labels[m]).split()))
    return ranked[:PEOPLE_MATCHES]


_CHOICES_ASKED: set[tuple[str, str, str | None, tuple[str, ...]]] = set()

"""The filters' choices the pages asked for: the warm-up computes them again after each change."""


@st.cache_resource(show_spinner=False, max_entries=32)
def _cached_choices(
    name: str, column: str, flag: str | None, statuses: tuple[str, ...], today_: date, version: str
) -> list[str]:
    frame = _cached_workflows(today_, version)[name]
    keep = frame[flag].to_numpy(dtype=bool, na_value=False) if flag else np.ones(len(frame), dtype=bool)
    if statuses:
        keep &= frame["status"].isin(statuses).to_numpy(dtype=bool)
    return sorted(frame.loc[keep, column].dropna().unique())


def choices(name: str, column: str, *, flag: str | None = None, statuses: Sequence[str] = ()) -> list[str]:
    """The values of a column of workflow(name) offered in a filter (rows where `flag` holds and whose status is
    among `statuses`, when given), sorted; computed once per change of the store."""
    asked = (name, column, flag, tuple(statuses))
    _CHOICES_ASKED.add(asked)
    return list(_cached_choices(*asked, today(), data_version()))


def search_mask(name: str, text: str) -> np.ndarray:
    """The rows of workflow(name) the « Salarié » search keeps (see SEARCH_COLUMNS); the index is built on the
    first search after a change of the store, then reused."""
    if not text:
        return np.ones(len(workflow(name)), dtype=bool)
    return words_found(_cached_search_index(name, today(), data_version()), text)


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
