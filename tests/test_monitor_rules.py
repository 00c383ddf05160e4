"""The conflict monitor's own rules agree with the controller's on every signal of real and built networks.

Two derivations by separate code from the same facts (signalprio.monitor_rules and signalprio.model.safety), as a
real controller and its conflict monitor are configured separately: where they disagree, one of them is wrong. The
controller binds every intergreen to the larger of the program's and the junction's geometric one (RiLSA); the
monitor accepts the program's own transitions as the plan shows them and binds the others (skipped phases) to the
same larger value, so it is never stricter than the controller and equal wherever the program has no transition.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from signalprio.installation import sumo_home
from signalprio.model.intergreen import geometric_intergreens
from signalprio.model.safety import SafetyRules
from signalprio.monitor_rules import monitor_rules
from signalprio.run import network_of
from tests.conftest import REPO

NETWORKS = {
    "mannheim corridor": REPO / "networks" / "mannheim" / "mannheim.net.xml",
    "mannheim city": REPO / "networks" / "mannheim-city" / "mannheim-city.net.xml.gz",
    "regression arterial": REPO / "networks" / "regression" / "arterial.net.xml",
    "berlin-adlershof (OSM, actuated)": sumo_home() / "tools" / "game" / "DRT" / "osm.net.xml",
}


@pytest.mark.parametrize("name", list(NETWORKS))
def test_monitor_and_controller_derive_the_same_rules(name: str) -> None:
    path: Path = NETWORKS[name]
    signals = network_of(path).signals
    assert signals
    for signal in signals.values():
        theirs = SafetyRules.derive(signal.program, signal.foes, 5.0, signal.paths)
        mine = monitor_rules(signal.program, signal.foes, 5.0, signal.paths)
        assert mine.conflicts == theirs.conflicts, signal.id
        geometric = {pair: terms.intergreen_s for pair, terms in geometric_intergreens(signal.paths,
                                                                                        theirs.conflicts).items()}
        assert mine.geometric_s == geometric, signal.id
        direct = signal.program.intergreen(theirs.conflicts, {k: path.kind for k, path in signal.paths.items()})
        for pair, seconds in theirs.intergreen_s.items():
            assert seconds == pytest.approx(max(direct[pair], geometric.get(pair, 0.0))), (signal.id, pair)
            assert mine.intergreen_s[pair] <= seconds + 1e-9, (signal.id, pair)
        links = range(signal.program.link_count)
        assert mine.yellow_s == {
            k: theirs.timing[k].yellow_s for k in links if theirs.timing[k].yellow_s}, signal.id
        assert mine.green_s == {k: theirs.required_green(k) for k in links}, signal.id


def test_the_monitor_knows_the_yellow_minimum_green_and_intergreen_of_a_two_phase_program(empty_arterial: Path) -> None:
    """Known answer: the built arterial's J1 runs 3 s yellow, 2 s all-red and 1 s red-yellow between its phases."""
    signal = network_of(empty_arterial / "arterial.net.xml").signals["J1"]
    rules = monitor_rules(signal.program, signal.foes, 5.0)
    first, second = signal.program.phases[0].state, signal.program.phases[4].state
    main, side = min(pair for pair in rules.conflicts if first[pair[0]] == "G" and second[pair[1]] == "G")
    assert rules.yellow_s[main] == 3.0
    assert (main, side) in rules.conflicts and rules.intergreen_s[(main, side)] == 6.0
    assert rules.green_s[main] == 5.0
