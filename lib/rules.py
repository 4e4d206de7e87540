"""Deadline rules of the Passeport de prévention: rule sets read from data files, dates in, dates out."""

from __future__ import annotations

import calendar
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

Kind = Literal["ADF", "JDR"]

RULES_DIR = Path(__file__).resolve().parents[1] / "data" / "rules"
DEFAULT_RULE_SET = "decret-2026-496"
# The published text (décret 2025-748), selectable: the set the default is compared with.
PUBLISHED_RULE_SET = "decret-2025-748"
# Rule sets replaced by another one: a store or a command that still names them gets the replacement.
# « portail-2026-06 » was the preview of the portal's announcement that « decret-2026-496 » now holds in full.
SUPERSEDED_RULE_SETS: Mapping[str, str] = {"portail-2026-06": "decret-2026-496"}
# The only certainty that needs no warning (rules.md §3b: below it, every page shows a banner).
OFFICIAL_CERTAINTY = "texte officiel"
USER_SETTING_CERTAINTY = "réglage de l'utilisateur"

INT_PARAMETERS: tuple[str, ...] = ("of_months", "employer_months", "extension_months", "carence_months")
DATE_PARAMETERS: tuple[str, ...] = (
    "extension_until",
    "carence_start",
    "of_obligation_start",
    "employer_obligation_start",
    "of_full_scope_from",
    "employer_full_scope_from",
)
PARAMETERS: tuple[str, ...] = INT_PARAMETERS + DATE_PARAMETERS
HEADER_KEYS: tuple[str, ...] = ("name", "title", "certainty", "summary")
SOURCE_KEYS: tuple[str, ...] = ("reference", "text", "certainty")
WINDOW_DATE_KEYS: tuple[str, ...] = ("from", "to", "of_deadline", "verification_deadline")
INTERNAL_WINDOW_DATE_KEYS: tuple[str, ...] = ("from", "to", "internal_deadline")
# Optional keys of a parameter table: the reading of another official statement, shown where it changes a date.
OTHER_READING_KEYS: tuple[str, ...] = ("other_value", "other_reading")
TOP_LEVEL_KEYS: frozenset[str] = frozenset(HEADER_KEYS + PARAMETERS + ("fixed_windows", "internal_windows"))

# Categories 3 and 4 come into scope later than 1 and 2 (rules.md §3, step 5).
LATE_SCOPE_CATEGORIES: frozenset[int] = frozenset({3, 4})
CATEGORIES: frozenset[int] = frozenset({1, 2, 3, 4})


class RuleSetError(ValueError):
    """A rule-set file that cannot be used; the message (French) names the file and the key."""


@dataclass(frozen=True)
class Source:
    """Where a parameter comes from: article, quote or summary, and how certain it is."""

    reference: str
    text: str
    certainty: str


@dataclass(frozen=True)
class DateWindow:
    """Reference dates from `start` to `end`, both included."""

    start: date
    end: date

    def contains(self, d: date) -> bool:
        return self.start <= d <= self.end


@dataclass(frozen=True)
class FixedWindow(DateWindow):
    """Trainings whose reference date is in [start, end] get these deadlines instead of the computed ones."""

    of_deadline: date
    verification_deadline: date
    source: Source


@dataclass(frozen=True)
class InternalWindow(DateWindow):
    """Internal trainings whose reference date is in [start, end] are due on `internal_deadline`.

    `other_reading` names the other official statement (the computed deadline), shown with the date it gives.
    """

    internal_deadline: date
    source: Source
    other_reading: str


@dataclass(frozen=True)
class OtherReading:
    """Another official statement of one parameter: its value and where it comes from (French text)."""

    value: date | int
    text: str


