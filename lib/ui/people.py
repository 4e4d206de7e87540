"""The people the pages ask about, in SQL (lib/store/people.py), cached per question and data version: the
« Salarié » search in any word order, one person's register line, the people of a list, and the explanation of
one training's deadlines (lib/passport.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import pandas as pd
import streamlit as st

from lib import passport, settings
from lib.lists import ListContext, ListQuery
from lib.rules import compute_deadlines, explanations_against, load_rule_set
from lib.ui.cache import active_rules, data_version, read_store, stored_settings, today
from lib.ui.lists import context
from lib.ui.text import full_name


@st.cache_data(show_spinner=False, max_entries=4)
def _count(version: str) -> int:
    return read_store().people_count()


@st.cache_data(show_spinner=False, max_entries=128)
def _found(text: str, limit: int | None, matricules: tuple[str, ...], version: str) -> dict[str, str]:
    people = read_store().people(text, limit=limit, matricules=matricules)
    return {
        str(m): f"{full_name(b, f, u)} — {m}"
        for m, b, f, u in people[["matricule", "birth_name", "first_name", "usage_name"]].itertuples(index=False)
    }


@st.cache_data(show_spinner=False, max_entries=64)
def _employee(matricule: str, version: str) -> pd.DataFrame:
    return read_store().employee(matricule)


@st.cache_data(show_spinner=False, max_entries=128)
def _list_people_count(query: ListQuery, context_: ListContext, version: str) -> int:
    return read_store().list_people_count(query, context_)


@st.cache_data(show_spinner=False, max_entries=64)
def _first_people(query: ListQuery, context_: ListContext, by: str, limit: int, version: str) -> list[str]:
    return read_store().list_first_people(query, context_, by, limit)


def count() -> int:
    """How many people the store knows (register and HR records)."""
    return _count(data_version())


def found(text: str, limit: int | None) -> dict[str, str]:
    """matricule → « NOM Prénom — matricule » of the people whose name or matricule holds every word typed, in
    any order, accents and case ignored (whole-word matches first, then by name); at most `limit`."""
    return _found(text.strip(), limit, (), data_version())


def labels_of(matricules: Sequence[str]) -> dict[str, str]:
    """The labels of the given people (those the store knows)."""
    return _found("", None, tuple(matricules), data_version()) if matricules else {}


def employee(matricule: str) -> pd.DataFrame:
    """The register's line of one person (none when absent from the register); raw NIR: mask it to show it."""
    return _employee(matricule, data_version())


def people_in(query: ListQuery) -> int:
    """How many distinct people the query's rows concern."""
    return _list_people_count(query, context(), data_version())


def first_people(query: ListQuery, by: str, limit: int) -> list[str]:
    """The `limit` people of the query's rows whose smallest `by` is the smallest."""
    return _first_people(query, context(), by, limit, data_version())


def _day(value: Any) -> date | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date()


def deadline_story(record: pd.Series, facts: passport.TrainingFacts) -> str:
    """« D'où viennent ces échéances ? » for one training record (a row of the validities list)."""
    category = record.get("category")
    other_rules = load_rule_set(settings.comparison_rule_set_name(stored_settings()))
    computed = [
        compute_deadlines(
            rule_set,
            str(record["proof_kind"]),  # type: ignore[arg-type]
            training_end=_day(record["end_date"]),
            validity_start=_day(record.get("validity_start")) or _day(record["end_date"]),
            category=None if category is None or pd.isna(category) else int(category),
        )
        for rule_set in (active_rules(), other_rules)
    ]
    # Both dates when they differ: the one in force, then the other rule set's (rules.md §3b).
    explanations = explanations_against(computed[0], computed[1], other_rules)
    return passport.deadline_story(facts, computed[0], explanations, today())


PEOPLE_LIST_LIMIT = 2_000
"""Up to this many people, the Salarié page lists them all; beyond, it asks for a search first."""

PEOPLE_MATCHES = 200
"""How many people a search offers at most."""
