"""The weekly report: what is due, what changed since the last report, what expires; Markdown, JSON, or an HTML
page HR opens in a browser and prints. Pure."""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, cast

import pandas as pd

from lib.calendar import CalendarEvent
from lib.identifiers import mask_nir
from lib.statuses import CARENCE_TO_DECLARE, INTERNAL_TO_DECLARE, STILL_WITH_THE_OF

LAST_REPORT_SETTING = "last_report_on"


@dataclass(frozen=True)
class ReportInputs:
    """Rows of the workflow lists at `today` (see lib/sql/*.sql for their columns): the whole lists, or only the
    rows the report and the calendar read (lib.digest.report_inputs asks those). `to_do`: how many rows of each
    kind of TO_DO_KINDS the dashboard's cards count; None: counted from the frames, which are then whole."""

    of_declarations: pd.DataFrame
    expected: pd.DataFrame
    internal: pd.DataFrame
    validities: pd.DataFrame
    to_do: Mapping[str, int] | None = field(default=None, kw_only=True)


TO_DO_KINDS = {
    "verification": "Déclarations à vérifier",
    "carence": "Carences à déclarer",
    "internal": "Déclarations internes à faire",
}
"""The kinds of what HR must do, with the titles of the dashboard's cards."""


WEEK_DAYS = 7


def last_week(today: date) -> date:
    """The day « depuis la semaine dernière » counts from (excluded): seven days before today."""
    return today - timedelta(days=WEEK_DAYS)


def as_day(value: date | pd.Timestamp) -> pd.Timestamp:
    return pd.Timestamp(value).normalize()


def in_window(values: pd.Series, since: date, today: date) -> pd.Series:
    """Dates in (since, today]."""
    return (values > as_day(since)) & (values <= as_day(today))


def received(lines: pd.DataFrame, since: date, today: date) -> pd.Series:
    """OF lines first received in (since, today]."""
    return in_window(lines["first_received_on"], since, today)


def newly_deemed_verified(lines: pd.DataFrame, since: date, today: date) -> pd.Series:
    """Lines of the employer's establishments that became « réputées vérifiées » in (since, today]: no
    decision was made before their verification deadline (a line whose deadline closed before the employer's
    space opened is not one of them)."""
    return (
        lines["concerned"]
        & (lines["status"] == "deemed_verified")
        & in_window(lines["deemed_verified_on"], since, today)
    )


def carences_opened(expected: pd.DataFrame, since: date, today: date) -> pd.Series:
    """Expected trainings whose carence window opened in (since, today] and that are still to declare."""
    return expected["status"].isin(CARENCE_TO_DECLARE) & in_window(expected["carence_opens_on"], since, today)


def _day(value: Any) -> date | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return value.date() if isinstance(value, pd.Timestamp) else value


def _text(value: Any) -> str:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def _person(row: Mapping[str, Any]) -> str:
    name = " ".join(p for p in (_text(row.get("person_birth_name")), _text(row.get("person_first_name"))) if p)
    matricule = _text(row.get("matricule"))
    return f"{name} ({matricule})" if matricule else name


def _item(row: Mapping[str, Any], what: str, due: Any, site: Any) -> dict[str, Any]:
    day = _day(due)
    return {
        "what": what,
        "who": _person(row) or f"NIR {mask_nir(_text(row.get('nir')))}",
        "site": _text(site) or "(établissement inconnu)",
        "due_on": day.isoformat() if day else None,
        "status": _text(row.get("status_label")),
    }


_ITEM_COLUMNS = (
    "person_birth_name", "person_first_name", "matricule", "nir", "status_label", "nom_titulaire", "organisme",
    "title", "training_title", "establishment", "person_site", "due_on", "deemed_verified_on", "carence_deadline",
    "effective_validity_end",
)  # fmt: skip


