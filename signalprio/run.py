"""One run: one incident, one seed, one strategy, in one SUMO. Returns rows for the tidy tables.

A run writes SUMO's own files (vehicle types, signal-state record, tripinfo) into a
private temporary folder, so runs can execute in parallel; only the rows survive.
"""

from __future__ import annotations

import functools
import tempfile
from dataclasses import asdict
from pathlib import Path

import numpy as np

from signalprio.build.demand import demand_files
from signalprio.control.strategies import make_controller
from signalprio.dispatch import Dispatch, TravelTimes, plan_dispatch
from signalprio.errors import UserError
from signalprio.experiment import Incident, LoadedExperiment
from signalprio.fleet import VehicleType, vtypes_additional
from signalprio.measure import (
    OTHER_TRAFFIC,
    SSM_PET_S,
    SSM_TTC_S,
    Collision,
    EngineRecorder,
    other_traffic_delay,
    read_collisions,
    read_conflicts,
    read_safety_statistics,
)
from signalprio.model.network import Network
from signalprio.model.safety import SafetyRules
from signalprio.monitor import KINDS, Violation, check_record, read_switch_states
from signalprio.monitor_rules import MonitorRules, monitor_rules
from signalprio.rightofway import RightOfWay
from signalprio.runs import RunResult, RunSpec, WarmStart
from signalprio.sumo.loader import load_network
from signalprio.sumo.session import EngineSlot, SumoSession
from signalprio.zone import area_edges, decode, during, encode, entering, read_passages, without_flows


@functools.lru_cache(maxsize=4)
def network_of(path: Path) -> Network:
    """The network of a file, parsed once per process (every run of an experiment reads the same one)."""
    return load_network(path)


@functools.lru_cache(maxsize=4)
def checked_rules(path: Path, min_green_s: float) -> dict[str, MonitorRules]:
    """The conflict monitor's rules for every signal of the network, derived apart from the controller's."""
    return {sid: monitor_rules(signal.program, signal.foes, min_green_s, signal.paths)
            for sid, signal in network_of(path).signals.items()}


@functools.lru_cache(maxsize=4)
def safety_rules(path: Path, min_green_s: float) -> dict[str, SafetyRules]:
    network = network_of(path)
    return {sid: SafetyRules.derive(s.program, s.foes, min_green_s, s.paths) for sid, s in network.signals.items()}


def _record_signals_additional(network: Network, record: Path) -> str:
    events = "\n".join(
        f'    <timedEvent type="SaveTLSSwitchStates" source="{sid}" dest="{record}"/>'
        for sid in sorted(network.signals)
    )
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<additional>\n{events}\n</additional>\n'


RESCUE_LANE_RESOLUTION_M = 0.8  # sublane width: fine enough for cars to pull to the lane edge


def background_args(loaded: LoadedExperiment, seed: int, load: str, own: tuple[Path, ...] = (),
                    demand: bool = True) -> list[str]:
    """SUMO options shared by the warm-up and every run of one seed and load: same network, demand and seed.

    SUMO takes one list of additional files: the scenario's own, those given with -a in `sumo_args` and signalprio's
    (`own`) go into it together (a second -a would be an error). Without `demand` no route file is read: a run around
    the engines' routes inserts the background itself (signalprio.zone).
    """
    exp, scenario = loaded.experiment, loaded.scenario
    extra, given = _split_additional(exp.simulation.sumo_args)
    additional = [*(str(path) for path in scenario.additional_paths()), *given, *(str(path) for path in own)]
    return [
        "-n", str(scenario.network_path()),
        *(["-r", ",".join(str(p) for p in demand_files(scenario, load))] if demand else []),
        *(["-a", ",".join(additional)] if additional else []),
        "--seed", str(seed), "--no-step-log", "true", "--no-warnings", "true",
        # the rescue lane needs vehicles to move sideways within their lane: SUMO's sublane model
        *(["--lateral-resolution", str(RESCUE_LANE_RESOLUTION_M)] if exp.engine.rescue_lane else []),
        *extra,
    ]


