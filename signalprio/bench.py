"""Benchmarks measured in one run on one scenario, reported as ratios and medians (machines are noisy).

- controller overhead: a full green-wave run (controller, conflict monitor, measurement) against
  the plain sumo binary on the same network, demand, seed and horizon;
- snapshot speed-up: incident runs late in a long peak, each simulated from the start against
  one warm-up with saved states;
- parallel efficiency: the same runs on one process and on every core;
- peak memory per worker after each run, which must not grow with the number of runs;
- for an experiment with a year of incidents: CPU-seconds per incident-run against plain SUMO over the same
  simulated period, to the horizon and ending once the engines have arrived, and the CPU-hours of a whole year.
"""

from __future__ import annotations

import dataclasses
import resource
import statistics
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass

from signalprio.dispatch import TravelTimes
from signalprio.errors import UserError
from signalprio.experiment import Incident, LoadedExperiment, Strategy
from signalprio.pipeline import network, plan_runs, plan_stream, run_experiment
from signalprio.run import background_args, execute_run, save_warm_states
from signalprio.runner import RunFailure, default_jobs, executor_for, run_guarded
from signalprio.runs import RunSpec
from signalprio.sumo.binaries import binary, tool_environment
from signalprio.year.availability import assign
from signalprio.year.dispatching import settings_of, spec_for, units_of


@dataclass(frozen=True)
class BenchResult:
    name: str
    value: float
    unit: str
    target: str
    detail: str


