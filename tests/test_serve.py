"""serve.py: the dashboard's modules loaded before the server listens, then `streamlit run app.py`."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import serve

REPO = Path(__file__).resolve().parents[1]


def _script(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "page.py"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_the_modules_a_script_imports_at_its_top_level(tmp_path: Path) -> None:
    script = _script(
        tmp_path,
        """
        from __future__ import annotations
        import json, xml.dom as dom
        from email import message, utils
        from . import sibling
        from csv import *

        def later() -> None:
            import tomllib
        """,
    )
    assert serve.imported_modules([script]) == (["json", "xml.dom", "email", "csv"], ["email.message", "email.utils"])


def test_preload_imports_modules_and_skips_names_that_are_not_modules(tmp_path: Path) -> None:
    script = _script(tmp_path, "from email import message_from_string, quoprimime\nimport colorsys\n")
    code = (
        "import sys, serve\nfrom pathlib import Path\n"
        f"names = serve.preload([Path({str(script)!r})])\n"
        "print(all(n in sys.modules for n in ('email.quoprimime', 'colorsys', 'pyarrow')), "
        "'email.message_from_string' in names, 'email.message_from_string' in sys.modules)"
    )
    shown = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert shown.stdout.split() == ["True", "True", "False"]


def test_a_missing_library_stops_the_start(tmp_path: Path) -> None:
    for text in ("import bibliotheque_absente_du_passeport\n", "from bibliotheque_absente_du_passeport import x\n"):
        with pytest.raises(ModuleNotFoundError, match="bibliotheque_absente_du_passeport"):
            serve.preload([_script(tmp_path, text)])


def test_the_dashboard_is_loaded_before_any_visit_and_warns_of_nothing() -> None:
    code = (
        "import sys, serve\nserve.preload()\nprint(sorted({'lib.ui', 'lib.store', 'pandas'} - set(sys.modules)), "
        "sorted({'plotly', 'fpdf'} & set(sys.modules)))"
    )
    shown = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert shown.stdout.strip() == "[] []", "every page's libraries loaded; no Plotly, no PDF library at start"
    assert "No runtime found" not in shown.stderr and "WARNING" not in shown.stderr
