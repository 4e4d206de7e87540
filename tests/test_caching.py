"""The dashboard's caches at scale: after a verification decision, only the decision's queries are computed
again, and the result is the same as a full computation; every other write changes the base fingerprint."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from lib import settings, ui
from lib.refresh import DECISION_QUERIES
from lib.store import Store

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
    "a training import": lambda s: s.import_records(
        NEW_RECORD.encode(), "formation.csv", "internal", accept_warnings=True
    ),
    "a manual pairing": _pair_by_hand,
    "a carence file confirmed": _confirm_a_file,
    "recommended validities applied": lambda s: s.apply_recommended_validities(),
}


def _nothing(store: Store) -> None:
    pass


def _undo_the_earlier_decisions(store: Store) -> None:
    decided = store.sql("SELECT id FROM actions WHERE target_kind = 'of_line' AND action <> 'undone'")["id"]
    for action_id in decided:
        store.undo_action(int(action_id))


def _accept_then_ask_a_correction(store: Store) -> None:
    _accept(store)
    _request_correction(store)


# (what the store holds before the dashboard computes, the decision made after, the status of the first line)
DECISIONS: dict[str, tuple[Callable[[Store], None], Callable[[Store], None], str | None]] = {
    "lines accepted": (_nothing, _accept, "verified"),
    "corrections requested": (_nothing, _request_correction, "correction_requested"),
    "a decision made and undone": (_nothing, _undo_a_decision, None),
    "an earlier decision undone": (_accept, _undo_the_earlier_decisions, None),
    "accepted, then a correction asked": (_nothing, _accept_then_ask_a_correction, "correction_requested"),
    "a correction asked, then accepted": (_request_correction, _accept, "verified"),
    "a carence file generated, not yet deposited": (_nothing, _generate_carence_file, None),
}


@pytest.mark.parametrize("write", BASE_WRITES.values(), ids=BASE_WRITES.keys())
def test_every_write_but_a_decision_changes_the_base_fingerprint(
    demo_db: Path, write: Callable[[Store], object]
) -> None:
    store = Store(demo_db)
    before = store.base_fingerprint()
    write(store)
    assert store.base_fingerprint() != before


@pytest.mark.parametrize(("before", "decide", "first_status"), DECISIONS.values(), ids=DECISIONS.keys())
def test_after_a_decision_the_lists_are_updated_in_place_and_equal_a_full_computation(
    demo_db: Path,
    monkeypatch: pytest.MonkeyPatch,
    before: Callable[[Store], None],
    decide: Callable[[Store], None],
    first_status: str | None,
) -> None:
    store = Store(demo_db)
    before(store)
    first = ui._cached_workflows(DAY, ui.data_version())
    base = store.base_fingerprint()
    decide(store)
    assert store.base_fingerprint() == base
    ui.clear_caches()
    compute = Store.workflows

    recomputed: list[tuple[str, ...]] = []

    def only_the_correction_path(self: Store, names: tuple[str, ...], **kwargs: Any) -> dict[str, pd.DataFrame]:
        # A correction asked or undone on a matched line moves its training on the correction path: the expected
        # trainings alone are computed again; nothing else is.
        if tuple(names) != ("expected_trainings",):
            raise AssertionError("a decision must not compute the workflows again")
        recomputed.append(tuple(names))
        return compute(self, names, **kwargs)

    monkeypatch.setattr(Store, "workflows", only_the_correction_path)
    after = ui._cached_workflows(DAY, ui.data_version())
    monkeypatch.setattr(Store, "workflows", compute)
    for name in ui.WORKFLOW_QUERIES:
        if name not in DECISION_QUERIES:
            assert after[name] is first[name], name  # reused as they are
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
    status = after["of_declarations"].set_index("line_key")["status"].loc[_first_lines(store, 1)].iloc[0]
    if first_status is None:
        assert status in {"to_verify", "deemed_verified"}
    else:
        assert status == first_status
    if first_status == "correction_requested":
        assert len(after["correction_requests"]) >= 1


def test_after_any_other_write_everything_is_computed_again(demo_db: Path) -> None:
    first = ui._cached_workflows(DAY, ui.data_version())
    Store(demo_db).set_setting("horizon_days", "60")
    ui.clear_caches()
    after = ui._cached_workflows(DAY, ui.data_version())
    assert all(after[name] is not first[name] for name in ui.WORKFLOW_QUERIES)
