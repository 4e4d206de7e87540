"""The PDFs of lib/paper.py drawn with fpdf2: one person's passport and one site's audit report, A4, French,
dated, with page numbers. Apart from lib/paper.py so fpdf2 (0.4 s of imports) is loaded only when a PDF is made,
not at every start of the server; lib/paper.py's render_passport / render_site_audit call these."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, time

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from lib.identifiers import mask_nir
from lib.paper import (
    EMPTY,
    NOT_PROVIDED,
    Edition,
    Item,
    Passport,
    SiteAudit,
    compliance_rows,
    fr_day,
    pdf_text,
)

_HEADINGS = FontFace(emphasis="BOLD", fill_color=(242, 242, 242))


class _Paper(FPDF):
    """An A4 page with the document's title on top and « Édité le … — Page n/N » at the bottom."""

    def __init__(self, title: str, edition: Edition) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.core_fonts_encoding = "windows-1252"
        self.doc_title = title
        self.edition = edition
        self.set_margins(12, 12, 12)
        self.set_auto_page_break(auto=True, margin=16)
        # A fixed creation date (the day of edition) makes the same inputs give the same bytes.
        self.set_creation_date(datetime.combine(edition.today, time(0, 0), tzinfo=UTC))
        self.set_title(pdf_text(title))
        self.set_author(pdf_text(edition.employer or "Passeport de prévention"))
        self.set_creator("Passeport de prévention")
        self.add_page()

    def header(self) -> None:
        self.set_font("helvetica", "B", 9)
        self.set_text_color(90, 90, 90)
        left = pdf_text(f"Passeport de prévention — {self.edition.employer}" if self.edition.employer else "")
        self.cell(0, 5, left or "Passeport de prévention", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_draw_color(180, 180, 180)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(3)
        self.set_text_color(0, 0, 0)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("helvetica", "", 8)
        self.set_text_color(90, 90, 90)
        self.cell(
            0, 5, pdf_text(f"{self.doc_title} — édité le {fr_day(self.edition.today)}"), new_x=XPos.LEFT, new_y=YPos.TOP
        )
        self.cell(0, 5, f"Page {self.page_no()}/{{nb}}", align="R")
        self.set_text_color(0, 0, 0)

    def heading(self, text: str, size: int = 13) -> None:
        self.set_font("helvetica", "B", size)
        self.multi_cell(0, size * 0.55, pdf_text(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1)

    def section(self, text: str) -> None:
        if self.get_y() > self.h - 40:
            self.add_page()
        self.ln(3)
        self.set_font("helvetica", "B", 11)
        self.set_fill_color(230, 236, 242)
        self.cell(0, 7, pdf_text(text), fill=True, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_fill_color(255, 255, 255)
        self.ln(1.5)

    def paragraph(self, text: str, *, size: float = 9, style: str = "") -> None:
        self.set_font("helvetica", style, size)
        self.multi_cell(0, size * 0.5, pdf_text(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def fields(self, lines: Sequence[Sequence[tuple[str, str]]]) -> None:
        """Label and value pairs, the pairs of a line side by side (a line of one pair takes the whole width)."""
        full = self.w - self.l_margin - self.r_margin
        for pairs in lines:
            width = full / len(pairs)
            for index, (label, value) in enumerate(pairs):
                last = index == len(pairs) - 1
                self.set_font("helvetica", "B", 9)
                self.cell(30, 5.5, pdf_text(label))
                self.set_font("helvetica", "", 9)
                self.cell(
                    width - 30,
                    5.5,
                    pdf_text(value or EMPTY),
                    new_x=XPos.LMARGIN if last else XPos.RIGHT,
                    new_y=YPos.NEXT if last else YPos.TOP,
                )

    def rule_set(self) -> None:
        text = f"Échéances et états calculés au {fr_day(self.edition.today)} selon le jeu de règles : "
        text += self.edition.rule_set
        if self.edition.certainty:
            text += f" (certitude : {self.edition.certainty})"
        self.set_text_color(70, 70, 70)
        self.paragraph(text + ".", size=8, style="I")
        self.set_text_color(0, 0, 0)

    def grid(self, headings: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[float]) -> None:
        """A table that continues on the next page with its headings repeated; « — » in an empty cell."""
        self.set_font("helvetica", "", 8)
        self.set_draw_color(200, 200, 200)
        with self.table(
            col_widths=tuple(widths),
            line_height=4.2,
            text_align="LEFT",
            headings_style=_HEADINGS,
            repeat_headings=1,
            borders_layout="HORIZONTAL_LINES",
            padding=0.8,
        ) as table:
            table.row([pdf_text(h) for h in headings])
            for values in rows:
                table.row([pdf_text(v) or EMPTY for v in values])
        self.ln(1)

    def none(self, text: str) -> None:
        self.set_text_color(90, 90, 90)
        self.paragraph(text, style="I")
        self.set_text_color(0, 0, 0)

    def listing(
        self,
        title: str,
        headings: Sequence[str],
        rows: Sequence[Sequence[str]],
        widths: Sequence[float],
        *,
        empty: str,
    ) -> None:
        """A section titled with its count of rows: their table, or the `empty` sentence when there is none."""
        self.section(f"{title} ({len(rows)})")
        if rows:
            self.grid(headings, rows, widths)
        else:
            self.none(empty)


def render_passport(passport: Passport, edition: Edition) -> bytes:
    """The PDF of an employee's passport: identity (NIR masked), every training, the declarations."""
    person = passport.person
    pdf = _Paper(f"Passeport de prévention de {person.name or person.matricule}", edition)
    pdf.heading("Passeport de prévention")
    pdf.paragraph(person.name or person.matricule, size=12, style="B")
    pdf.ln(1)
    pdf.rule_set()
    pdf.section("Identité")
    pdf.fields(
        [
            [("Matricule", person.matricule), ("NIR", mask_nir(person.nir) if person.nir else NOT_PROVIDED)],
            [("Établissement", person.establishment + (f" (SIRET {person.siret})" if person.siret else ""))],
            [("Site", person.site), ("Service", person.service)],
            [("Responsable", person.manager), ("Entrée", fr_day(person.entry_date))],
            [("Sortie", fr_day(person.exit_date))],
        ]
    )
    if not person.in_roster:
        pdf.none("Absent du registre du personnel : identité reprise des fichiers de formations.")

    pdf.listing(
        "Formations",
        ["Formation", "Intitulé", "Début", "Fin", "Valide jusqu'au", "État", "Organisme"],
        [
            [
                t.formation,
                t.title if t.title != t.formation else "",
                fr_day(t.start),
                fr_day(t.end),
                fr_day(t.validity_end) + (" (recommandation)" if t.source == "recommandation" else ""),
                t.state,
                t.organisme,
            ]
            for t in passport.trainings
        ],
        (30, 42, 17, 17, 24, 22, 34),
        empty="Aucune formation enregistrée pour ce salarié.",
    )

    declaration_headings = ["Formation", "Fin", "Déclarée par", "État de la déclaration", "Échéance"]
    declaration_widths = (52, 18, 38, 56, 22)
    pdf.listing(
        "Déclarations des organismes de formation",
        ["Formation", "Fin", "Organisme", "Vérification", "Échéance", "Rapprochement"],
        [[d.title, fr_day(d.end), d.party, d.status, fr_day(d.due_on), d.note] for d in passport.of_declarations],
        (44, 17, 34, 38, 19, 34),
        empty="Aucune déclaration d'organisme de formation reçue pour ce salarié.",
    )
    for title, declarations, empty in (
        (
            "Formations achetées à un organisme : déclaration ou carence",
            passport.bought,
            "Aucune formation achetée à un organisme.",
        ),
        ("Formations internes : déclaration de l'employeur", passport.internal, "Aucune formation interne."),
    ):
        pdf.listing(
            title,
            declaration_headings,
            [[d.title, fr_day(d.end), d.party, d.status, fr_day(d.due_on)] for d in declarations],
            declaration_widths,
            empty=empty,
        )
    return bytes(pdf.output())


def _item_rows(items: Sequence[Item], *, party: bool = False) -> list[list[str]]:
    return [[i.person, i.matricule, i.title, fr_day(i.day), i.status, *([i.party] if party else [])] for i in items]


def render_site_audit(audit: SiteAudit, edition: Edition) -> bytes:
    """The PDF audit report of a site for an inspection: compliance, expired and expiring trainings, overdue
    declarations, the rule set used."""
    pdf = _Paper(f"Rapport d'audit — site {audit.site}", edition)
    pdf.heading(f"Rapport d'audit — site {audit.site}")
    establishments = ", ".join(audit.establishments) or EMPTY
    pdf.paragraph(f"Établissement(s) : {establishments}. Salariés présents : {audit.headcount}.")
    pdf.ln(1)
    pdf.rule_set()

    pdf.section("Formations obligatoires valides")
    if audit.compliance is None:
        pdf.paragraph(
            f"Taux de formations obligatoires valides : {NOT_PROVIDED} (aucune exigence de formation définie)."
        )
    else:
        rows = compliance_rows(audit.compliance)
        required = sum(int(r[1]) for r in rows)
        valid = sum(int(r[2]) for r in rows)
        overall = f"{100 * valid / required:.0f} %" if required else NOT_PROVIDED
        pdf.paragraph(f"Taux de formations obligatoires valides : {overall} ({valid} sur {required}).", style="B")
        pdf.paragraph("Exigences choisies par l'employeur, pas la loi.", size=8, style="I")
        if rows:
            pdf.grid(["Exigence", "Requis", "Valides", "Manquants", "Taux"], rows, (76, 26, 26, 26, 32))

    person_headings = ["Salarié", "Matricule", "Formation"]
    widths, party_widths = (44, 20, 58, 22, 42), (38, 18, 48, 20, 30, 32)
    horizon = audit.horizon_days
    sections = (  # title, columns after the person, rows, widths, the sentence of an empty section
        ("Formations expirées", ["Fin de validité", "État"], _item_rows(audit.expired), widths,
         "Aucune formation expirée parmi les salariés présents."),
        (f"Formations qui expirent dans les {horizon} jours", ["Fin de validité", "État"],
         _item_rows(audit.expiring), widths, f"Aucune formation n'expire dans les {horizon} jours."),
        ("Carences en retard", ["Échéance", "État", "Organisme"], _item_rows(audit.carence_overdue, party=True),
         party_widths, "Aucune carence en retard."),
        ("Déclarations internes en retard", ["Échéance", "État"], _item_rows(audit.internal_overdue), widths,
         "Aucune déclaration interne en retard."),
        ("Corrections demandées et non faites", ["Échéance", "État", "Organisme"],
         _item_rows(audit.corrections_not_made, party=True), party_widths,
         "Aucune correction demandée restée sans réponse."),
    )  # fmt: skip
    for title, columns, rows, column_widths, empty in sections:
        pdf.listing(title, [*person_headings, *columns], rows, column_widths, empty=empty)
    return bytes(pdf.output())
