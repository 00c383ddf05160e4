"""The area a run around the engines' routes simulates, and who enters it when (pure logic; the comparison with
runs of the whole network is `signalprio bench`'s, on the city network)."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest

from signalprio.model.network import Network, Signal, SignalLink
from signalprio.model.program import Phase, SignalProgram
from signalprio.zone import (
    Passage,
    area_edges,
    decode,
    encode,
    entering,
    inside_part,
    read_passages,
    without_flows,
)


def _network() -> Network:
    """A street w1 -> w2 -> w3 with a signal between w1 and w2 whose cross street runs n -> s; a side road r joins
    before w3 and a road x leaves after w2; farther -> far -> n and s -> away lie beyond the cross street."""
    successors = {"w1": {"w2"}, "n": {"s"}, "w2": {"w3", "x"}, "r": {"w3"}, "far": {"n"}, "farther": {"far"},
                  "s": {"away"},
                  "w3": set(), "x": set(), "away": set()}
    edges = tuple(successors)
    links = (SignalLink(0, "w1_0", "w2_0"), SignalLink(1, "n_0", "s_0"))
    program = SignalProgram("j", "0", "static", 0.0, (Phase("Gr", 30.0), Phase("rG", 30.0)))
    signal = Signal("j", program, links, frozenset({(0, 1), (1, 0)}))
    return Network(Path("n.net.xml"), {"j": signal}, {}, dict.fromkeys(edges, 100.0), dict.fromkeys(edges, 1),
                   dict.fromkeys(edges, 10.0), {edge: frozenset(after) for edge, after in successors.items()})


def test_the_area_is_the_route_the_roads_at_its_junctions_and_its_signals_approaches_and_exits() -> None:
    area = area_edges(_network(), [("w1", "w2", "w3")], upstream_m=0.0)
    # n and s: the signal's cross street (neither joins nor leaves the route); r joins w3; x leaves w2
    assert area == {"w1", "w2", "w3", "n", "s", "r", "x"}


def test_the_area_reaches_back_along_the_roads_into_it_as_far_as_asked() -> None:
    """Edges of 100 m: far ends where n (in the area) begins; farther's end is 100 m before that."""
    assert area_edges(_network(), [("w1", "w2", "w3")], upstream_m=50.0) - area_edges(
        _network(), [("w1", "w2", "w3")], upstream_m=0.0) == {"far"}
    assert {"far", "farther"} <= area_edges(_network(), [("w1", "w2", "w3")], upstream_m=150.0)
    assert "away" not in area_edges(_network(), [("w1", "w2", "w3")], upstream_m=1000.0)  # downstream: never


def test_a_vehicle_keeps_its_way_up_to_where_it_leaves_the_area_and_none_outside_it() -> None:
    area = frozenset({"a", "b", "c"})
    route = ("z", "a", "b", "y", "c")
    assert inside_part(route, 1, area, in_junction=False) == ("a", "b")
    assert inside_part(route, 0, area, in_junction=False) == ()
    # in the junction after b, on its way into y: its route cannot end behind it
    assert inside_part(route, 2, area, in_junction=True) == ("b", "y")
    assert inside_part(("a",), 0, area, in_junction=True) == ("a",)


def test_vehicles_enter_each_stretch_of_the_area_when_they_entered_it_in_the_warm_up() -> None:
    area = frozenset({"a", "b", "c"})
    passages = [
        Passage("v", "car", 1.1, ("z", "a", "b", "y", "c"), (90.0, 105.0, 120.0, 130.0, 150.0)),
        Passage("inside", "car", 0.9, ("a", "b"), (95.0, 101.0)),  # in the area at the alarm (100): in the state
        Passage("late", "car", 1.0, ("z", "a"), (200.0, 260.0)),  # after the run's end
        # entered in the step that starts at the alarm: SUMO stamps it 100, after the state saved at 100
        Passage("at", "car", None, ("z", "a"), (80.0, 100.0)),
    ]
    found = entering(passages, area, after_s=100.0, until_s=250.0)
    assert [(e.vehicle, e.source, e.edges, e.depart_s, e.speed_factor) for e in found] == [
        ("at~1", "at", ("a",), 100.0, None), ("v~1", "v", ("a", "b"), 105.0, 1.1), ("v~4", "v", ("c",), 150.0, 1.1)]


def test_passages_are_read_from_sumos_vehroute_output_and_survive_the_trip_to_a_worker(tmp_path: Path) -> None:
    path = tmp_path / "vehroutes.xml"
    path.write_text('<routes>\n'
                    '  <vehicle id="a" type="car" depart="1.00" speedFactor="1.05" arrival="51.00">\n'
                    '    <route edges="e1 e2 e3" exitTimes="25.00 30.00 51.00"/>\n  </vehicle>\n'
                    '  <vehicle id="b" depart="40.00">\n'  # still on e5 when the warm-up ended
                    '    <route edges="e4 e5 e6" exitTimes="48.00 -1 -1"/>\n  </vehicle>\n'
                    '  <vehicle id="c" depart="0:01:00.00">\n'  # --human-readable-time
                    '    <route edges="e7 e8" exitTimes="0:01:10.00 1:00:01:15.00"/>\n  </vehicle>\n'
                    '  <vehicle id="person_car" depart="triggered">\n'
                    '    <route edges="e1" exitTimes="9.00"/>\n  </vehicle>\n</routes>\n')
    passages = read_passages(path)
    assert passages == [Passage("a", "car", 1.05, ("e1", "e2", "e3"), (1.0, 25.0, 30.0)),
                        Passage("b", "DEFAULT_VEHTYPE", None, ("e4", "e5"), (40.0, 48.0)),
                        Passage("c", "DEFAULT_VEHTYPE", None, ("e7", "e8"), (60.0, 70.0))]
    assert decode(encode(passages)) == passages


@pytest.mark.parametrize(("element", "message"), [
    ('<person id="p" depart="3.00"><walk edges="e1 e2"/></person>', "the demand has persons ('p')"),
    ('<vehicle id="bus" depart="3.00"><route edges="e1 e2" exitTimes="5 9"/><stop busStop="s" duration="20"/>'
     '</vehicle>', "the demand has vehicles with stops ('bus')"),
])
def test_demand_a_run_around_the_routes_cannot_re_insert_is_refused(tmp_path: Path, element: str,
                                                                     message: str) -> None:
    path = tmp_path / "vehroutes.xml"
    path.write_text(f"<routes>\n  {element}\n</routes>\n")
    with pytest.raises(ValueError, match=re.escape(message)):
        read_passages(path)


def test_a_state_loses_its_flows_and_keeps_everything_else() -> None:
    state = gzip.compress(b'<snapshot>\n    <flowState id="f" begin="0" next="606.67" index="174"/>\n'
                          b'    <flowState id="g" begin="0"><param key="k" value="v"/></flowState>\n'
                          b'    <vehicle id="f.173" depart="600.00"/>\n</snapshot>\n')
    assert without_flows(state) == b'<snapshot>\n    \n    \n    <vehicle id="f.173" depart="600.00"/>\n</snapshot>\n'
    assert without_flows(gzip.compress(b"<snapshot/>")) == b"<snapshot/>"
