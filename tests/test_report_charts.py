"""The per-signal and per-road charts of the report: readable names, the largest items, in the table's order."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from signalprio.report import MAX_BARS, NOT_ENTERED, Scope, _item_bars


def _scope(tmp_path: Path, labels: dict[str, str]) -> Scope:
    return Scope({}, {"name": "Mannheim 2024", "clock": "alarm", "stages": []}, ["none", "green-wave"], "de",
                 "Mannheim 2024", tmp_path, labels)


def test_street_names_stand_alone_unless_two_items_share_one(tmp_path: Path) -> None:
    scope = _scope(tmp_path, {"J1": "Ring / Parkring", "J2": "Ring / Parkring", "J3": "Ring / Kaiserring"})
    assert scope.short_names(["J1", "J2", "J3", "J4"]) == [
        "Ring / Parkring (J1)", "Ring / Parkring (J2)", "Ring / Kaiserring", "J4"]
    assert scope.name(NOT_ENTERED) == "noch nicht ins Netz eingefahren"


def test_beyond_the_limit_only_the_largest_bars_are_drawn_in_the_tables_order(tmp_path: Path) -> None:
    """25 signals in route order, every fifth with a large saving: the 20 largest by magnitude are drawn, still in
    route order, and the title says how many of how many."""
    saved = [float(k % 5 == 0) * 50 + k for k in range(25)]
    values = pd.DataFrame({"green-wave": saved}, index=[f"s{k:02d}" for k in range(25)])
    fig = _item_bars(_scope(tmp_path, {}), values, "saved", "s", "n = 3 Einsätze")
    drawn = [label.get_text() for label in fig.axes[0].get_yticklabels()][::-1]  # barh draws bottom-up
    assert len(drawn) == MAX_BARS
    assert drawn == [f"s{k:02d}" for k in range(25) if k not in (1, 2, 3, 4, 6)]  # the five smallest left out
    assert "die 20 größten von 25" in fig.texts[0].get_text()
    assert fig.axes[0].get_legend().get_title().get_text() == "Strategie"