def _split_additional(args: list[str]) -> tuple[list[str], list[str]]:
    """SUMO options without their additional files, and those files (-a, --additional-files, --additional-files=)."""
    rest, files = [], []
    items = iter(args)
    for item in items:
        if item in ("-a", "--additional-files"):
            files += next(items, "").split(",")
        elif item.startswith("--additional-files="):
            files += item.split("=", 1)[1].split(",")
        else:
            rest.append(item)
    return rest, [f for f in files if f]


def save_warm_states(loaded: LoadedExperiment, seed: int, load: str, alarms: list[float]) -> dict[float, WarmStart]:
    """Simulate the background traffic of one seed and load once; SUMO's state at every alarm time.

    Every strategy of an incident then starts from the same state (common random numbers),
    and the warm-up is paid once per seed instead of once per run. States travel as bytes,
    so a run can execute on any worker of a cluster. For runs around the engines' routes the warm-up goes on to the
    last alarm's horizon and records when each vehicle entered each edge (SUMO's vehroute output with exit times).
    """
    exp = loaded.experiment
    network = network_of(loaded.scenario.network_path())
    around = exp.simulation.area == "around-routes"
    with tempfile.TemporaryDirectory(prefix="signalprio-warm-") as tmp:
        ways = Path(tmp) / "vehroutes.xml"
        record = ["--vehroute-output", str(ways), "--vehroute-output.exit-times", "true",
                  "--vehroute-output.last-route", "true", "--vehroute-output.write-unfinished", "true",
                  "--vehroute-output.speedfactor", "true"]
        session = SumoSession(exp.simulation.backend, network,
                              [*background_args(loaded, seed, load), "--begin", f"{loaded.scenario.begin:g}",
                               *(record if around else [])], exp.simulation.step_s)
        states: dict[float, bytes] = {}
        session.start()
        try:
            for alarm in sorted(set(alarms)):
                session.advance_to(alarm)
                states[alarm] = session.save_state(Path(tmp) / f"t{alarm:g}.xml.gz").read_bytes()
            if around:
                session.advance_to(max(alarms) + exp.simulation.horizon_s)
        finally:
            session.close()
        if not around:
            return {alarm: WarmStart(state) for alarm, state in states.items()}
        try:
            passages = read_passages(ways)
        except ValueError as error:
            raise UserError(f"{loaded.path}: field 'simulation.area': {error}; use area = 'network'") from None
    return {alarm: WarmStart(state, encode(during(passages, alarm, alarm + exp.simulation.horizon_s)))
            for alarm, state in states.items()}


def dispatches_for(loaded: LoadedExperiment, incident: Incident, layout: str) -> tuple[Dispatch, ...]:
    """The dispatch order's vehicles from the layout's nearest stations; the same for every strategy."""
    exp = loaded.experiment
    travel = _travel_times(loaded.scenario.network_path())
    number = int("".join(ch for ch in incident.id if ch.isdigit()) or 0)
    rng = np.random.default_rng([exp.incidents.seed, number])
    route = incident.route or tuple(exp.engine.route or ())
    stations = loaded.scenario.layout_stations(layout)
    if route:  # an explicit route starts at a station (validate_edges checked every layout has it): units leave there
        stations = [station for station in stations if station.edge == route[0]]
    return plan_dispatch(incident.id, incident.edge, incident.position_m, incident.alarm_s, exp.dispatch.stages,
                         stations, loaded.plan, travel, rng,
                         exp.dispatch.departure_gap_s, exp.dispatch.turnout_sd_s, exp.engine.importance, route)


@functools.lru_cache(maxsize=4)
def _travel_times(path: Path) -> TravelTimes:
    return TravelTimes(network_of(path))