@dataclass(frozen=True)
class RuleSet:
    """Every number and date of one reading of the texts (rules.md §3); the engine knows none of its own."""

    name: str
    title: str
    certainty: str
    summary: str
    of_months: int
    employer_months: int
    extension_months: int
    extension_until: date
    fixed_windows: tuple[FixedWindow, ...]
    carence_months: int
    carence_start: date
    of_obligation_start: date
    employer_obligation_start: date
    of_full_scope_from: date
    employer_full_scope_from: date
    sources: Mapping[str, Source] = field(hash=False)
    internal_windows: tuple[InternalWindow, ...] = ()
    other_readings: Mapping[str, OtherReading] = field(hash=False, default_factory=dict)

    @property
    def is_official(self) -> bool:
        """The whole set is the official text, with no date changed by the user (no banner needed)."""
        return self.certainty == OFFICIAL_CERTAINTY and all(
            s.certainty != USER_SETTING_CERTAINTY for s in self.sources.values()
        )

    def with_overrides(self, **changes: date | int) -> RuleSet:
        """The same rule set with some parameters replaced (user settings), each traced as a user setting."""
        sources = dict(self.sources)
        for key, value in changes.items():
            if key not in PARAMETERS:
                raise RuleSetError(
                    f"Jeu de règles « {self.name} » : le paramètre « {key} » ne peut pas être modifié "
                    f"(modifiables : {', '.join(PARAMETERS)})."
                )
            if key in INT_PARAMETERS:
                _check_months(value, f"jeu de règles « {self.name} » (réglage)", key)
                shown_new, shown_old = f"{value} mois", f"{getattr(self, key)} mois"
            else:
                if not _is_plain_date(value):
                    raise RuleSetError(
                        f"Jeu de règles « {self.name} » (réglage) : « {key} » doit être une date, reçu « {value!r} »."
                    )
                assert isinstance(value, date)
                shown_new, shown_old = format_date(value), format_date(getattr(self, key))
            previous = self.sources[key]
            sources[key] = Source(
                reference=f"Réglage de l'utilisateur (au lieu de : {previous.reference})",
                text=(f"Valeur modifiée dans les réglages : {shown_new} (valeur du jeu de règles : {shown_old})."),
                certainty="réglage de l'utilisateur",
            )
        # A value the user set is the user's reading: the other reading of that parameter no longer applies.
        readings = {k: v for k, v in self.other_readings.items() if k not in changes}
        updated = replace(self, sources=sources, other_readings=readings, **changes)  # type: ignore[arg-type]
        _check_consistency(updated, f"jeu de règles « {self.name} » (réglage)")
        return updated


def format_date(d: date) -> str:
    """A date the French way, jj/mm/aaaa."""
    return d.strftime("%d/%m/%Y")


def _is_plain_date(value: object) -> bool:
    return isinstance(value, date) and not isinstance(value, datetime)


