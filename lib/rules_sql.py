"""The deadline rules and statuses as DuckDB SQL text (macros, CASE expressions) for bulk work in the store.

Pure: this module builds SQL text and never talks to DuckDB. The rule-set constants are rendered as
literals from the typed `RuleSet` (dates as `DATE 'AAAA-MM-JJ'`, months as integers), never from raw
strings. Column arguments of the status functions are SQL expressions written by the program (column
names, macro calls), never user input; `today` defaults to the `$today` parameter placeholder.

Macros created by `deadline_macros_sql` (r = reference date, a DATE; category = 1..4 or NULL):

- `pp_quarter_end(d)`: last day of d's calendar quarter;
- `pp_eom_after(d, n)`: last day of the month n months after d's month;
- `pp_reference_date(kind, training_end, validity_start)`: R (ADF: training end, JDR: validity start);
- `pp_window_of_deadline(r)`, `pp_window_verification_deadline(r)`: the fixed window's dates, or NULL;
- `pp_window_internal_deadline(r)`: the internal window's deadline (`[[internal_windows]]`), or NULL;
- `pp_extension_months(r)`: the transitional extension in months (0 after `extension_until`);
- `pp_extension_applied(r)`: the extension was applied (false inside a fixed window);
- `pp_of_deadline(r)`, `pp_verification_deadline(r)`, `pp_deemed_verified_on(r)`,
  `pp_internal_deadline(r)`: the deadlines;
- `pp_of_mandatory(r, category)`, `pp_internal_mandatory(r, category)`: obligation flags
  (a NULL category counts as mandatory);
- `pp_carence_opens_on(r, category)`, `pp_carence_deadline(r, category)`: the carence window,
  NULL when the OF declaration is not mandatory;
- `pp_category_unknown(category)`: the category is missing.

Creating the macros of another rule set replaces them (`CREATE OR REPLACE`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from lib.rules import LATE_SCOPE_CATEGORIES, FixedWindow, InternalWindow, RuleSet
from lib.statuses import EXPECTED_LABELS, INTERNAL_LABELS, VALIDITY_LABELS, VERIFICATION_LABELS

TODAY_PARAMETER = "$today"
HORIZON_PARAMETER = "$horizon_days"


def date_literal(d: date) -> str:
    """A typed date as a DuckDB DATE literal."""
    if not isinstance(d, date) or isinstance(d, datetime):
        raise TypeError(f"date attendue, reçu {d!r}")
    return f"DATE '{d.isoformat()}'"


def int_literal(n: int) -> str:
    """A typed integer as a DuckDB integer literal."""
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"entier attendu, reçu {n!r}")
    return str(n)


def string_literal(text: str) -> str:
    """A text as a DuckDB string literal (quotes doubled)."""
    return "'" + text.replace("'", "''") + "'"


def deadline_macros_sql(rules: RuleSet, *, temporary: bool = False, prefix: str = "pp_") -> str:
    """`CREATE OR REPLACE MACRO` statements computing rules.md §3 for the given rule set (see module doc).

    `temporary` makes them connection-local (`TEMP`), so a store never persists one rule set's macros.
    `prefix` names them (`pp_` by default): another prefix installs a second rule set beside the first one,
    to compare what each gives on the same rows.
    """
    if re.fullmatch(r"[a-z][a-z0-9_]*_", prefix) is None:
        raise ValueError(f"préfixe de macro invalide : {prefix!r}")
    of_months = int_literal(rules.of_months)
    employer_months = int_literal(rules.employer_months)
    late_categories = ", ".join(int_literal(c) for c in sorted(LATE_SCOPE_CATEGORIES))
    p = prefix

    def window_case(windows: tuple[FixedWindow, ...] | tuple[InternalWindow, ...], attribute: str) -> str:
        if not windows:
            return "CAST(NULL AS DATE)"
        branches = " ".join(
            f"WHEN r BETWEEN {date_literal(w.start)} AND {date_literal(w.end)} "
            f"THEN {date_literal(getattr(w, attribute))}"
            for w in windows
        )
        return f"CASE {branches} ELSE CAST(NULL AS DATE) END"

    def mandatory(start: date, full_scope_from: date) -> str:
        return (
            f"(r >= {date_literal(start)} AND NOT (r < {date_literal(full_scope_from)} "
            f"AND coalesce(category IN ({late_categories}), false)))"
        )

    macros = [
        f"{p}quarter_end(d) AS last_day(make_date(year(d), quarter(d) * 3, 1))",
        f"{p}eom_after(d, n) AS last_day(make_date("
        "CAST((year(d) * 12 + month(d) - 1 + n) // 12 AS BIGINT), "
        "CAST((year(d) * 12 + month(d) - 1 + n) % 12 + 1 AS BIGINT), 1))",
        f"{p}reference_date(kind, training_end, validity_start) AS "
        "CASE kind WHEN 'ADF' THEN training_end WHEN 'JDR' THEN validity_start END",
        f"{p}window_of_deadline(r) AS {window_case(rules.fixed_windows, 'of_deadline')}",
        f"{p}window_verification_deadline(r) AS {window_case(rules.fixed_windows, 'verification_deadline')}",
        f"{p}window_internal_deadline(r) AS {window_case(rules.internal_windows, 'internal_deadline')}",
        f"{p}extension_months(r) AS CASE WHEN r <= {date_literal(rules.extension_until)} "
        f"THEN {int_literal(rules.extension_months)} ELSE 0 END",
        f"{p}extension_applied(r) AS ({p}window_of_deadline(r) IS NULL AND {p}extension_months(r) > 0)",
        f"{p}of_deadline(r) AS coalesce({p}window_of_deadline(r), "
        f"{p}eom_after({p}quarter_end(r), {of_months} + {p}extension_months(r)))",
        f"{p}verification_deadline(r) AS coalesce({p}window_verification_deadline(r), "
        f"{p}eom_after({p}quarter_end(r), {employer_months} + {p}extension_months(r)))",
        f"{p}deemed_verified_on(r) AS {p}verification_deadline(r) + 1",
        f"{p}internal_deadline(r) AS coalesce({p}window_internal_deadline(r), "
        f"{p}eom_after({p}quarter_end(r), {employer_months} + {p}extension_months(r)))",
        f"{p}of_mandatory(r, category) AS " + mandatory(rules.of_obligation_start, rules.of_full_scope_from),
        f"{p}internal_mandatory(r, category) AS "
        + mandatory(rules.employer_obligation_start, rules.employer_full_scope_from),
        f"{p}carence_opens_on(r, category) AS CASE WHEN {p}of_mandatory(r, category) "
        f"THEN greatest({p}of_deadline(r) + 1, {date_literal(rules.carence_start)}) END",
        f"{p}carence_deadline(r, category) AS CASE WHEN {p}of_mandatory(r, category) "
        f"THEN {p}eom_after({p}of_deadline(r), {int_literal(rules.carence_months)}) END",
        f"{p}category_unknown(category) AS (category IS NULL)",
    ]
    # One comment line: a line break in a text of the file must not end the comment and reach the SQL.
    header = " ".join(f"-- Règles de délais : {rules.name} ({rules.certainty})".split()) + "\n"
    create = "CREATE OR REPLACE TEMP MACRO" if temporary else "CREATE OR REPLACE MACRO"
    return header + "".join(f"{create} {m};\n" for m in macros)


@dataclass(frozen=True)
class StatusSql:
    """The four SQL expressions of a status: code, French label, due date, days left (due date − today)."""

    code: str
    label: str
    due_on: str
    days_left: str

    def select_list(self, prefix: str) -> str:
        """`code AS prefix_code, label AS prefix_label, …`, ready for a SELECT."""
        return (
            f"{self.code} AS {prefix}_code, {self.label} AS {prefix}_label, "
            f"{self.due_on} AS {prefix}_due_on, {self.days_left} AS {prefix}_days_left"
        )


def french_date_sql(expression: str) -> str:
    """A DATE expression written jj/mm/aaaa (as `rules.format_date`)."""
    return f"strftime({expression}, '%d/%m/%Y')"


def _label_sql(labels: dict[str, str], code: str, dates: dict[str, str]) -> str:
    """The label of a code as SQL: a literal, or its {placeholders} replaced by the given date expressions."""
    template = labels[code]
    if "{" not in template:
        return string_literal(template)
    parts: list[str] = []
    rest = template
    while "{" in rest:
        head, _, tail = rest.partition("{")
        name, _, rest = tail.partition("}")
        parts.append(string_literal(head))
        parts.append(f"coalesce({french_date_sql(dates[name])}, '?')")
    parts.append(string_literal(rest))
    return "(" + " || ".join(parts) + ")"


def _status_sql(
    labels: dict[str, str],
    branches: list[tuple[str, str, str | None]],
    otherwise: tuple[str, str | None],
    today: str,
    dates: dict[str, str] | None = None,
) -> StatusSql:
    """CASE expressions from ordered (condition, code, due-on expression) branches and a final default.

    A code may appear in several branches (always with the same due-on expression); `dates` gives the SQL
    expressions of the label placeholders ({opens_on}, {scope_from}).
    """

    def case(value_of: dict[str, str]) -> str:
        whens = " ".join(f"WHEN {condition} THEN {value_of[code]}" for condition, code, _ in branches)
        return f"(CASE {whens} ELSE {value_of[otherwise[0]]} END)"

    all_codes = [(code, due) for _, code, due in branches] + [otherwise]
    codes = {code: string_literal(code) for code, _ in all_codes}
    names = {code: _label_sql(labels, code, dates or {}) for code, _ in all_codes}
    dues = {code: "CAST(NULL AS DATE)" if due is None else f"CAST({due} AS DATE)" for code, due in all_codes}
    due_on = case(dues)
    return StatusSql(code=case(codes), label=case(names), due_on=due_on, days_left=f"({due_on} - {today})")


def _correction_branches(
    asked: str,
    *,
    requested_on: str,
    correction_answered: str,
    declared_in_carence: str,
    carence_opens_on: str,
    carence_deadline: str,
    today: str,
) -> list[tuple[str, str, str | None]]:
    """The branches of `statuses._correction_status`, each guarded by `asked` (a correction was asked)."""
    opens = f"greatest({carence_opens_on}, coalesce({requested_on}, {carence_opens_on}))"
    owed_due = f"(CASE WHEN {carence_opens_on} IS NULL THEN NULL ELSE {carence_deadline} END)"
    return [
        (f"{asked} AND coalesce({correction_answered}, false)", "corrected_by_of", None),
        (f"{asked} AND coalesce({declared_in_carence}, false)", "declared_in_carence", None),
        (f"{asked} AND ({carence_opens_on} IS NULL OR {carence_deadline} IS NULL)", "correction_requested", owed_due),
        (f"{asked} AND {today} < {opens}", "correction_requested", owed_due),
        (f"{asked} AND {today} <= {carence_deadline}", "correction_not_made", carence_deadline),
        (asked, "correction_not_made_overdue", carence_deadline),
    ]


def verification_status_sql(
    *,
    verification_deadline: str,
    last_action: str,
    today: str = TODAY_PARAMETER,
    closed_before_employer_space: str = "false",
    requested_on: str = "CAST(NULL AS DATE)",
    correction_answered: str = "false",
    carence_opens_on: str = "CAST(NULL AS DATE)",
    carence_deadline: str = "CAST(NULL AS DATE)",
    declared_in_carence: str = "false",
) -> StatusSql:
    """SQL twin of `statuses.verification_status_at`; last_action: 'accepted', 'correction_requested', NULL."""
    return _status_sql(
        VERIFICATION_LABELS,
        [
            (f"{last_action} = 'accepted'", "verified", None),
            *_correction_branches(
                f"{last_action} = 'correction_requested'",
                requested_on=requested_on,
                correction_answered=correction_answered,
                declared_in_carence=declared_in_carence,
                carence_opens_on=carence_opens_on,
                carence_deadline=carence_deadline,
                today=today,
            ),
            (f"{today} <= {verification_deadline}", "to_verify", verification_deadline),
            (f"coalesce({closed_before_employer_space}, false)", "closed_before_employer_space", None),
        ],
        ("deemed_verified", None),
        today,
    )


def expected_status_sql(
    *,
    of_deadline: str,
    of_mandatory: str,
    carence_opens_on: str,
    carence_deadline: str,
    declared_by_of: str,
    declared_in_carence: str,
    today: str = TODAY_PARAMETER,
    scope_from: str = "CAST(NULL AS DATE)",
    correction_requested_on: str = "CAST(NULL AS DATE)",
    correction_answered: str = "false",
) -> StatusSql:
    """SQL twin of `statuses.expected_status` (a NULL flag counts as false)."""
    by_of = f"coalesce({declared_by_of}, false)"
    asked = f"({by_of} AND {correction_requested_on} IS NOT NULL)"
    return _status_sql(
        EXPECTED_LABELS,
        [
            (f"{asked} AND coalesce({correction_answered}, false)", "corrected_by_of", None),
            (
                f"{asked} AND NOT coalesce({declared_in_carence}, false) AND coalesce({of_mandatory}, false) "
                f"AND {scope_from} IS NOT NULL",
                "outside_employer_scope",
                None,
            ),
            *_correction_branches(
                asked,
                requested_on=correction_requested_on,
                correction_answered="false",
                declared_in_carence=declared_in_carence,
                carence_opens_on=carence_opens_on,
                carence_deadline=carence_deadline,
                today=today,
            ),
            (by_of, "declared_by_of", None),
            (f"coalesce({declared_in_carence}, false)", "declared_in_carence", None),
            (
                f"NOT coalesce({of_mandatory}, false) OR {carence_opens_on} IS NULL OR {carence_deadline} IS NULL",
                "not_mandatory",
                None,
            ),
            (f"{today} <= {of_deadline}", "awaiting_of", of_deadline),
            (f"{scope_from} IS NOT NULL", "outside_employer_scope", None),
            (f"{today} < {carence_opens_on}", "of_late", carence_opens_on),
            (f"{today} <= {carence_deadline}", "carence_due", carence_deadline),
        ],
        ("carence_overdue", carence_deadline),
        today,
        {"opens_on": carence_opens_on, "scope_from": scope_from},
    )


def internal_status_sql(
    *, internal_deadline: str, internal_mandatory: str, declared: str, today: str = TODAY_PARAMETER
) -> StatusSql:
    """SQL twin of `statuses.internal_status` (a NULL flag counts as false)."""
    return _status_sql(
        INTERNAL_LABELS,
        [
            (f"coalesce({declared}, false)", "declared", None),
            (f"NOT coalesce({internal_mandatory}, false)", "not_mandatory", None),
            (f"{today} <= {internal_deadline}", "to_declare", internal_deadline),
        ],
        ("overdue", internal_deadline),
        today,
    )


def validity_status_sql(
    *, validity_end: str, today: str = TODAY_PARAMETER, horizon_days: str = HORIZON_PARAMETER
) -> StatusSql:
    """SQL twin of `statuses.validity_status`; the horizon defaults to the `$horizon_days` parameter."""
    return _status_sql(
        VALIDITY_LABELS,
        [
            (f"{validity_end} IS NULL", "no_expiry", None),
            (f"{today} > {validity_end}", "expired", validity_end),
            (f"{validity_end} - {today} <= {horizon_days}", "expiring_soon", validity_end),
        ],
        ("valid", validity_end),
        today,
    )


def scope_macros_sql(rules: RuleSet) -> str:
    """TEMP macros of the employer's side of a rule set, for the statuses (not deadlines):

    - `pp_employer_scope_from(r, category)`: `statuses.employer_scope_from` — `employer_full_scope_from` when
      the category (3 or 4) is not yet in the employer's scope at R, else NULL;
    - `pp_closed_before_employer_space(deadline)`: the verification deadline passed before the employer space
      opened (`employer_obligation_start`), so the employer could never verify.
    """
    late_categories = ", ".join(int_literal(c) for c in sorted(LATE_SCOPE_CATEGORIES))
    scope = date_literal(rules.employer_full_scope_from)
    return (
        f"CREATE OR REPLACE TEMP MACRO pp_employer_scope_from(r, category) AS CASE WHEN "
        f"coalesce(category IN ({late_categories}), false) AND r < {scope} THEN {scope} END;\n"
        f"CREATE OR REPLACE TEMP MACRO pp_closed_before_employer_space(deadline) AS "
        f"(deadline < {date_literal(rules.employer_obligation_start)});\n"
    )


EXPECTED_ARGUMENTS = (
    "of_deadline", "of_mandatory", "carence_opens_on", "carence_deadline", "declared_by_of", "declared_in_carence",
    "scope_from", "correction_requested_on", "correction_answered", "today",
)  # fmt: skip
VERIFICATION_ARGUMENTS = (
    "deadline", "last_action", "closed_before_employer_space", "requested_on", "correction_answered",
    "carence_opens_on", "carence_deadline", "declared_in_carence", "today",
)  # fmt: skip


def status_macros_sql() -> str:
    """TEMP macros for the four statuses over plain columns (compute deadline columns first, then these).

    `pp_verification_status(VERIFICATION_ARGUMENTS)`, `pp_expected_status(EXPECTED_ARGUMENTS)`,
    `pp_internal_status(deadline, mandatory, declared, today)`, `pp_validity_status(validity_end, today,
    horizon)` each return the status code; the `…_due` twins the date the status counts against; the
    `…_label` twins its French label (with its dates); `pp_status_label(code)` the label of a code whose
    label has no date in it.
    """
    statuses = {
        "verification": (
            ", ".join(VERIFICATION_ARGUMENTS),
            verification_status_sql(
                verification_deadline="deadline",
                last_action="last_action",
                today="today",
                closed_before_employer_space="closed_before_employer_space",
                requested_on="requested_on",
                correction_answered="correction_answered",
                carence_opens_on="carence_opens_on",
                carence_deadline="carence_deadline",
                declared_in_carence="declared_in_carence",
            ),
        ),
        "expected": (
            ", ".join(EXPECTED_ARGUMENTS),
            expected_status_sql(**{name: name for name in EXPECTED_ARGUMENTS}),
        ),
        "internal": (
            "deadline, mandatory, declared, today",
            internal_status_sql(
                internal_deadline="deadline",
                internal_mandatory="mandatory",
                declared="declared",
                today="today",
            ),
        ),
        "validity": (
            "validity_end, today, horizon",
            validity_status_sql(validity_end="validity_end", today="today", horizon_days="horizon"),
        ),
    }
    statements = []
    for name, (params, status) in statuses.items():
        statements.append(f"CREATE OR REPLACE TEMP MACRO pp_{name}_status({params}) AS {status.code};")
        statements.append(f"CREATE OR REPLACE TEMP MACRO pp_{name}_due({params}) AS {status.due_on};")
        statements.append(f"CREATE OR REPLACE TEMP MACRO pp_{name}_label({params}) AS {status.label};")
    labels = {**VERIFICATION_LABELS, **EXPECTED_LABELS, **INTERNAL_LABELS, **VALIDITY_LABELS}
    # Codes shared by two families (« not_mandatory », « declared »…) carry the same French word in both.
    whens = " ".join(
        f"WHEN {string_literal(code)} THEN {string_literal(label)}"
        for code, label in labels.items()
        if "{" not in label
    )
    statements.append(f"CREATE OR REPLACE TEMP MACRO pp_status_label(code) AS CASE code {whens} END;")
    return "\n".join(statements) + "\n"
