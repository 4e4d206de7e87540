"""The reference date: « Date du jour » by default, a fixed date only by an explicit choice, and a banner on every
page while one is fixed (AppTest on the demo store, whose statuses are pinned to 23/11/2026)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lib.store import Store

APP = str(Path(__file__).resolve().parents[1] / "app.py")

pytestmark = pytest.mark.usefixtures("fresh_streamlit_caches")


def parametres() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page("views/parametres.py").run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def reference_banners(at: AppTest) -> list[str]:
    return [i.value for i in at.info if i.value.startswith("Date de référence fixée")]


def test_a_fixed_date_is_shown_as_a_banner_with_the_way_back_to_today(demo_db: Path) -> None:
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    found = reference_banners(at)
    assert len(found) == 1
    assert "**23/11/2026**" in found[0] and date.today().strftime("%d/%m/%Y") in found[0]
    links = [el for el in at.get("page_link") if "Revenir à la date du jour" in el.proto.label]
    assert links and links[0].proto.page.endswith("parametres")


def test_no_banner_when_the_statuses_follow_the_calendar(demo_db: Path) -> None:
    Store(demo_db).set_setting("reference_date", "")
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert reference_banners(at) == []
    assert not [el for el in at.get("page_link") if "Revenir à la date du jour" in el.proto.label]


def test_going_back_to_today_from_parametres_unpins_the_date(demo_db: Path) -> None:
    at = parametres()
    assert at.radio(key="reference_mode").value == "fixed", "the demo's pinned date shows as the explicit choice"
    at.radio(key="reference_mode").set_value("today").run()
    assert Store(demo_db).get_setting("reference_date") == "2026-11-23", "nothing changes before the click"
    at.button(key="reference_today").click().run()
    assert not at.exception
    assert Store(demo_db).get_setting("reference_date") == ""
    assert any("date du jour" in s.value for s in at.success)
    assert at.radio(key="reference_mode").value == "today"


def test_today_is_the_default_and_typing_todays_date_does_not_silently_pin_it(demo_db: Path) -> None:
    Store(demo_db).set_setting("reference_date", "")
    at = parametres()
    assert at.radio(key="reference_mode").value == "today"
    assert not any(b.key == "reference_save" for b in at.button)
    assert not any(d.key == "reference_fixed" for d in at.date_input)
    at.radio(key="reference_mode").set_value("fixed").run()
    at.date_input(key="reference_fixed").set_value(date.today()).run()
    assert Store(demo_db).get_setting("reference_date") == "", "choosing a date saves nothing by itself"
    assert any("Une date fixée ne bouge plus" in w.value for w in at.warning)
    at.button(key="reference_save").click().run()
    assert Store(demo_db).get_setting("reference_date") == date.today().isoformat()


def test_fixing_a_past_date_pins_the_statuses_to_it(demo_db: Path) -> None:
    Store(demo_db).set_setting("reference_date", "")
    at = parametres()
    at.radio(key="reference_mode").set_value("fixed").run()
    at.date_input(key="reference_fixed").set_value(date(2026, 10, 1)).run()
    assert not any("Une date fixée ne bouge plus" in w.value for w in at.warning)
    at.button(key="reference_save").click().run()
    assert not at.exception
    assert Store(demo_db).get_setting("reference_date") == "2026-10-01"
    assert any("01/10/2026" in s.value for s in at.success)
