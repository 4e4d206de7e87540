"""The dashboard's caches at scale: after a verification decision, only the decision's queries are computed
again, and the result is the same as a full computation; every other write changes the base fingerprint."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from lib import settings, ui
from lib.store import DECISION_QUERIES, Store

pytestmark = pytest.mark.usefixtures("fresh_streamlit_caches")

DAY = date(2026, 11, 23)
NEW_EMPLOYEE = "Matricule;NIR;Nom de naissance;Prénom\nZ999;2150197611807;NOUVELLE;Inès\n"
NEW_RECORD = (
    "Matricule;Nom de naissance;Formation;Organisme;Interne;Catégorie;Date de début;Date de fin\n"
    "Z999;NOUVELLE;Sauveteur secouriste du travail;Formasud;non;1;02/11/2026;03/11/2026\n"
)


def _first_lines(store: Store, count: int) -> list[str]:
    return list(store.sql(f"SELECT organisme || '|' || id_unique_partenaire AS k FROM of_lines LIMIT {count}")["k"])


def _accept(store: Store) -> None:
    store.record_action("of_line", _first_lines(store, 3), "accepted")


def _request_correction(store: Store) -> None:
    store.record_action("of_line", _first_lines(store, 2), "correction_requested", reason="dates")


def _undo_a_decision(store: Store) -> None:
    (action_id,) = store.record_action("of_line", _first_lines(store, 1), "accepted")
    store.undo_action(action_id)


def _generate_carence_file(store: Store) -> None:
    store.generate_export(
        "carence", rules=settings.active_rules(store), today=DAY, catalogue=settings.code_catalogue(store)
    )


def _confirm_a_file(store: Store) -> None:
    batch = store.generate_export(
        "carence", rules=settings.active_rules(store), today=DAY, catalogue=settings.code_catalogue(store)
    )
    export_id = batch.files[0].export_id
    store.confirm_export(export_id, rules=settings.active_rules(store), today=DAY)


def _rename_an_establishment(store: Store) -> None:
    rows = store.sql("SELECT siret, name, site FROM establishments ORDER BY siret")
    changed = [(str(s), f"{n} (renommé)" if i == 0 else str(n), str(t)) for i, (s, n, t) in enumerate(rows.values)]
    store.set_establishments(changed)


def _pair_by_hand(store: Store) -> None:
    line = store.sql("SELECT organisme, id_unique_partenaire FROM of_lines LIMIT 1").iloc[0]
    record = int(store.sql("SELECT min(id) AS i FROM training_records")["i"].iloc[0])
    store.pair_manually(record, str(line["organisme"]), str(line["id_unique_partenaire"]))


BASE_WRITES: dict[str, Callable[[Store], object]] = {
    "a setting": lambda s: s.set_setting("horizon_days", "60"),
    "the tolerance": lambda s: s.set_setting(settings.TOLERANCE_KEY, "5"),
    "an establishment renamed": _rename_an_establishment,
    "a roster import": lambda s: s.import_records(NEW_EMPLOYEE.encode(), "nouvelle.csv", "roster"),
    "a training import": lambda s: s.import_records(NEW_RECORD.encode(), "formation.csv", "internal"),
    "a manual pairing": _pair_by_hand,
    "a carence file generated": _generate_carence_file,
    "a carence file confirmed": _confirm_a_file,
    "recommended validities applied": lambda s: s.apply_recommended_validities(),
}
DECISIONS: dict[str, Callable[[Store], None]] = {
    "lines accepted": _accept,
    "corrections requested": _request_correction,
    "a decision undone": _undo_a_decision,
}


@pytest.mark.parametrize("write", BASE_WRITES.values(), ids=BASE_WRITES.keys())
def test_every_write_but_a_decision_changes_the_base_fingerprint(
    demo_db: Path, write: Callable[[Store], object]
) -> None:
    store = Store(demo_db)
    before = store.base_fingerprint()
    write(store)
    assert store.base_fingerprint() != before


@pytest.mark.parametrize("decide", DECISIONS.values(), ids=DECISIONS.keys())
def test_a_decision_keeps_the_base_and_the_partial_refresh_equals_a_full_computation(
    demo_db: Path, decide: Callable[[Store], None]
) -> None:
    store = Store(demo_db)
    first = ui._cached_workflows(DAY, ui.data_version())
    before = store.base_fingerprint()
    decide(store)
    assert store.base_fingerprint() == before
    ui.clear_caches()
    after = ui._cached_workflows(DAY, ui.data_version())
    for name in ui.WORKFLOW_QUERIES:
        if name not in DECISION_QUERIES:
            assert after[name] is first[name], name  # reused, not computed again
    prefs = settings.preferences(store)
    full = store.workflows(
        ui.WORKFLOW_QUERIES,
        rules=settings.active_rules(store),
        today=DAY,
        tolerance_days=prefs.tolerance_days,
        horizon_days=prefs.horizon_days,
    )
    for name in ui.WORKFLOW_QUERIES:
        pd.testing.assert_frame_equal(after[name], full[name], obj=name)
    statuses = after["of_declarations"].set_index("line_key")["status"]
    changed = statuses.loc[_first_lines(store, 1)].iloc[0]
    expected = {"lines accepted": "verified", "corrections requested": "correction_requested"}
    if decide is not _undo_a_decision:
        assert changed == expected[next(k for k, v in DECISIONS.items() if v is decide)]
    else:
        assert changed != "verified"


def test_after_any_other_write_everything_is_computed_again(demo_db: Path) -> None:
    first = ui._cached_workflows(DAY, ui.data_version())
    Store(demo_db).set_setting("horizon_days", "60")
    ui.clear_caches()
    after = ui._cached_workflows(DAY, ui.data_version())
    assert all(after[name] is not first[name] for name in ui.WORKFLOW_QUERIES)