def _rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows as dicts, with only the columns an item reads (a million-line list has some forty)."""
    columns = [c for c in _ITEM_COLUMNS if c in frame.columns]
    return [{str(k): v for k, v in row.items()} for row in frame[columns].to_dict("records")]


def _to_do(inputs: ReportInputs) -> dict[str, pd.DataFrame]:
    """The rows of each kind of TO_DO_KINDS (the dashboard's first three cards)."""
    lines = inputs.of_declarations
    expected = inputs.expected
    internal = inputs.internal
    return {
        "verification": lines[lines["concerned"] & (lines["status"] == "to_verify")],
        "carence": expected[expected["status"].isin(CARENCE_TO_DECLARE)],
        "internal": internal[internal["status"].isin(INTERNAL_TO_DECLARE)],
    }


def _due(inputs: ReportInputs, today: date, within: int) -> dict[str, pd.DataFrame]:
    """The rows of each kind due on or before `today + within` (overdue ones included)."""
    limit = pd.Timestamp(today + timedelta(days=within))
    return {kind: frame[frame["due_on"] <= limit] for kind, frame in _to_do(inputs).items()}


def _due_items(inputs: ReportInputs, today: date, within: int) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    due = _due(inputs, today, within)
    for row in _rows(due["verification"]):
        items.append(
            _item(
                {**row, "person_birth_name": row["nom_titulaire"]},
                f"Vérifier la déclaration de {row['organisme']} : {_text(row['title'])}",
                row["due_on"],
                row["establishment"],
            )
        )
    for row in _rows(due["carence"]):
        items.append(_item(row, f"Déclarer en carence : {row['training_title']}", row["due_on"], row["person_site"]))
    for row in _rows(due["internal"]):
        items.append(
            _item(row, f"Déclarer la formation interne : {row['training_title']}", row["due_on"], row["person_site"])
        )
    return sorted(items, key=lambda i: (i["due_on"] or "9999", i["site"], i["who"]))


def build_report(
    inputs: ReportInputs, *, today: date, since: date, rule_set: str, horizon_days: int = 90
) -> dict[str, Any]:
    """The report as plain data (JSON-ready): sections of items, each with who, site, due date and status."""
    lines = inputs.of_declarations
    deemed = lines[newly_deemed_verified(lines, since, today)]
    expected = inputs.expected
    new_carences = expected[carences_opened(expected, since, today)]
    validities = inputs.validities
    expiring = validities[
        validities["is_latest"]
        & validities["is_active"]
        & validities["status"].isin(["expiring_soon", "expired"])
        & (validities["days_left"] >= 0)
        & (validities["days_left"] <= horizon_days)
    ]
    sections = {
        "due_7_days": _due_items(inputs, today, 7),
        "due_30_days": _due_items(inputs, today, 30),
        "newly_deemed_verified": [
            _item(
                {**row, "person_birth_name": row["nom_titulaire"]},
                f"Déclaration de {row['organisme']} réputée vérifiée : {_text(row['title'])}",
                row["deemed_verified_on"],
                row["establishment"],
            )
            for row in _rows(deemed)
        ],
        "new_carences": [
            _item(row, f"Carence ouverte : {row['training_title']}", row["carence_deadline"], row["person_site"])
            for row in _rows(new_carences)
        ],
        "expiring": [
            _item(row, f"Validité de « {row['training_title']} »", row["effective_validity_end"], row["person_site"])
            for row in _rows(expiring)
        ],
    }
    per_site: dict[str, dict[str, int]] = {}
    for key, items in sections.items():
        for item in items:
            per_site.setdefault(item["site"], {k: 0 for k in sections})[key] += 1
    totals = inputs.to_do or {kind: len(frame) for kind, frame in _to_do(inputs).items()}
    due_soon = _due(inputs, today, 30)
    return {
        "today": today.isoformat(),
        "since": since.isoformat(),
        "rule_set": rule_set,
        "horizon_days": horizon_days,
        "counts": {key: len(items) for key, items in sections.items()},
        "per_establishment": dict(sorted(per_site.items())),
        "sections": sections,
        "to_do": {kind: {"total": int(totals[kind]), "due_30_days": len(due_soon[kind])} for kind in TO_DO_KINDS},
    }


TITLES = {
    "due_7_days": "À faire dans les 7 jours",
    "due_30_days": "À faire dans les 30 jours",
    "newly_deemed_verified": "Devenues « réputées vérifiées » depuis le dernier rapport",
    "new_carences": "Nouvelles carences à déclarer",
    "expiring": "Formations qui expirent dans les {horizon} jours",
}


def _fr(iso: str | None) -> str:
    return date.fromisoformat(iso).strftime("%d/%m/%Y") if iso else "—"


def render_markdown(report: Mapping[str, Any], *, max_items: int = 50) -> str:
    """The report for people: a title, counts per establishment, then each section's items."""
    out = [
        f"# Passeport de prévention — rapport du {_fr(report['today'])}",
        "",
        f"Depuis le dernier rapport ({_fr(report['since'])}). Règles : {report['rule_set']}.",
        "",
        "## Par établissement",
        "",
        "| établissement | 7 j | 30 j | réputées vérifiées | nouvelles carences | expirations |",
        "|---|---|---|---|---|---|",
    ]
    for site, counts in report["per_establishment"].items():
        out.append(
            f"| {site} | {counts['due_7_days']} | {counts['due_30_days']} | {counts['newly_deemed_verified']} | "
            f"{counts['new_carences']} | {counts['expiring']} |"
        )
    if not report["per_establishment"]:
        out.append("| (rien à signaler) | 0 | 0 | 0 | 0 | 0 |")
    for key, title in TITLES.items():
        items = report["sections"][key]
        out += ["", f"## {title.format(horizon=report['horizon_days'])} ({len(items)})", ""]
        if not items:
            out.append("Rien.")
            continue
        for item in items[:max_items]:
            out.append(f"- {_fr(item['due_on'])} — {item['what']} — {item['who']} — {item['site']}")
        if len(items) > max_items:
            out.append(f"- … et {len(items) - max_items} autre(s) (voir le tableau de bord).")
    return "\n".join(out) + "\n"


_HTML_STYLE = """
body { font-family: "Segoe UI", Arial, sans-serif; font-size: 10.5pt; color: #1f2328; margin: 2em auto;
       max-width: 60em; padding: 0 1em; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { font-size: 1.2em; margin-top: 1.6em; border-bottom: 1px solid #d0d7de; padding-bottom: 0.2em; }
p.meta { color: #57606a; margin-top: 0; }
table { border-collapse: collapse; width: 100%; margin: 0.4em 0; }
th, td { border: 1px solid #d0d7de; padding: 0.25em 0.5em; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
td.n, th.n { text-align: right; white-space: nowrap; }
td.d { white-space: nowrap; }
p.rien, p.suite { color: #57606a; font-style: italic; }
@page { size: A4 landscape; margin: 1.5cm; }
@media print { body { margin: 0; max-width: none; } h2 { break-after: avoid; } tr { break-inside: avoid; }
               thead { display: table-header-group; } }
"""


def _cell(value: Any, css: str = "") -> str:
    attribute = f' class="{css}"' if css else ""
    return f"<td{attribute}>{html.escape(str(value))}</td>"


def _header(*names: str, numeric_from: int | None = None) -> str:
    cells = "".join(
        f'<th class="n">{html.escape(n)}</th>' if numeric_from is not None and i >= numeric_from else
        f"<th>{html.escape(n)}</th>"
        for i, n in enumerate(names)
    )  # fmt: skip
    return f"<thead><tr>{cells}</tr></thead>"


def render_html(report: Mapping[str, Any], *, max_items: int = 1000) -> str:
    """The report as an HTML page HR opens in a browser and prints (A4 landscape): what to do, with the totals of
    the dashboard's cards, counts per establishment, then each section's items. Every value is escaped."""
    today = _fr(report["today"])
    title = f"Passeport de prévention — rapport du {today}"
    out = [
        "<!DOCTYPE html>",
        '<html lang="fr">',
        '<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(title)}</title>",
        f"<style>{_HTML_STYLE}</style></head>",
        "<body>",
        f"<h1>{html.escape(title)}</h1>",
        f'<p class="meta">Depuis le dernier rapport ({_fr(report["since"])}). '
        f"Règles : {html.escape(str(report['rule_set']))}.</p>",
        "<h2>À faire</h2>",
        "<table>" + _header("", "En tout", "Dans les 30 jours", numeric_from=1) + "<tbody>",
    ]
    for kind, label in TO_DO_KINDS.items():
        counts = report["to_do"][kind]
        out.append(f"<tr>{_cell(label)}{_cell(counts['total'], 'n')}{_cell(counts['due_30_days'], 'n')}</tr>")
    out += [
        "</tbody></table>",
        "<h2>Par établissement</h2>",
        "<table>"
        + _header(
            "Établissement", "7 j", "30 j", "Réputées vérifiées", "Nouvelles carences", "Expirations", numeric_from=1
        )
        + "<tbody>",
    ]
    keys = ("due_7_days", "due_30_days", "newly_deemed_verified", "new_carences", "expiring")
    for site, counts in report["per_establishment"].items():
        out.append("<tr>" + _cell(site) + "".join(_cell(counts[k], "n") for k in keys) + "</tr>")
    if not report["per_establishment"]:
        out.append('<tr><td colspan="6">Rien à signaler.</td></tr>')
    out.append("</tbody></table>")
    for key, section_title in TITLES.items():
        items = report["sections"][key]
        heading = f"{section_title.format(horizon=report['horizon_days'])} ({len(items)})"
        out.append(f"<h2>{html.escape(heading)}</h2>")
        if not items:
            out.append('<p class="rien">Rien.</p>')
            continue
        out.append("<table>" + _header("Échéance", "À faire", "Salarié", "Établissement", "Statut") + "<tbody>")
        for item in items[:max_items]:
            out.append(
                "<tr>" + _cell(_fr(item["due_on"]), "d") + _cell(item["what"]) + _cell(item["who"])
                + _cell(item["site"]) + _cell(item["status"] or "—") + "</tr>"
            )  # fmt: skip
        out.append("</tbody></table>")
        if len(items) > max_items:
            out.append(f'<p class="suite">… et {len(items) - max_items} autre(s) : voir le tableau de bord.</p>')
    out += ["</body>", "</html>"]
    return "\n".join(out) + "\n"


_EVENT_KINDS = {
    "verification": ("Vérifier", "déclaration(s) d'OF à vérifier avant qu'elles soient réputées vérifiées"),
    "carence": ("Carence", "formation(s) à déclarer en carence"),
    "internal": ("Déclaration interne", "formation(s) interne(s) à déclarer"),
}


def deadline_events(inputs: ReportInputs, *, today: date, horizon_days: int = 183) -> list[CalendarEvent]:
    """One calendar event per deadline day and kind (verification, carence, internal), from today on."""
    limit = pd.Timestamp(today + timedelta(days=horizon_days))
    start = pd.Timestamp(today)
    groups: dict[tuple[str, date], dict[str, int]] = {}
    lines = inputs.of_declarations
    lines = lines[lines["concerned"] & (lines["status"] == "to_verify")]
    # Carence deadlines still ahead: trainings the OF may still declare (or correct), and carences to declare.
    expected = inputs.expected[inputs.expected["status"].isin([*STILL_WITH_THE_OF, *CARENCE_TO_DECLARE])]
    expected = expected[expected["of_mandatory"].fillna(False).astype(bool)]
    internal = inputs.internal[inputs.internal["status"] == "to_declare"]
    sources = (
        ("verification", lines, "verification_deadline", "establishment"),
        ("carence", expected, "carence_deadline", "person_site"),
        ("internal", internal, "internal_deadline", "person_site"),
    )
    for kind, frame, column, site_column in sources:
        inside = frame.loc[(frame[column] >= start) & (frame[column] <= limit), [column, site_column]]
        # Counted per day and establishment in one pass (a million lines may fall in the horizon).
        day_of = {value: _day(value) for value in inside[column].drop_duplicates()}
        site_names = inside[site_column].astype(object).map(lambda value: _text(value) or "(inconnu)")
        per_day_site = pd.DataFrame({"value": inside[column].to_numpy(), "site": site_names.to_numpy()}).value_counts()
        for key, count in per_day_site.items():
            value, site = cast(tuple[Any, str], key)
            day = day_of[value]
            assert day is not None
            groups.setdefault((kind, day), {})[site] = int(count)
    events = []
    for (kind, day), per_site in sorted(groups.items(), key=lambda item: (item[0][1], item[0][0])):
        verb, what = _EVENT_KINDS[kind]
        total = sum(per_site.values())
        detail = ", ".join(f"{site} : {count}" for site, count in sorted(per_site.items()))
        events.append(
            CalendarEvent(
                uid=f"{kind}-{day.isoformat()}",
                day=day,
                summary=f"Passeport de prévention — {verb} : {total} {what.split(' ', 1)[0]}",
                description=f"Dernier jour : {total} {what}. Par établissement : {detail}.",
                category=verb,
            )
        )
    return events