def _timed(action: Callable[[], object], repeats: int) -> float:
    """Median wall time of `repeats` calls."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _incidents(loaded: LoadedExperiment, count: int, first_alarm: float, spacing: float) -> list[Incident]:
    edge = loaded.scenario.incident_edges[0]
    load = loaded.experiment.load
    return [Incident(f"b{n:03d}", first_alarm + n * spacing, edge, 20.0, load=load) for n in range(count)]


def controller_overhead(loaded: LoadedExperiment, horizon_s: float, repeats: int) -> BenchResult:
    incident = _incidents(loaded, 1, 60.0, 0.0)[0]
    loaded = _with_horizon(loaded, horizon_s)
    spec = RunSpec(loaded, incident, 1, "green-wave")
    end = incident.alarm_s + horizon_s
    plain = [binary("sumo"), *background_args(loaded, 1, incident.load), "--begin", "0", "--end", f"{end:g}"]
    sumo = _timed(lambda: subprocess.run(plain, check=True, env=tool_environment(), capture_output=True), repeats)
    controlled = _timed(lambda: execute_run(spec), repeats)
    return BenchResult("controller overhead", controlled / sumo, "x plain SUMO", "<= 1.3",
                       f"green-wave run {controlled:.2f} s vs sumo binary {sumo:.2f} s, {end:g} s simulated, "
                       f"median of {repeats}")


def snapshot_speedup(loaded: LoadedExperiment, runs: int, peak_s: float, horizon_s: float, jobs: int) -> BenchResult:
    spacing = min(30.0, (peak_s * 0.1) / max(runs, 1))
    loaded = _bench_experiment(loaded, horizon_s, [1], _incidents(loaded, runs, peak_s - horizon_s - runs * spacing,
                                                                  spacing))
    start = time.perf_counter()
    execute_from_start(plan_runs(loaded), jobs)
    cold = time.perf_counter() - start
    start = time.perf_counter()
    with executor_for(jobs) as pool:
        run_experiment(loaded, pool)
    warm = time.perf_counter() - start
    return BenchResult("snapshot speed-up", cold / warm, "x", ">= 5",
                       f"{runs} runs ending by {peak_s:g} s of peak: {cold:.1f} s each from the start vs {warm:.1f} s "
                       f"from saved states (warm-up included), {jobs} processes")


def execute_from_start(specs: list[RunSpec], jobs: int) -> None:
    """The same runs without saved states: each simulates its background traffic from 0 s."""
    with executor_for(jobs) as pool:
        for future in pool.as_completed([pool.submit(run_guarded, spec) for spec in specs]):
            outcome = future.result()
            if isinstance(outcome, RunFailure):
                raise RuntimeError(outcome.message)


def parallel_efficiency(loaded: LoadedExperiment, runs: int, horizon_s: float) -> tuple[BenchResult, BenchResult]:
    cores = default_jobs()
    loaded = _bench_experiment(loaded, horizon_s, [1, 2], _incidents(loaded, runs // 2, 300.0, 20.0))
    specs = plan_runs(loaded)
    start = time.perf_counter()
    with executor_for(1) as pool:
        run_experiment(loaded, pool)
    serial = time.perf_counter() - start
    start = time.perf_counter()
    with executor_for(cores) as pool:
        run_experiment(loaded, pool)
    parallel = time.perf_counter() - start
    efficiency = serial / (cores * parallel) if cores > 1 else 1.0
    memory = _memory_per_worker(specs, cores)
    return (BenchResult("parallel efficiency", 100 * efficiency, "%", ">= 85 % on 2 cores",
                        f"{len(specs)} runs: {serial:.1f} s on 1 process, {parallel:.1f} s on {cores}"),
            memory)


def _rss_after_run(spec: RunSpec) -> tuple[int, float]:
    """Run, then report this worker's process id and peak resident memory (MB)."""
    import os

    execute_run(spec)
    return os.getpid(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _memory_per_worker(specs: list[RunSpec], jobs: int) -> BenchResult:
    per_worker: dict[int, list[float]] = {}
    with executor_for(jobs) as pool:
        for spec in specs:  # in order, so each worker's list grows with its number of runs
            pid, mb = pool.submit(_rss_after_run, spec).result()
            per_worker.setdefault(pid, []).append(mb)
    growth = max(values[-1] - values[min(2, len(values) - 1)] for values in per_worker.values())
    peak = max(max(values) for values in per_worker.values())
    return BenchResult("peak memory per worker", peak, "MB", "no growth with the number of runs",
                       f"growth from the 3rd to the last run of a worker: {growth:+.1f} MB "
                       f"({len(specs)} runs; worker processes: {len(per_worker)})")


def _with_horizon(loaded: LoadedExperiment, horizon_s: float) -> LoadedExperiment:
    exp = loaded.experiment
    # short horizons end runs before engines arrive: the benchmarks time runs, they report no results
    simulation = exp.simulation.model_copy(update={"horizon_s": horizon_s, "invalid_runs": "keep"})
    return dataclasses.replace(loaded, experiment=exp.model_copy(update={"simulation": simulation}))


def _bench_experiment(loaded: LoadedExperiment, horizon_s: float, seeds: list[int],
                      incidents: list[Incident]) -> LoadedExperiment:
    """The experiment's scenario and parameters with the green wave only, on the bench's own incidents."""
    loaded = _with_horizon(loaded, horizon_s)
    strategies = [Strategy(name="green-wave", trigger="green-wave")]
    experiment = loaded.experiment.model_copy(update={"strategies": strategies, "seeds": seeds})
    return dataclasses.replace(loaded, experiment=experiment, given_incidents=tuple(incidents))


def year_run_cost(loaded: LoadedExperiment, runs: int) -> list[BenchResult]:
    """The year's first `runs` incidents as the year dispatches them (first layout, green wave where the experiment
    has it), each timed in CPU-seconds of this process (libsumo runs SUMO in it): to the horizon, ending once the
    engines have arrived, and that around the engines' routes only (signalprio.zone), whose engine times are
    compared with those of the whole network; plain SUMO loads the same state and simulates the horizon (CPU of the
    child)."""
    settings, exp = settings_of(loaded), loaded.experiment
    net = network(loaded)
    stream = plan_stream(loaded, runs)
    layout = loaded.layouts()[0]
    strategy = next((s.name for s in exp.strategies if s.trigger == "green-wave"), exp.strategies[0].name)
    dispatched = [a for a in assign(stream, units_of(loaded, layout), lambda kind: settings.types[kind].vehicles,
                                    TravelTimes(net).seconds, {}, settings.return_factor) if a.sent]
    if not dispatched:
        raise UserError(f"{loaded.path}: the year's first {runs} incidents send no unit from layout '{layout}' "
                        "(no station has the vehicle types its incident types alarm)")
    around = exp.simulation.model_copy(update={"end": "engines-arrived", "area": "around-routes"})
    warm = dataclasses.replace(loaded, experiment=exp.model_copy(update={"simulation": around}))
    alarms: dict[str, list[float]] = {}
    for assignment in dispatched:  # one warm-up per load, with the passages: every variant starts from it
        incident = spec_for(warm, layout, strategy, exp.seeds[0], assignment).incident
        alarms.setdefault(incident.load, []).append(incident.alarm_s)
    states = {(load, alarm): start for load, times in alarms.items()
              for alarm, start in save_warm_states(warm, exp.seeds[0], load, times).items()}
    variants = {"horizon": ("horizon", "network"), "engines-arrived": ("engines-arrived", "network"),
                "around-routes": ("engines-arrived", "around-routes")}
    cpu: dict[str, list[float]] = {name: [] for name in variants}
    driving: dict[str, dict[str, float]] = {name: {} for name in variants}
    plain: list[float] = []
    for name, (end, area) in variants.items():
        simulation = exp.simulation.model_copy(update={"end": end, "area": area, "backend": "libsumo",
                                                       "invalid_runs": "keep"})
        variant = dataclasses.replace(loaded, experiment=exp.model_copy(update={"simulation": simulation}))
        for assignment in dispatched:
            spec = spec_for(variant, layout, strategy, exp.seeds[0], assignment)
            key = (spec.incident.load, spec.incident.alarm_s)
            started = time.process_time()
            result = execute_run(dataclasses.replace(spec, warm_state=states[key]))
            cpu[name].append(time.process_time() - started)
            driving[name].update({f"{spec.incident.id}/{trip['vehicle']}": float(str(trip["driving_s"]))
                                  for trip in result.trips if trip["arrived"]})
            if name == "horizon":
                plain.append(_plain_sumo_cpu(variant, spec, states[key].state))
    full, early, cut = (statistics.median(cpu[name]) for name in variants)
    sumo = statistics.median(plain)
    year_runs = settings.incidents_per_year * len(exp.strategies) * len(loaded.layouts()) * len(exp.seeds)
    detail = f"median of {len(dispatched)} incident-runs of the year on {loaded.scenario.name}"
    return [
        BenchResult("incident-run to the horizon", full, "CPU-s", "-",
                    f"{detail}, {full / sumo:.2f}x plain SUMO ({sumo:.2f} CPU-s for the same "
                    f"{exp.simulation.horizon_s:g} s)"),
        BenchResult("incident-run ending at arrival", early, "CPU-s", "-",
                    f"{detail}, {early / sumo:.2f}x plain SUMO to the horizon; engine times identical "
                    "(tests/test_early_end.py)"),
        BenchResult("incident-run around the routes", cut, "CPU-s", "<= 1.1 (a year in 24 CPU-h)",
                    f"{detail}, ending at arrival, {cut / sumo:.2f}x plain SUMO to the horizon, {early / cut:.1f}x "
                    f"faster than the whole network; "
                    f"{_differences(driving['engines-arrived'], driving['around-routes'])}"),
        BenchResult("a whole year", year_runs * cut / 3600, "CPU-h", "<= 24",
                    f"{year_runs} runs ({settings.incidents_per_year} incidents x strategies x layouts x seeds) "
                    f"around the routes; the whole network ending at arrival {year_runs * early / 3600:.0f} CPU-h, "
                    f"to the horizon {year_runs * full / 3600:.0f} CPU-h; warm-ups and re-dispatch rounds not "
                    "included"),
    ]


def _differences(whole: dict[str, float], around: dict[str, float]) -> str:
    """How far the engines' driving times around the routes are from the whole network's, engine by engine."""
    paired = [around[key] - whole[key] for key in whole if key in around]
    if not paired:
        return "no engine arrived in both"
    spread = sorted(abs(d) for d in paired)
    return (f"engine driving time minus the whole network's over {len(paired)} engines: "
            f"mean {statistics.mean(paired):+.1f} s, "
            f"median |difference| {statistics.median(spread):.1f} s, largest {spread[-1]:.0f} s")


def _plain_sumo_cpu(loaded: LoadedExperiment, spec: RunSpec, state: bytes) -> float:
    """CPU-seconds of the sumo binary loading the run's state and simulating its horizon, nothing else."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="signalprio-bench-") as tmp:
        path = f"{tmp}/state.xml.gz"
        with open(path, "wb") as file:
            file.write(state)
        end = spec.incident.alarm_s + loaded.experiment.simulation.horizon_s
        command = [binary("sumo"), *background_args(loaded, spec.seed, spec.incident.load), "--load-state", path,
                   "--end", f"{end:g}"]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(command, check=True, env=tool_environment(), capture_output=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def run_benchmarks(loaded: LoadedExperiment, quick: bool) -> list[BenchResult]:
    if loaded.experiment.year is not None:
        return year_run_cost(loaded, runs=3 if quick else 12)
    jobs = default_jobs()
    if quick:
        overhead = controller_overhead(loaded, 600.0, repeats=1)
        snapshot = snapshot_speedup(loaded, runs=4, peak_s=1800.0, horizon_s=120.0, jobs=jobs)
        efficiency, memory = parallel_efficiency(loaded, runs=4, horizon_s=120.0)
    else:
        overhead = controller_overhead(loaded, 3600.0, repeats=3)
        snapshot = snapshot_speedup(loaded, runs=20, peak_s=7200.0, horizon_s=300.0, jobs=jobs)
        efficiency, memory = parallel_efficiency(loaded, runs=16, horizon_s=300.0)
    return [overhead, snapshot, efficiency, memory]


def describe_machine() -> str:
    import platform

    return f"{default_jobs()} cores, {platform.processor() or platform.machine()}, Python {platform.python_version()}"

