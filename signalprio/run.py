"""One run: one incident, one seed, one strategy, in one SUMO. Returns rows for the tidy tables.

A run writes SUMO's own files (vehicle types, signal-state record, tripinfo) into a
private temporary folder, so runs can execute in parallel; only the rows survive.
"""

from __future__ import annotations

import functools
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from signalprio.control.rules import SafetyRules
from signalprio.control.strategies import make_controller
from signalprio.errors import UserError
from signalprio.experiment import Incident, LoadedExperiment
from signalprio.fleet import load_fleet, vtypes_additional
from signalprio.measure import EngineRecorder, other_traffic_delay
from signalprio.monitor import KINDS, check_record
from signalprio.sumo.network import Network, load_network
from signalprio.sumo.session import EngineSlot, SumoSession


@dataclass(frozen=True)
class RunSpec:
    experiment: LoadedExperiment
    incident: Incident
    seed: int
    strategy: str
    warm_state: Path | None = None  # SUMO state at the alarm time; None: simulate from 0

    @property
    def key(self) -> dict[str, object]:
        return {"strategy": self.strategy, "seed": self.seed, "incident": self.incident.id}


@dataclass
class RunResult:
    key: dict[str, object]
    trips: list[dict[str, object]] = field(default_factory=list)
    signals: list[dict[str, object]] = field(default_factory=list)
    preemptions: list[dict[str, object]] = field(default_factory=list)
    requests: list[dict[str, object]] = field(default_factory=list)
    violations: list[dict[str, object]] = field(default_factory=list)
    trajectories: list[dict[str, object]] = field(default_factory=list)
    other_traffic: dict[str, object] = field(default_factory=dict)


@functools.lru_cache(maxsize=4)
def _network(path: Path) -> Network:
    return load_network(path)


@functools.lru_cache(maxsize=4)
def safety_rules(path: Path, min_green_s: float) -> dict[str, SafetyRules]:
    network = _network(path)
    return {sid: SafetyRules.derive(s.program, s.foes, min_green_s) for sid, s in network.signals.items()}


def validate_edges(loaded: LoadedExperiment) -> None:
    """Every edge the experiment and scenario name must exist in the network."""
    network = _network(loaded.scenario.network_path())
    scenario_file = loaded.scenario.folder / "scenario.toml"
    checks = [(scenario_file, "station.edge", loaded.scenario.station.edge)]
    checks += [(scenario_file, "incident_edges", e) for e in loaded.scenario.incident_edges]
    checks += [(loaded.path, "incidents.edges", e) for e in loaded.experiment.incidents.edges or []]
    for file, field_name, edge in checks:
        if edge not in network.edge_lengths:
            raise UserError(f"{file}: field '{field_name}': unknown edge '{edge}' in {network.path.name}")


def plan_incidents(loaded: LoadedExperiment) -> list[Incident]:
    return loaded.incidents(_network(loaded.scenario.network_path()).edge_lengths)


def _record_signals_additional(network: Network, record: Path) -> str:
    events = "\n".join(
        f'    <timedEvent type="SaveTLSSwitchStates" source="{sid}" dest="{record}"/>'
        for sid in sorted(network.signals)
    )
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<additional>\n{events}\n</additional>\n'


def background_args(loaded: LoadedExperiment, seed: int) -> list[str]:
    """SUMO options shared by the warm-up and every run of one seed: same network, demand and seed."""
    exp, scenario = loaded.experiment, loaded.scenario
    return [
        "-n", str(scenario.network_path()),
        "-r", ",".join(str(p) for p in scenario.demand_paths(exp.load)),
        "--seed", str(seed), "--no-step-log", "true", "--no-warnings", "true",
        *exp.simulation.sumo_args,
    ]


