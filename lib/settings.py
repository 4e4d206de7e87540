"""The user's settings: which rule set is active, its overridden dates, horizons and tolerances."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol

from lib import declarations, rules

RULE_SET_KEY = "rule_set"
OVERRIDABLE_DATES = ("extension_until", "of_full_scope_from", "employer_full_scope_from")
HORIZON_KEY = "horizon_days"
TOLERANCE_KEY = "match_tolerance_days"
CATALOGUE_SETTING = "catalogue_codes"
DEFAULT_HORIZON_DAYS = 90
DEFAULT_TOLERANCE_DAYS = 3


class SettingsSource(Protocol):
    def get_setting(self, key: str) -> str | None: ...


@dataclass(frozen=True)
class Preferences:
    horizon_days: int
    tolerance_days: int


def _int_setting(source: SettingsSource | None, key: str, default: int) -> int:
    raw = source.get_setting(key) if source else None
    try:
        return int(raw) if raw is not None else default
    except ValueError:
        return default


def preferences(source: SettingsSource | None) -> Preferences:
    return Preferences(
        horizon_days=_int_setting(source, HORIZON_KEY, DEFAULT_HORIZON_DAYS),
        tolerance_days=_int_setting(source, TOLERANCE_KEY, DEFAULT_TOLERANCE_DAYS),
    )


def chosen_rule_set(source: SettingsSource | None) -> str | None:
    """The rule set the user chose explicitly in Paramètres, as stored (None: they never chose one)."""
    name = source.get_setting(RULE_SET_KEY) if source else None
    return name or None


def active_rule_set_name(source: SettingsSource | None) -> str:
    """The rule set in force for a store: the user's explicit choice, else the default.

    The setting is written only when the user activates a set in Paramètres, so a store that never chose
    follows the default as it changes (décret 2026-496 since June 2026); a superseded choice
    (« portail-2026-06 ») reads as its replacement.
    """
    name = chosen_rule_set(source)
    return rules.current_name(name) if name else rules.DEFAULT_RULE_SET


def comparison_rule_set_name(source: SettingsSource | None) -> str:
    """The rule set whose dates Paramètres compares with the active one: the default, or when the default is
    active, the published decree (the other reading of the same deadlines)."""
    active = active_rule_set_name(source)
    return rules.DEFAULT_RULE_SET if active != rules.DEFAULT_RULE_SET else rules.PUBLISHED_RULE_SET


def active_rules(source: SettingsSource | None, name: str | None = None) -> rules.RuleSet:
    """The rule set in force: an explicitly named file as written, else the active one with the user's overrides."""
    if name:
        return rules.load_rule_set(name)
    rule_set = rules.load_rule_set(active_rule_set_name(source))
    overrides: dict[str, date] = {}
    for key in OVERRIDABLE_DATES:
        raw = source.get_setting(f"override.{key}") if source else None
        if raw:
            try:
                overrides[key] = date.fromisoformat(raw)
            except ValueError as error:
                raise rules.RuleSetError(
                    f"Réglage « {key} » illisible (« {raw[:40]} ») : corrigez-le ou rétablissez-le dans Paramètres."
                ) from error
    return rule_set.with_overrides(**overrides) if overrides else rule_set


def code_catalogue(source: SettingsSource | None) -> dict[str, declarations.TrainingCodes]:
    """The portal codes per training type: the shipped catalogue, overridden by the user's own entries."""
    text = source.get_setting(CATALOGUE_SETTING) if source else None
    extra = declarations.parse_code_catalogue(text, "catalogue des réglages") if text else None
    return declarations.load_code_catalogue(extra=extra)
