"""Streamlit's own words in French: the widget options that remove an English text, and the one stylesheet that
replaces the English texts no option reaches.

Streamlit has no locale: its frontend writes « No results », « Upload », « 200MB per file », « Press Enter to
apply »… in English, whatever the browser's language. Where a widget option removes the text, the shared widgets
use it (`select_all=False` on the multiselects: no « Select all »), and .streamlit/config.toml hides the « ⋮ »
menu (client.toolbarMode = "minimal": its « Rerun », « Settings », « Print »… are English). The rest is hidden
here, in one place, by a stylesheet sent on every run (a `<style>`-only `st.html` takes no room on the page): the
English node is hidden with `display: none` (so no one reads it, and `innerText` leaves it out) and the French
words are drawn by a `::after` of its parent. The selectors use Streamlit's `data-testid` and ARIA attributes,
which its own tests rely on, never its generated class names; tests/test_browser_french.py opens every page in
Chromium to prove that no English word is left and the French one is shown, so an upgrade of Streamlit that moves
a node fails there.
"""

from __future__ import annotations

import streamlit as st

from lib.ui.text import fr_number

# The French words each English text of Streamlit's frontend is replaced with (the tests read them here).
NO_RESULTS = "Aucun résultat"
BROWSE_FILE = "Choisir un fichier"
BROWSE_FILES = "Choisir des fichiers"
DROP_FILES = "Déposez les fichiers ici"
PRESS_ENTER = "Entrée pour valider"
PRESS_ENTER_IN_FORM = "Entrée pour envoyer"
PRESS_CTRL_ENTER = "Ctrl+Entrée pour valider"
STOP = "Arrêter"
STOPPING = "Arrêt…"
SKIP_TO_CONTENT = "Aller au contenu"
OUT_OF_RANGE = "Valeur hors des limites permises (voir l'aide « ? » du champ) : elle n'est pas prise en compte."
FILE_REFUSED = "Fichier refusé : plus gros que la limite indiquée sous le cadre, ou d'un type non accepté."

_STYLESHEET = f"""
<style>
/* « No results »: a selectbox or multiselect whose typed text matches no option. */
[role="listbox"][data-empty="true"] > [role="option"] > span {{ display: none; }}
[role="listbox"][data-empty="true"]::after {{
  content: "{NO_RESULTS}"; display: block; padding: 0.5rem; text-align: center;
  font-size: 0.875rem; opacity: 0.7;
}}
/* « Upload » (the uploader's button) and « Drag and drop files here » (while a file is dragged over it). */
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] > p {{ display: none; }}
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"]::after {{
  content: "{BROWSE_FILE}";
}}
[data-testid="stFileUploaderDropzone"]:has(input[multiple]) button [data-testid="stMarkdownContainer"]::after {{
  content: "{BROWSE_FILES}";
}}
[data-testid="stFileUploaderDropzone"] > div:not([data-testid]):has(> span) > span {{ display: none; }}
[data-testid="stFileUploaderDropzone"] > div:not([data-testid]):has(> span)::after {{ content: "{DROP_FILES}"; }}
/* A file the uploader refuses before sending it (« File must be 200.0MB or smaller. », « … files are not
   allowed. »): its chip turns red and its reason, in English, shows only in a tooltip on hover. The reason is said
   in French beside the chips; that tooltip is not shown, nor its English copy kept for screen readers (the chip
   still says it is invalid: aria-invalid). */
[data-testid="stFileChip"] [role="alert"] {{ display: none; }}
[data-testid="stFileChips"]:has([data-testid="stFileChip"][aria-invalid="true"])::after {{
  content: "{FILE_REFUSED}"; align-self: center; font-size: 0.875rem; color: #bd4043;
}}
[data-testid="stTooltipErrorContent"]:not(:has(> [data-testid="stMarkdownContainer"])) {{ display: none; }}
/* « Error: Number is outside the allowed range… », in the tooltip of the « ! » of a number (or date) typed out of
   its limits: the same tooltip, in French. */
[data-testid="stTooltipErrorContent"] > [data-testid="stMarkdownContainer"] {{ display: none; }}
[data-testid="stNumberInputContainer"] [role="alert"] {{ display: none; }}
[data-testid="stTooltipErrorContent"]:has(> [data-testid="stMarkdownContainer"])::after {{
  content: "{OUT_OF_RANGE}";
}}
/* « 200MB per file • CSV, XLSX »: file_uploader() writes the limits in French under the uploader. */
[data-testid="stFileUploaderDropzoneInstructions"] {{ display: none; }}
/* « Press Enter to apply », « Press Enter to submit form », « Press Ctrl+Enter to apply » under a typed field. */
[data-testid="InputInstructions"] > span {{ display: none; }}
[data-testid="InputInstructions"]::after {{ content: "{PRESS_ENTER}"; }}
[data-testid="stForm"] [data-testid="InputInstructions"]::after {{ content: "{PRESS_ENTER_IN_FORM}"; }}
[data-testid="stTextArea"] [data-testid="InputInstructions"]::after {{ content: "{PRESS_CTRL_ENTER}"; }}
/* « Stop » / « Stopping... » at the top right while a page runs for more than half a second. */
[data-testid="stStatusWidget"] button {{ visibility: hidden; }}
[data-testid="stStatusWidget"] button::after {{ visibility: visible; content: "{STOP}"; }}
[data-testid="stStatusWidget"] button:disabled::after {{ content: "{STOPPING}"; }}
/* « Skip to main content », the link the Tab key reaches first: drawn in French (it must stay focusable, so its
   English letters are only made invisible). */
[data-testid="stSkipToContent"] {{ font-size: 0 !important; }}
[data-testid="stSkipToContent"]::after {{ content: "{SKIP_TO_CONTENT}"; font-size: 0.875rem; }}
/* A table's toolbar (« Download as CSV », « Search », « Fullscreen », « Show/hide columns ») and its columns' menu
   (« Sort ascending », « Pin column »…): English, and that CSV would hold only the rows shown. Every page has its
   own search and filters and downloads its whole list; a click on a column's header still sorts the table. */
[data-testid="stElementToolbar"] {{ display: none; }}
[data-testid="stDataFrameColumnMenuTarget"], [data-testid="stDataFrameColumnMenu"] {{ display: none; }}
/* « 278.0B » after the name of a file chosen in an uploader. */
[data-testid="stFileChipName"] + * {{ display: none; }}
</style>
"""


def french_interface() -> None:
    """Replace the English texts of Streamlit's frontend with French ones; app.py calls it once per run."""
    st.html(_STYLESHEET)


def upload_limits(types: list[str], *, multiple: bool = False, most_bytes: int | None = None) -> str:
    """What the uploader accepts, in French (its own « 200MB per file • CSV » is hidden): the server's limit, or
    `most_bytes` when the reader of that file refuses more (a list of managers: 1 Mo)."""
    size = int(st.get_option("server.maxUploadSize"))
    size_text = f"{fr_number(size)} Mo"
    if most_bytes is not None and most_bytes < size * 1_000_000:
        value, unit = (most_bytes / 1_000_000, "Mo") if most_bytes >= 1_000_000 else (most_bytes / 1000, "ko")
        size_text = f"{value:.1f}".removesuffix(".0").replace(".", ",") + f" {unit}"
    kinds = [t.upper() for t in types]
    listed = kinds[0] if len(kinds) == 1 else ", ".join(kinds[:-1]) + " ou " + kinds[-1]
    return f"{'Fichiers' if multiple else 'Fichier'} {listed}, {size_text} au plus par fichier."
