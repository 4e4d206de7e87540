"""Starting the dashboard with its code already loaded: `python serve.py [options of streamlit run]`.

`streamlit run app.py` loads the app's libraries (pandas, DuckDB, pyarrow, the store, what each page imports:
about 900 modules, 1.2 s on a 2-core machine) during the first visit, so the first person to open the dashboard
after a start waits for them. This launcher loads them before the server listens, then hands over to Streamlit
exactly as `streamlit run app.py …` would (same options, same configuration files). `make run` uses it.

The modules to load are read from the top-level imports of app.py and of every page in views/ (parsed, never run
here), plus the ones Streamlit itself loads only when a page first shows a table.
"""

from __future__ import annotations

import ast
import importlib
import logging
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent
APP = REPO / "app.py"
# Loaded by Streamlit the first time a page sends a table or a chart, not when it starts.
# (A name Streamlit no longer has is skipped: only a speed-up is lost.)
STREAMLIT_LATER = ("pyarrow", "streamlit.material_icon_names", "streamlit.dataframe.lazy_df_adapters")


def imported_modules(scripts: Iterable[Path]) -> tuple[list[str], list[str]]:
    """What the scripts import at their top level, in order, once: the modules they name (`import a.b`,
    `from a.b import c`: a.b), and the names they take from them that may be modules too (`from lib import ui`)."""
    modules: list[str] = []
    maybe: list[str] = []
    for script in scripts:
        tree = ast.parse(script.read_text(encoding="utf-8"), filename=str(script))
        for node in tree.body:
            if isinstance(node, ast.Import):
                modules.extend(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module and node.module != "__future__":
                modules.append(node.module)
                maybe.extend(f"{node.module}.{alias.name}" for alias in node.names if alias.name != "*")
    return list(dict.fromkeys(modules)), list(dict.fromkeys(maybe))


def dashboard_scripts() -> list[Path]:
    """app.py and its pages."""
    return [APP, *sorted((REPO / "views").glob("*.py"))]


def preload(scripts: Iterable[Path] | None = None) -> list[str]:
    """Import what the scripts (by default the dashboard's) and Streamlit's tables need; the names tried."""
    modules, maybe = imported_modules(dashboard_scripts() if scripts is None else scripts)
    # A cached function defined before the server exists makes Streamlit warn « No runtime found »: harmless (its
    # cache is made at its first call, inside the server), and not worth a line per function in the log.
    logging.disable(logging.WARNING)
    try:
        for name in modules:  # a missing library stops the start, as it would stop the first visit
            importlib.import_module(name)
        for name in [*maybe, *STREAMLIT_LATER]:
            try:
                importlib.import_module(name)
            except ModuleNotFoundError as error:
                if error.name != name:  # a class or a function is not a module; a missing library is an error
                    raise
    finally:
        logging.disable(logging.NOTSET)
    return [*modules, *maybe, *STREAMLIT_LATER]


def main(argv: Sequence[str] | None = None) -> None:
    """Load the modules, then run `streamlit run app.py` with the given options."""
    preload()
    from streamlit.web import cli

    sys.argv = ["streamlit", "run", str(APP), *(sys.argv[1:] if argv is None else argv)]
    cli.main()


if __name__ == "__main__":
    main()