def save_warm_states(loaded: LoadedExperiment, seed: int, alarms: list[float], folder: Path) -> dict[float, Path]:
    """Simulate the background traffic of one seed once, saving SUMO's state at every alarm time.

    Every strategy of an incident then starts from the same state (common random numbers),
    and the warm-up is paid once per seed instead of once per run.
    """
    exp = loaded.experiment
    network = _network(loaded.scenario.network_path())
    session = SumoSession(exp.simulation.backend, network, background_args(loaded, seed), exp.simulation.step_s)
    states: dict[float, Path] = {}
    session.start()
    try:
        for alarm in sorted(set(alarms)):
            session.advance_to(alarm)
            states[alarm] = session.save_state(folder / f"seed{seed}_t{alarm:g}.xml.gz")
    finally:
        session.close()
    return states


def execute_run(spec: RunSpec) -> RunResult:
    """Simulate one run and measure it; raises UserError for bad input, anything else is a failed run."""
    exp, scenario = spec.experiment.experiment, spec.experiment.scenario
    network = _network(scenario.network_path())
    rules = safety_rules(scenario.network_path(), exp.preemption.min_green_s)
    fleet = load_fleet()
    vehicle_type = fleet[exp.engine.vehicle]
    incident = spec.incident
    end = incident.alarm_s + exp.simulation.horizon_s
    result = RunResult(spec.key)
    with tempfile.TemporaryDirectory(prefix="signalprio-run-") as tmp:
        folder = Path(tmp)
        (folder / "fire.add.xml").write_text(vtypes_additional(fleet, exp.engine.red_crossing_kmh))
        record = folder / "signal_states.xml"
        (folder / "record.add.xml").write_text(_record_signals_additional(network, record))
        tripinfo = folder / "tripinfo.xml"
        start = ["--load-state", str(spec.warm_state)] if spec.warm_state else ["--begin", "0"]
        args = [
            *background_args(spec.experiment, spec.seed), *start, "--end", f"{end:g}",
            "-a", f"{folder / 'fire.add.xml'},{folder / 'record.add.xml'}",
            "--tripinfo-output", str(tripinfo), "--tripinfo-output.write-unfinished", "true",
        ]
        session = SumoSession(exp.simulation.backend, network, args, exp.simulation.step_s)
        session.start()
        try:
            engine = EngineSlot(id=f"{incident.id}_{vehicle_type.id}", unit=incident.id, vehicle_type=vehicle_type)
            route = session.find_route(scenario.station.edge, incident.edge, vehicle_type)
            session.add_engine(engine, route, incident.alarm_s + exp.engine.turnout_s,
                               scenario.station.position_m, incident.position_m)
            controller = make_controller(exp.strategy(spec.strategy).parameters(exp.preemption), network, rules)
            recorder = EngineRecorder(engine.id, incident.alarm_s)
            while session.time < end - 1e-9:
                session.step()
                obs = session.observe()
                for view in obs.engines:
                    recorder.record(obs.time, view)
                session.apply(controller.decide(obs))
            recorder.arrived_s = engine.arrived_at
        finally:
            session.close()
        violations = check_record(rules, record)
        result.other_traffic = other_traffic_delay(tripinfo, exclude={engine.id})
    unit = {"vehicle": engine.id, "vehicle_type": vehicle_type.id, "incident_edge": incident.edge,
            "teleported": engine.teleported}
    result.trips.append({**unit, **recorder.trip(), "monitor_violations": len(violations)})
    result.signals = [{"vehicle": engine.id, **row} for row in recorder.signal_rows()]
    result.trajectories = [{"vehicle": engine.id, "time_s": t, "odometer_m": d, "speed_mps": v}
                           for t, d, v in recorder.trajectory]
    result.preemptions = [asdict(event) for event in controller.events]
    result.requests = controller.messages
    result.violations = [{**asdict(v), "links": list(v.links)} for v in violations]
    counts = {f"violations_{kind}": sum(v.kind == kind for v in violations) for kind in KINDS}
    result.other_traffic.update(counts)
    return result