def _check_months(value: object, where: str, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise RuleSetError(f"{where} : « {key} » doit être un nombre entier de mois, reçu « {value!r} ».")
    if value < 0:
        raise RuleSetError(f"{where} : « {key} » ne peut pas être négatif (reçu {value}).")
    return value


def _read_date(value: object, where: str, key: str) -> date:
    if _is_plain_date(value):
        assert isinstance(value, date)
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise RuleSetError(f"{where} : « {key} » doit être une date AAAA-MM-JJ, reçu « {value!r} ».")


def _read_text(table: Mapping[str, Any], key: str, where: str, path: str) -> str:
    if key not in table:
        raise RuleSetError(f"{where} : la clé « {path} » est absente.")
    value = table[key]
    if not isinstance(value, str) or not value.strip():
        raise RuleSetError(f"{where} : « {path} » doit être un texte non vide, reçu « {value!r} ».")
    return value.strip()


def _read_source(table: Mapping[str, Any], where: str, path: str) -> Source:
    reference, text, certainty = (_read_text(table, k, where, f"{path}.{k}") for k in SOURCE_KEYS)
    return Source(reference=reference, text=text, certainty=certainty)


def _read_table(document: Mapping[str, Any], key: str, where: str, path: str) -> Mapping[str, Any]:
    if key not in document:
        raise RuleSetError(f"{where} : la clé « {path} » est absente.")
    value = document[key]
    if not isinstance(value, dict):
        raise RuleSetError(f"{where} : « {path} » doit être une table TOML ([{path}]).")
    return value


def _check_consistency(rules: RuleSet, where: str) -> None:
    if rules.of_months > rules.employer_months:
        raise RuleSetError(
            f"{where} : « of_months » ({rules.of_months}) ne peut pas dépasser "
            f"« employer_months » ({rules.employer_months})."
        )
    if rules.carence_months < 1:
        raise RuleSetError(f"{where} : « carence_months » doit valoir au moins 1 mois.")
    spans: dict[str, list[tuple[date, date]]] = {
        "fixed_windows": [(w.start, w.end) for w in rules.fixed_windows],
        "internal_windows": [(w.start, w.end) for w in rules.internal_windows],
    }
    for key, windows in spans.items():
        ordered = sorted(windows)
        for before, after in zip(ordered, ordered[1:], strict=False):
            if after[0] <= before[1]:
                raise RuleSetError(
                    f"{where} : les fenêtres « {key} » du {format_date(before[0])} au "
                    f"{format_date(before[1])} et du {format_date(after[0])} au {format_date(after[1])} "
                    "se chevauchent."
                )


def _refuse_unknown_keys(table: Mapping[str, Any], known: tuple[str, ...], where: str, path: str | None) -> None:
    """Deny by default: a misspelt key would silently drop a rule, so any key the format does not know is refused."""
    unknown = sorted(k for k in table if k not in known)
    if unknown:
        name = unknown[0] if path is None else f"{path}.{unknown[0]}"
        raise RuleSetError(f"{where} : la clé « {name} » est inconnue (attendues : {', '.join(known)}).")


def _read_internal_windows(document: Mapping[str, Any], where: str) -> tuple[InternalWindow, ...]:
    """The optional [[internal_windows]]: a fixed internal deadline for a span of reference dates."""
    raw_windows = document.get("internal_windows", [])
    if not isinstance(raw_windows, list):
        raise RuleSetError(f"{where} : « internal_windows » doit être une liste de tables ([[internal_windows]]).")
    windows: list[InternalWindow] = []
    for index, raw in enumerate(raw_windows, start=1):
        path = f"internal_windows[{index}]"
        if not isinstance(raw, dict):
            raise RuleSetError(f"{where} : « {path} » doit être une table.")
        _refuse_unknown_keys(raw, (*INTERNAL_WINDOW_DATE_KEYS, "source", "other_reading"), where, path)
        dates: dict[str, date] = {}
        for key in INTERNAL_WINDOW_DATE_KEYS:
            if key not in raw:
                raise RuleSetError(f"{where} : la clé « {path}.{key} » est absente.")
            dates[key] = _read_date(raw[key], where, f"{path}.{key}")
        if dates["from"] > dates["to"]:
            raise RuleSetError(
                f"{where} : « {path}.from » ({format_date(dates['from'])}) est postérieur à "
                f"« {path}.to » ({format_date(dates['to'])})."
            )
        if dates["internal_deadline"] <= quarter_end(dates["to"]):
            raise RuleSetError(
                f"{where} : « {path}.internal_deadline » ({format_date(dates['internal_deadline'])}) doit être "
                f"postérieur à la fin du trimestre de « {path}.to » ({format_date(quarter_end(dates['to']))})."
            )
        source = _read_source(_read_table(raw, "source", where, f"{path}.source"), where, f"{path}.source")
        windows.append(
            InternalWindow(
                start=dates["from"],
                end=dates["to"],
                internal_deadline=dates["internal_deadline"],
                source=source,
                other_reading=_read_text(raw, "other_reading", where, f"{path}.other_reading"),
            )
        )
    return tuple(windows)


def _parse_rule_set(document: Mapping[str, Any], file_label: str, expected_name: str) -> RuleSet:
    where = f"Fichier de règles « {file_label} »"
    header = {key: _read_text(document, key, where, key) for key in HEADER_KEYS}
    if header["name"] != expected_name:
        raise RuleSetError(
            f"{where} : « name » vaut « {header['name']} » mais le fichier s'appelle « {expected_name}.toml »."
        )
    values: dict[str, Any] = {}
    sources: dict[str, Source] = {}
    readings: dict[str, OtherReading] = {}
    for key in PARAMETERS:
        table = _read_table(document, key, where, key)
        if "value" not in table:
            raise RuleSetError(f"{where} : la clé « {key}.value » est absente.")
        _refuse_unknown_keys(table, ("value", *SOURCE_KEYS, *OTHER_READING_KEYS), where, key)
        if key in INT_PARAMETERS:
            values[key] = _check_months(table["value"], where, f"{key}.value")
        else:
            values[key] = _read_date(table["value"], where, f"{key}.value")
        sources[key] = _read_source(table, where, key)
        if any(k in table for k in OTHER_READING_KEYS):
            if "other_value" not in table:
                raise RuleSetError(f"{where} : la clé « {key}.other_value » est absente (« other_reading » donné).")
            if key in INT_PARAMETERS:
                other: date | int = _check_months(table["other_value"], where, f"{key}.other_value")
            else:
                other = _read_date(table["other_value"], where, f"{key}.other_value")
            if other == values[key]:
                raise RuleSetError(f"{where} : « {key}.other_value » est égal à « {key}.value ».")
            text = _read_text(table, "other_reading", where, f"{key}.other_reading")
            readings[key] = OtherReading(value=other, text=text)
    _refuse_unknown_keys(document, tuple(sorted(TOP_LEVEL_KEYS)), where, None)

    raw_windows = document.get("fixed_windows", [])
    if not isinstance(raw_windows, list):
        raise RuleSetError(f"{where} : « fixed_windows » doit être une liste de tables ([[fixed_windows]]).")
    windows: list[FixedWindow] = []
    for index, raw in enumerate(raw_windows, start=1):
        path = f"fixed_windows[{index}]"
        if not isinstance(raw, dict):
            raise RuleSetError(f"{where} : « {path} » doit être une table.")
        _refuse_unknown_keys(raw, (*WINDOW_DATE_KEYS, "source"), where, path)
        dates: dict[str, date] = {}
        for key in WINDOW_DATE_KEYS:
            if key not in raw:
                raise RuleSetError(f"{where} : la clé « {path}.{key} » est absente.")
            dates[key] = _read_date(raw[key], where, f"{path}.{key}")
        if dates["from"] > dates["to"]:
            raise RuleSetError(
                f"{where} : « {path}.from » ({format_date(dates['from'])}) est postérieur à "
                f"« {path}.to » ({format_date(dates['to'])})."
            )
        if dates["of_deadline"] > dates["verification_deadline"]:
            raise RuleSetError(
                f"{where} : « {path}.of_deadline » ({format_date(dates['of_deadline'])}) est postérieur à "
                f"« {path}.verification_deadline » ({format_date(dates['verification_deadline'])})."
            )
        source = _read_source(_read_table(raw, "source", where, f"{path}.source"), where, f"{path}.source")
        windows.append(
            FixedWindow(
                start=dates["from"],
                end=dates["to"],
                of_deadline=dates["of_deadline"],
                verification_deadline=dates["verification_deadline"],
                source=source,
            )
        )

    rules = RuleSet(
        name=header["name"],
        title=header["title"],
        certainty=header["certainty"],
        summary=header["summary"],
        fixed_windows=tuple(windows),
        sources=sources,
        internal_windows=_read_internal_windows(document, where),
        other_readings=readings,
        **values,
    )
    _check_consistency(rules, where)
    return rules


def _key_at_error(text: str, message: str) -> str | None:
    """The dotted key on the line a TOML error points at (« extension_until.value »), when there is one."""
    found = re.search(r"at line (\d+)", message)
    if found is None:
        return None
    lines = text.splitlines()
    number = int(found.group(1))
    if not 1 <= number <= len(lines) or "=" not in lines[number - 1]:
        return None
    key = lines[number - 1].split("=", 1)[0].strip()
    for previous in reversed(lines[: number - 1]):
        header = re.fullmatch(r"\s*\[+\s*([^\]]+?)\s*\]+\s*", previous)
        if header:
            return f"{header.group(1)}.{key}"
    return key


def available_rule_sets(rules_dir: Path = RULES_DIR) -> tuple[str, ...]:
    """Names of the rule-set files of a folder (file names without « .toml »), sorted."""
    if not rules_dir.is_dir():
        return ()
    return tuple(sorted(p.stem for p in rules_dir.glob("*.toml")))


def current_name(name: str, rules_dir: Path = RULES_DIR) -> str:
    """The name to use for a stored or typed rule-set name: a superseded set gives its replacement."""
    if name in SUPERSEDED_RULE_SETS and not (rules_dir / f"{name}.toml").is_file():
        return SUPERSEDED_RULE_SETS[name]
    return name


def load_rule_set(name_or_path: str | Path, rules_dir: Path = RULES_DIR) -> RuleSet:
    """Read a rule set by name (a file of `rules_dir`) or by path; `RuleSetError` if it cannot be used."""
    if isinstance(name_or_path, Path) or name_or_path.endswith(".toml") or "/" in name_or_path:
        path = Path(name_or_path)
    else:
        path = rules_dir / f"{current_name(name_or_path, rules_dir)}.toml"
        if not path.is_file():
            known = ", ".join(available_rule_sets(rules_dir)) or "aucun"
            raise RuleSetError(f"Jeu de règles inconnu « {name_or_path} » (disponibles : {known}).")
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise RuleSetError(f"Fichier de règles « {path} » illisible : {error.strerror}.") from error
    try:
        document = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise RuleSetError(f"Fichier de règles « {path.name} » : le fichier n'est pas en UTF-8.") from error
    except tomllib.TOMLDecodeError as error:
        key = _key_at_error(raw.decode("utf-8"), str(error))
        at_key = f" à la clé « {key} »" if key else ""
        raise RuleSetError(f"Fichier de règles « {path.name} » : TOML invalide{at_key} ({error}).") from error
    return _parse_rule_set(document, path.name, path.stem)


def quarter_end(d: date) -> date:
    """The last day of the calendar quarter containing d (31/03, 30/06, 30/09 or 31/12)."""
    last_month = ((d.month - 1) // 3 + 1) * 3
    return date(d.year, last_month, calendar.monthrange(d.year, last_month)[1])


def end_of_month_after(d: date, months: int) -> date:
    """EOM(d + n): the last day of the month `months` whole calendar months after d's month."""
    index = d.year * 12 + (d.month - 1) + months
    year, month = divmod(index, 12)
    return date(year, month + 1, calendar.monthrange(year, month + 1)[1])


def reference_date(kind: Kind, training_end: date | None, validity_start: date | None) -> date:
    """R: an ADF keys on the training end date, a JDR on the validity start of its proof of success."""
    if kind == "ADF":
        if training_end is None:
            raise ValueError("Attestation de formation (ADF) : la date de fin de formation est obligatoire.")
        return training_end
    if kind == "JDR":
        if validity_start is None:
            raise ValueError("Justificatif de réussite (JDR) : la date de début de validité est obligatoire.")
        return validity_start
    raise ValueError(f"Type de déclaration inconnu « {kind} » : ADF ou JDR attendu.")


@dataclass(frozen=True)
class Deadlines:
    """Every deadline of one training under one rule set, each with a French explanation of its source."""

    reference_date: date
    quarter_end: date
    of_deadline: date
    verification_deadline: date
    deemed_verified_on: date
    internal_deadline: date
    carence_opens_on: date | None
    carence_deadline: date | None
    extension_applied: bool
    fixed_window: FixedWindow | None
    of_mandatory: bool
    internal_mandatory: bool
    category_unknown: bool
    rule_set: str
    explanations: Mapping[str, str] = field(hash=False, compare=False)

    def to_json_dict(self) -> dict[str, object]:
        """The object printed by the `deadlines` command (product.md): ISO dates, None if not applicable."""

        def iso(d: date | None) -> str | None:
            return None if d is None else d.isoformat()

        return {
            "reference_date": iso(self.reference_date),
            "quarter_end": iso(self.quarter_end),
            "of_deadline": iso(self.of_deadline),
            "verification_deadline": iso(self.verification_deadline),
            "deemed_verified_on": iso(self.deemed_verified_on),
            "internal_deadline": iso(self.internal_deadline),
            "carence_opens_on": iso(self.carence_opens_on),
            "carence_deadline": iso(self.carence_deadline),
            "extension_applied": self.extension_applied,
            "of_mandatory": self.of_mandatory,
            "internal_mandatory": self.internal_mandatory,
            "rule_set": self.rule_set,
        }


def _is_mandatory(r: date, category: int | None, obligation_start: date, full_scope_from: date) -> bool:
    if r < obligation_start:
        return False
    return not (r < full_scope_from and category in LATE_SCOPE_CATEGORIES)


# The results an other reading can change, in the order the explanations list them.
COMPARED_FIELDS: tuple[str, ...] = (
    "of_deadline",
    "verification_deadline",
    "deemed_verified_on",
    "internal_deadline",
    "carence_opens_on",
    "carence_deadline",
    "of_mandatory",
    "internal_mandatory",
)


def shown_value(value: object) -> str:
    """A deadline result the way an explanation says it (dates jj/mm/aaaa, flags in words)."""
    if isinstance(value, bool):
        return "obligatoire" if value else "non obligatoire"
    if isinstance(value, date):
        return format_date(value)
    return "sans objet"


def differing_fields(first: Deadlines, second: Deadlines) -> tuple[str, ...]:
    """The results (COMPARED_FIELDS) that differ between two computations of the same training."""
    return tuple(k for k in COMPARED_FIELDS if getattr(first, k) != getattr(second, k))


def explanations_against(current: Deadlines, other: Deadlines, other_rules: RuleSet) -> dict[str, str]:
    """The explanations of `current`, each result that another rule set changes followed by its value there."""
    explanations = dict(current.explanations)
    for key in differing_fields(current, other):
        explanations[key] += f" — avec « {other_rules.title} » : {shown_value(getattr(other, key))}"
    return explanations


def compute_deadlines(
    rules: RuleSet,
    kind: Kind,
    *,
    training_end: date | None = None,
    validity_start: date | None = None,
    category: int | None = None,
) -> Deadlines:
    """The deadlines of one training (rules.md §3, steps 1 to 7); every deadline is its last valid day.

    Where the rule set records another official reading (a parameter's `other_value`, an internal window's
    `other_reading`), the explanation of each result that reading changes names it with the date it gives.
    """
    result = _compute(rules, kind, training_end, validity_start, category)
    readings: list[tuple[RuleSet, str]] = [
        (replace(rules, other_readings={}, **{key: reading.value}), reading.text)  # type: ignore[arg-type]
        for key, reading in rules.other_readings.items()
    ]
    window = next((w for w in rules.internal_windows if w.contains(result.reference_date)), None)
    if window is not None:
        readings.append((replace(rules, other_readings={}, internal_windows=()), window.other_reading))
    if not readings:
        return result
    explanations = dict(result.explanations)
    for other_rules, text in readings:
        other = _compute(other_rules, kind, training_end, validity_start, category)
        for key in differing_fields(result, other):
            explanations[key] += f" — autre lecture : {shown_value(getattr(other, key))} ({text})"
    return replace(result, explanations=explanations)


def _compute(
    rules: RuleSet,
    kind: Kind,
    training_end: date | None,
    validity_start: date | None,
    category: int | None,
) -> Deadlines:
    if category is not None and (isinstance(category, bool) or category not in CATEGORIES):
        raise ValueError(f"Catégorie de formation « {category} » invalide : 1, 2, 3 ou 4 attendu.")
    r = reference_date(kind, training_end, validity_start)
    qe = quarter_end(r)
    src = rules.sources
    fr = format_date

    ext = rules.extension_months if r <= rules.extension_until else 0
    window = next((w for w in rules.fixed_windows if w.contains(r)), None)
    base = f"fin du trimestre {fr(qe)}"
    if ext:
        ext_text = (
            f" + {ext} mois de prorogation transitoire ({src['extension_months'].reference} ; "
            f"date de référence au plus tard le {fr(rules.extension_until)})"
        )
    elif rules.extension_months == 0:
        ext_text = ""
    else:
        ext_text = f" (sans prorogation : date de référence après le {fr(rules.extension_until)})"

    if window is not None:
        of_deadline = window.of_deadline
        verification_deadline = window.verification_deadline
        extension_applied = False
        window_text = (
            f"date de référence entre le {fr(window.start)} et le {fr(window.end)} : échéance fixe "
            f"({window.source.reference} ; {window.source.certainty})"
        )
        of_text = f"{fr(of_deadline)} : {window_text}"
        verification_text = f"{fr(verification_deadline)} : {window_text}"
    else:
        of_deadline = end_of_month_after(qe, rules.of_months + ext)
        verification_deadline = end_of_month_after(qe, rules.employer_months + ext)
        extension_applied = ext > 0
        of_text = f"{fr(of_deadline)} : {base} + {rules.of_months} mois ({src['of_months'].reference}){ext_text}"
        verification_text = (
            f"{fr(verification_deadline)} : {base} + {rules.employer_months} mois "
            f"({src['employer_months'].reference}){ext_text}"
        )
    internal_window = next((w for w in rules.internal_windows if w.contains(r)), None)
    if internal_window is not None:
        internal_deadline = internal_window.internal_deadline
        internal_text = (
            f"{fr(internal_deadline)} : formation interne dont la date de référence est entre le "
            f"{fr(internal_window.start)} et le {fr(internal_window.end)} : échéance fixe "
            f"({internal_window.source.reference} ; {internal_window.source.certainty})"
        )
    else:
        internal_deadline = end_of_month_after(qe, rules.employer_months + ext)
        internal_text = (
            f"{fr(internal_deadline)} : {base} + {rules.employer_months} mois "
            f"({src['employer_months'].reference}){ext_text} ; pas d'échéance fixe pour les formations internes"
        )
    deemed_verified_on = verification_deadline + timedelta(days=1)

    of_mandatory = _is_mandatory(r, category, rules.of_obligation_start, rules.of_full_scope_from)
    internal_mandatory = _is_mandatory(r, category, rules.employer_obligation_start, rules.employer_full_scope_from)

    def mandatory_text(is_mandatory: bool, start_key: str, scope_key: str, who: str) -> str:
        start: date = getattr(rules, start_key)
        scope: date = getattr(rules, scope_key)
        if r < start:
            return (
                f"non obligatoire : date de référence {fr(r)} avant le {fr(start)}, début de l'obligation "
                f"de déclarer pour {who} ({src[start_key].reference})"
            )
        if not is_mandatory:
            return (
                f"non obligatoire : catégorie {category} avant le {fr(scope)}, date à partir de laquelle "
                f"{who} déclare aussi les catégories 3 et 4 ({src[scope_key].reference})"
            )
        text = f"obligatoire : date de référence {fr(r)} à partir du {fr(start)} ({src[start_key].reference})"
        if category is None and r < scope:
            text += " ; catégorie inconnue, traitée comme obligatoire par prudence"
        return text

    if of_mandatory:
        carence_opens_on: date | None = max(of_deadline + timedelta(days=1), rules.carence_start)
        carence_deadline: date | None = end_of_month_after(of_deadline, rules.carence_months)
        assert carence_opens_on is not None and carence_deadline is not None
        opens_text = (
            f"{fr(carence_opens_on)} : le plus tardif du lendemain de l'échéance de l'OF "
            f"({fr(of_deadline + timedelta(days=1))}) et de l'entrée en vigueur de la carence "
            f"({fr(rules.carence_start)}, {src['carence_start'].reference})"
        )
        carence_text = (
            f"{fr(carence_deadline)} : échéance de l'OF {fr(of_deadline)} + {rules.carence_months} mois "
            f"({src['carence_months'].reference})"
        )
    else:
        carence_opens_on = carence_deadline = None
        opens_text = carence_text = "sans objet : la déclaration par l'OF n'est pas obligatoire"

    explanations = {
        "reference_date": (
            f"{fr(r)} : date de fin de formation (attestation de formation)"
            if kind == "ADF"
            else f"{fr(r)} : date de début de validité du justificatif de réussite"
        ),
        "quarter_end": f"{fr(qe)} : dernier jour du trimestre civil contenant le {fr(r)}",
        "of_deadline": of_text,
        "verification_deadline": verification_text,
        "deemed_verified_on": (
            f"{fr(deemed_verified_on)} : lendemain de l'échéance de vérification ; sans action de "
            f"l'employeur, la déclaration est réputée vérifiée ({src['employer_months'].reference})"
        ),
        "internal_deadline": internal_text,
        "carence_opens_on": opens_text,
        "carence_deadline": carence_text,
        "extension_applied": (
            "non : l'échéance fixe remplace la prorogation"
            if window is not None
            else (
                f"oui : {ext} mois de prorogation transitoire ({src['extension_months'].reference})"
                if extension_applied
                else f"non : date de référence après le {fr(rules.extension_until)}"
                if rules.extension_months
                else "non : ce jeu de règles ne prévoit pas de prorogation"
            )
        ),
        "of_mandatory": mandatory_text(of_mandatory, "of_obligation_start", "of_full_scope_from", "l'OF"),
        "internal_mandatory": mandatory_text(
            internal_mandatory, "employer_obligation_start", "employer_full_scope_from", "l'employeur"
        ),
        "rule_set": f"{rules.title} ({rules.certainty})",
    }
    return Deadlines(
        reference_date=r,
        quarter_end=qe,
        of_deadline=of_deadline,
        verification_deadline=verification_deadline,
        deemed_verified_on=deemed_verified_on,
        internal_deadline=internal_deadline,
        carence_opens_on=carence_opens_on,
        carence_deadline=carence_deadline,
        extension_applied=extension_applied,
        fixed_window=window,
        of_mandatory=of_mandatory,
        internal_mandatory=internal_mandatory,
        category_unknown=category is None,
        rule_set=rules.name,
        explanations=explanations,
    )


def deadlines_json(
    rules: RuleSet,
    kind: Kind,
    training_end: date | None,
    validity_start: date | None,
    category: int | None,
) -> dict[str, object]:
    """The JSON object of the `deadlines` command for one training."""
    return compute_deadlines(
        rules, kind, training_end=training_end, validity_start=validity_start, category=category
    ).to_json_dict()
