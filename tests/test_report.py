"""The report a fire service opens: charts from the tables only, readable in a real browser."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from signalprio.cli import app
from tests.conftest import REPO

pytestmark = pytest.mark.sumo
# the fixture's incidents lie in one district: that chart would show one group, so it is not drawn
CHARTS = ("cumulative", "components", "band", "saved", "timespace", "cost", "recovery")


def _chromium() -> str:
    """Debian's chromium; installed here when missing (as CI's set-up), else the test is skipped."""
    found = shutil.which("chromium")
    if found:
        return found
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        pytest.skip("chromium is not installed and cannot be installed here (needs root and apt-get)")
    environment = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "chromium"]):
        done = subprocess.run(command, capture_output=True, text=True, env=environment, timeout=900, check=False)
        if done.returncode != 0:
            pytest.skip(f"chromium could not be installed: {done.stderr.strip().splitlines()[-1:]}")
    return shutil.which("chromium") or pytest.skip("chromium installed but not on PATH")


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("report")
    experiment = folder / "report.toml"
    experiment.write_text((REPO / "experiments" / "regression.toml").read_text()
                          .replace('scenario = "../networks/regression"',
                                   f'scenario = "{REPO / "networks" / "regression"}"')
                          .replace("seeds = [1, 2, 3]", "seeds = [1]")
                          + '\n[incidents.bands]\nweekday_day = { share = 0.6, load = "peak" }\n'
                            'weekend = { share = 0.4, load = "offpeak" }\n')
    done = CliRunner().invoke(app, ["run", str(experiment), "--results", str(folder), "-j", "2"])
    assert done.exit_code == 0, done.output
    return folder / "regression"


@pytest.mark.parametrize("lang", ["de", "en"])
def test_report_has_every_chart_and_table(results: Path, lang: str) -> None:
    done = CliRunner().invoke(app, ["report", str(results), "--lang", lang])
    assert done.exit_code == 0, done.output
    page = (results / "report" / "index.html").read_text()
    for chart in CHARTS:
        assert (results / "report" / f"{chart}.png").stat().st_size > 1000
        section = re.search(rf'<section id="{chart}">(.*?)</section>', page, re.S)
        assert section and "<svg" in section.group(1) and section.group(1).count("<path") > 5, chart
    assert '<section id="district">' not in page
    assert "Eintreffzeit" in page and ("n = " in page)
    safety = re.search(r'<section id="safety">(.*?)</section>', page, re.S)
    assert safety and (("Kollisionen" in safety.group(1)) if lang == "de" else ("engine collisions" in safety.group(1)))
    assert ("Erreichungsgrad" in page) if lang == "de" else ("Achievement rate" in page)
    assert not re.search(r'(src|href)="(https?:)?//', page)  # self-contained: nothing to fetch


def test_report_opens_in_headless_chromium_without_console_errors(results: Path, tmp_path: Path) -> None:
    chromium = _chromium()
    assert CliRunner().invoke(app, ["report", str(results)]).exit_code == 0
    shot = tmp_path / "first-screen.png"
    done = subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={tmp_path / 'profile'}", "--enable-logging=stderr", "--v=0",
         "--window-size=1200,1400", f"--screenshot={shot}", (results / "report" / "index.html").as_uri()],
        capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    console = [line for line in done.stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line]
    assert console == []
    assert shot.stat().st_size > 10_000


def test_report_of_a_missing_folder_is_one_clear_error(tmp_path: Path) -> None:
    done = CliRunner().invoke(app, ["report", str(tmp_path)])
    assert done.exit_code == 2 and "no summary.json" in done.output


def test_compliance_under_another_plan_is_saved_and_the_report_uses_it(results: Path) -> None:
    import pandas as pd

    done = CliRunner().invoke(app, ["compliance", str(results), "--plan", "agbf-2015"])
    assert done.exit_code == 0, done.output
    saved = pd.read_parquet(results / "plans" / "agbf-2015" / "compliance.parquet")
    assert set(saved["plan"]) == {"AGBF 2015"}
    report = CliRunner().invoke(app, ["report", str(results), "--plan", "agbf-2015", "--lang", "en"])
    assert report.exit_code == 0, report.output
    page = (results / "report" / "index.html").read_text()
    assert "AGBF 2015" in page and "Mannheim 2024" not in page
    unknown = CliRunner().invoke(app, ["report", str(results), "--plan", "nowhere-2030"])
    assert unknown.exit_code == 2 and "unknown requirement plan 'nowhere-2030'" in unknown.output


def _visible_text(page: str) -> str:
    import html

    page = re.sub(r"<svg.*?</svg>|<style.*?</style>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", "\n", page))


def test_the_german_report_has_no_english_label_and_no_raw_column_name(results: Path) -> None:
    from signalprio.schema import TABLES

    done = CliRunner().invoke(app, ["report", str(results), "--lang", "de"])
    assert done.exit_code == 0, done.output
    text = _visible_text((results / "report" / "index.html").read_text())
    cells = {line.strip() for line in text.splitlines() if line.strip()}
    raw = {name for schema in TABLES.values() for name in schema.names if "_" in name or name in ("strategy", "rate")}
    assert not cells & raw, sorted(cells & raw)
    english = {"none", "green-wave", "stage 1", "peak", "offpeak", "strategy", "all"}
    assert not cells & english, sorted(cells & english)
    assert "ohne Vorrang" in cells and "Grüne Welle" in cells and "Stufe 1" in cells
    assert re.search(r"\b\d+,\d\b", text), "German decimals use a comma"


def test_the_first_section_answers_in_sentences_and_states_the_assumptions(results: Path) -> None:
    done = CliRunner().invoke(app, ["report", str(results), "--lang", "de"])
    assert done.exit_code == 0, done.output
    page = (results / "report" / "index.html").read_text()
    findings = re.search(r'<section id="findings">(.*?)</section>', page, re.S)
    assert findings and page.index('id="findings"') < page.index("<table")  # before any table
    text = _visible_text(findings.group(1))
    assert re.search(r"Mit der Strategie „Grüne Welle“ erreichen \d+ % statt \d+ % der Einsätze Stufe 1", text)
    assert "n = 4 Einsätze" in text and "Kollisionen von Einsatzfahrzeugen" in text
    assert "Fahrt ohne Vorrang: bei Rot mit 10 km/h" in text and "n zählt Einsätze" in text


def test_the_report_comes_as_an_excel_workbook_and_as_pdf(results: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    pypdf = pytest.importorskip("pypdf")
    _chromium()
    done = CliRunner().invoke(app, ["report", str(results), "--lang", "de", "--pdf"])
    assert done.exit_code == 0, done.output
    workbook = openpyxl.load_workbook(results / "report" / "report.xlsx")
    assert {"Das Wichtigste in Kürze", "Erreichungsgrad", "Einsätze", "Sicherheit der Einsatzfahrt"} <= set(
        workbook.sheetnames)
    incidents = workbook["Einsätze"]
    header = [cell.value for cell in incidents[1]]
    assert "Eintreffzeit (s)" in header and "Einsatz" in header
    row = [cell.value for cell in incidents[2]]
    assert isinstance(row[header.index("Eintreffzeit (s)")], int | float)  # numbers stay numbers in a spreadsheet
    pdf = pypdf.PdfReader(results / "report" / "report.pdf")
    first = pdf.pages[0].extract_text()
    assert "Das Wichtigste in Kürze" in first and "Erreichungsgrad" in first


def test_street_names_label_edges_and_signals_where_the_network_names_its_streets() -> None:
    from signalprio.report import Scope
    from signalprio.sumo.loader import street_names

    labels = street_names(REPO / "networks" / "mannheim-city" / "mannheim-city.net.xml.gz")
    signals = {key: value for key, value in labels.items() if " / " in value}
    assert len(labels) > 100 and signals  # named edges, and signals labelled by their crossing streets
    key, name = next(iter(signals.items()))
    scope = Scope({}, {}, [], "de", "", Path("."), labels)
    assert scope.name(key) == f"{name} ({key})" and scope.name("none") == "ohne Vorrang"
    assert street_names(REPO / "networks" / "regression" / "arterial.net.xml") == {}  # no names: ids show