def execute_run(spec: RunSpec) -> RunResult:
    """Simulate one run and measure it; raises UserError for bad input, anything else is a failed run."""
    exp, scenario = spec.experiment.experiment, spec.experiment.scenario
    network = network_of(scenario.network_path())
    rules = safety_rules(scenario.network_path(), exp.preemption.min_green_s)
    fleet = spec.experiment.fleet()
    incident = spec.incident
    end = incident.alarm_s + exp.simulation.horizon_s
    dispatches = spec.dispatches or dispatches_for(spec.experiment, incident, spec.layout)
    result = RunResult(spec.key)
    with tempfile.TemporaryDirectory(prefix="signalprio-run-") as tmp:
        folder = Path(tmp)
        conflicts_file = folder / "ssm.xml"
        ssm = {"has.ssm.device": "true", "device.ssm.measures": "TTC PET",
               "device.ssm.thresholds": f"{SSM_TTC_S:g} {SSM_PET_S:g}", "device.ssm.range": "50",
               "device.ssm.file": str(conflicts_file)}
        devices = {**ssm, **({"has.bluelight.device": "true",
                              "device.bluelight.reactiondist": f"{exp.engine.reaction_distance_m:g}"}
                             if exp.engine.rescue_lane else {})}
        (folder / "fire.add.xml").write_text(vtypes_additional(fleet, exp.engine.red_crossing_kmh, devices))
        record = folder / "signal_states.xml"
        (folder / "record.add.xml").write_text(_record_signals_additional(network, record))
        tripinfo = folder / "tripinfo.xml"
        around = exp.simulation.area == "around-routes"
        passages = spec.warm_state.passages if spec.warm_state is not None else b""
        if around and not passages:
            raise ValueError("a run around the engines' routes starts from a warm-up that recorded the passages")
        start = ["--begin", f"{scenario.begin:g}"]
        if spec.warm_state is not None:
            state = folder / ("state.xml" if around else "state.xml.gz")
            state.write_bytes(without_flows(spec.warm_state.state) if around else spec.warm_state.state)
            start = ["--load-state", str(state)]
        collisions, statistics = folder / "collisions.xml", folder / "statistics.xml"
        # runs of different strategies that end at arrival end at different times: their delays are not comparable,
        # so SUMO need not write every vehicle's trip (about a sixth of its time on the city network)
        early = exp.simulation.end == "engines-arrived"
        trips = [] if early else ["--tripinfo-output", str(tripinfo), "--tripinfo-output.write-unfinished", "true"]
        args = [
            *background_args(spec.experiment, spec.seed, incident.load,
                             (folder / "fire.add.xml", folder / "record.add.xml"), demand=not around),
            *start, "--end", f"{end:g}",
            *trips,
            # every collision, in junctions too, is recorded and none removes a vehicle silently
            "--collision.check-junctions", "true", "--collision.action", "warn",
            "--collision-output", str(collisions), "--statistic-output", str(statistics),
        ]
        session = SumoSession(exp.simulation.backend, network, args, exp.simulation.step_s)
        session.start()
        try:
            slots = _dispatch(session, dispatches, fleet, incident.alarm_s)
            if around:
                area = area_edges(network, [slot.route for slot in slots])
                session.cut_to(area, entering(decode(passages), area, incident.alarm_s, end))
            controller = make_controller(exp.strategy(spec.strategy).parameters(exp.preemption), network, rules)
            recorders = {slot.id: EngineRecorder(slot.id, incident.alarm_s) for slot in slots}
            right_of_way = RightOfWay(exp.engine.red_crossing_kmh / 3.6, exp.simulation.step_s)
            while session.time < end - 1e-9:
                if controller.idle and not session.active_engines():
                    # nothing to observe or control: jump to the next departure (or the end) in one call
                    session.advance_to(min(end, max(session.time + exp.simulation.step_s, session.next_departure())))
                    continue
                session.step()
                obs = session.observe()
                for view in obs.engines:
                    recorders[view.id].record(obs.time, view, obs.signals)
                session.apply(controller.decide(obs))
                session.right_of_way(obs, right_of_way, exp.engine.reaction_distance_m)
                if early and all(slot.arrived_at is not None for slot in slots) and controller.idle \
                        and not right_of_way.active():
                    break
        finally:
            session.close()
        switches = list(read_switch_states(record))
        violations = check_record(checked_rules(scenario.network_path(), exp.preemption.min_green_s), switches)
        crashes = read_collisions(collisions)
        conflicts = [c for c in read_conflicts(conflicts_file) if c.serious()]
        safety = read_safety_statistics(statistics)
        if early:
            result.other_traffic = dict.fromkeys(OTHER_TRAFFIC)
        else:
            result.other_traffic, result.delay_by_entry = other_traffic_delay(tripinfo, {slot.id for slot in slots})
        on_routes = {signal_id for recorder in recorders.values() for signal_id in recorder.signal_order}
        result.signal_states = [{"signal_id": sid, "time_s": t, "state": state}
                                for t, sid, state in switches if sid in on_routes]
    for slot, dispatch in zip(slots, dispatches, strict=True):
        recorder = recorders[slot.id]
        recorder.arrived_s = slot.arrived_at
        vehicle = {"unit": slot.unit, "vehicle": slot.id, "vehicle_type": slot.vehicle_type.id,
                   "station": dispatch.station, "dispatch_stage": dispatch.stage,
                   "crew": dispatch.crew or slot.vehicle_type.crew, "turnout_s": dispatch.turnout_s,
                   "incident_edge": dispatch.destination_edge, "band": incident.band, "district": incident.district,
                   "load": incident.load, "teleported": slot.teleported}
        mine = [c for c in conflicts if c.ego == slot.id]
        result.trips.append({**vehicle, **recorder.trip(), "monitor_violations": len(violations),
                             "collisions": sum(c.involves(slot.id) for c in crashes),
                             "ssm_conflicts": len(mine),
                             "min_ttc_s": min((c.min_ttc_s for c in mine if c.min_ttc_s == c.min_ttc_s), default=None),
                             "min_pet_s": min((c.min_pet_s for c in mine if c.min_pet_s == c.min_pet_s), default=None)})
        result.signals += [{"vehicle": slot.id, **row} for row in recorder.signal_rows()]
        result.trajectories += [{"vehicle": slot.id, "time_s": t, "odometer_m": d, "speed_mps": v, "edge": e}
                                for t, d, v, e in recorder.trajectory]
    result.preemptions = [asdict(event) for event in controller.events]
    result.requests = controller.messages
    result.violations = [{**asdict(v), "links": list(v.links)} for v in violations]
    counts = {f"violations_{kind}": sum(v.kind == kind for v in violations) for kind in KINDS}
    engines = {slot.id for slot in slots}
    result.other_traffic.update(counts)
    result.other_traffic.update({
        "collisions_other": sum(not (c.collider in engines or c.victim in engines) for c in crashes),
        "teleports_other": safety["teleports"] - sum(slot.teleported for slot in slots),
        "emergency_braking": safety["emergency_braking"], "held_for_engines": right_of_way.held_total,
    })
    problems = _invalid(slots, crashes, violations, exp.simulation.horizon_s)
    if problems and exp.simulation.invalid_runs == "fail":
        raise InvalidRun("; ".join(problems))
    return result


