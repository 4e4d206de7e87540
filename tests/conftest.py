"""Shared fixtures: the demo store built once per session, copied for each test that uses it."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from lib.fakes.demo_store import build_demo_store
from lib.store import Store

DEMO_TODAY = "2026-11-23"


@pytest.fixture(scope="session")
def demo_store_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo store, statuses pinned to the demo's day (23/11/2026); never written by tests."""
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    store = Store(path)
    build_demo_store(store, replace=True)
    store.set_setting("reference_date", DEMO_TODAY)
    store.sql("CHECKPOINT")
    return path


@pytest.fixture
def demo_db(demo_store_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A private copy of the demo store, the one the app opens (PASSEPORT_DB)."""
    copy = tmp_path / "passeport.duckdb"
    shutil.copyfile(demo_store_file, copy)
    monkeypatch.setenv("PASSEPORT_DB", str(copy))
    yield copy


@pytest.fixture
def empty_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A store file that does not exist yet: the app as it is on the first day."""
    path = tmp_path / "vide.duckdb"
    monkeypatch.setenv("PASSEPORT_DB", str(path))
    yield path


@pytest.fixture
def fresh_streamlit_caches() -> Iterator[None]:
    """Streamlit caches outlive an AppTest run: each test starts from its own store."""
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()