class InvalidRun(Exception):
    """An engine collided, teleported or did not arrive, or the conflict monitor found a violation: the run is
    recorded as failed with these reasons, never as numbers in a table."""


def _invalid(slots: list[EngineSlot], crashes: list[Collision], violations: list[Violation],
             horizon_s: float) -> list[str]:
    problems = [crash.describe(slot.id) for slot in slots for crash in crashes if crash.involves(slot.id)]
    problems += [f"{slot.id} was teleported by SUMO" for slot in slots if slot.teleported]
    problems += [f"{slot.id} did not arrive within the horizon ({horizon_s:g} s after the alarm)"
                 for slot in slots if slot.arrived_at is None]
    if violations:
        first = violations[0]
        problems.append(f"conflict monitor: {len(violations)} violation(s), first at signal {first.signal_id}, "
                        f"t = {first.time:g} s: {first.detail}")
    return problems


def _dispatch(session: SumoSession, dispatches: tuple[Dispatch, ...], fleet: dict[str, VehicleType],
              alarm_s: float) -> list[EngineSlot]:
    """Insert every dispatched vehicle (numbered within its unit) on its route, known from the alarm."""
    slots = []
    for number, d in enumerate(dispatches, start=1):
        vehicle_type = fleet[d.vehicle_type]
        slot = EngineSlot(id=f"{d.unit}_{number}_{vehicle_type.id}", unit=d.unit, vehicle_type=vehicle_type,
                          importance=d.importance)
        route = list(d.route) or session.find_route(d.origin_edge, d.destination_edge, vehicle_type)
        session.add_engine(slot, route, d.depart_s, d.depart_pos_m, d.arrival_pos_m, alarm_s)
        slots.append(slot)
    return slots
