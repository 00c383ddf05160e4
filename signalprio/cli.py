"""Command-line interface: `signalprio run`, `signalprio network arterial`, `signalprio version`.

Input errors print one line naming the file and field and exit with status 2; failed runs
are reported and give status 1 after every other run has been written.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import signal
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from signalprio import __version__
from signalprio.errors import UserError
from signalprio.names import BASELINE

if TYPE_CHECKING:
    import pandas as pd

    from signalprio.build.osm import Corridor
    from signalprio.compliance.plans import RequirementPlan
    from signalprio.experiment import Experiment, LoadedExperiment
    from signalprio.regress import Check
    from signalprio.runner import RunFailure
    from signalprio.runs import RunResult
    from signalprio.store import RunStore

app = typer.Typer(help="Signal preemption for fire engines on SUMO, measured against fire-cover plans.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
network_app = typer.Typer(help="Build scenario networks.", no_args_is_help=True)
app.add_typer(network_app, name="network")
# Logs and files get a fixed width wide enough for the summary table; terminals use their own.
console = Console(width=None if sys.stdout.isatty() else 140)
errors = Console(stderr=True, width=None if sys.stderr.isatty() else 200)

DEFAULT_EXPERIMENT = Path("experiments/default.toml")


def _fail(error: UserError) -> typer.Exit:
    # escaped: messages are plain text, and rich would take e.g. "signalprio[report]" for markup and drop it
    errors.print(f"[bold red]error:[/] {escape(str(error))}", highlight=False, soft_wrap=True)
    return typer.Exit(2)


@app.command()
def run(
    experiment: Annotated[Path, typer.Argument(
        help="Experiment file (TOML), or the name of a shipped one (default, regression, ...).")] = DEFAULT_EXPERIMENT,
    jobs: Annotated[int | None, typer.Option(
        "--jobs", "-j", min=1, help="Parallel SUMO processes (default: all cores).")] = None,
    results: Annotated[Path, typer.Option(
        help="Folder for results; the experiment's name is appended.")] = Path("results"),
    backend: Annotated[str | None, typer.Option(help="libsumo or traci; overrides the experiment file.")] = None,
    executor: Annotated[str, typer.Option(help="local (processes on this machine) or dask.")] = "local",
    scheduler: Annotated[str | None, typer.Option(help="Dask scheduler address, e.g. tcp://10.0.0.5:8786.")] = None,
    retry_failed: Annotated[bool, typer.Option("--retry-failed", help="Rerun runs that failed before.")] = False,
    fresh: Annotated[bool, typer.Option("--fresh", help="Discard finished runs of this experiment first.")] = False,
    envelope: Annotated[str | None, typer.Option(
        help="Also run under these no-priority behaviours, e.g. cautious,typical,assertive (overrides the file's).")
    ] = None,
) -> None:
    """Run an experiment: every incident x seed x strategy, then print the summary tables.

    Finished runs are kept one file each; running the same command again skips them.
    """
    from signalprio.envelope import behaviour_of, variants, with_envelope
    from signalprio.experiment import load_experiment
    from signalprio.pipeline import Results, plan_incidents, run_experiment, save, save_envelope
    from signalprio.runner import executor_for
    from signalprio.shipped import resolve_experiment
    from signalprio.store import RunStore

    started = time.perf_counter()
    stores: list[RunStore] = []
    try:
        _check_executor(executor, scheduler)
        loaded = load_experiment(resolve_experiment(experiment))
        if backend is not None:
            if backend not in ("libsumo", "traci"):
                raise UserError(f"--backend: '{backend}' is not libsumo or traci")
            simulation = loaded.experiment.simulation.model_copy(update={"backend": backend})
            loaded = dataclasses.replace(loaded,
                                         experiment=loaded.experiment.model_copy(update={"simulation": simulation}))
        if envelope is not None:
            loaded = with_envelope(loaded, envelope)
        exp = loaded.experiment
        folder = results / exp.name
        plan_incidents(loaded)  # bad edges, routes or incident files stop here, before anything is written
        # the experiment itself, then its no-priority envelope (each behaviour a complete experiment of its own)
        arms = [(behaviour_of(exp.engine), loaded, folder),
                *((name, variant, folder / "envelope" / name) for name, variant in variants(loaded))]
        outcomes: list[tuple[str, Results]] = []
        with _stop_on_sigterm(), executor_for(jobs, scheduler) as pool:
            for label, arm, where in arms:
                stores.append(RunStore(where / "runs.d", arm.digest(), fresh=fresh))
                with _RunProgress(arm, label if len(arms) > 1 else None) as progress:
                    outcome = run_experiment(arm, pool, stores[-1], retry_failed=retry_failed, progress=progress)
                if outcome.done:
                    save(outcome, where)
                outcomes.append((label, outcome))
        envelope = save_envelope(folder, outcomes) if len(arms) > 1 else None
    except UserError as error:
        raise _fail(error) from None
    except KeyboardInterrupt as stop:  # exit status 128 + the signal's number, as a shell reports it
        sigterm = stop.args == ("SIGTERM",)
        raise _stopped(stores[-1] if stores else None, f"stopped ({'SIGTERM' if sigterm else 'Ctrl-C'})",
                       143 if sigterm else 130) from None
    except OSError as error:  # disk full, no permission, a file where a folder should be
        raise _stopped(stores[-1] if stores else None, _os_problem(error),
                       1 if error.errno == errno.ENOSPC else 2) from None
    finally:
        for store in stores:
            store.close()
    outcome = outcomes[0][1]
    if outcome.done:
        _print_summary(outcome.summary, outcome.frames["compliance"], exp, loaded.plan)
        for plan in loaded.plans:
            _print_compliance(outcome.frames["compliance"], plan)
            _print_layouts(outcome.frames["compliance_layouts"], plan)
    if envelope is not None and len(envelope):
        _print_envelope(envelope, loaded.plan)
    failed = [failure for _, arm_outcome in outcomes for failure in arm_outcome.failed]
    for key, message in failed:
        errors.print(f"[red]failed run[/] {key}: {escape(message)}", highlight=False)
    console.print(f"results: {folder}/ ({sum(o.done for _, o in outcomes)} runs, {len(failed)} failed; "
                  f"{time.perf_counter() - started:.0f} s)")
    if failed:
        raise typer.Exit(1)


def _check_executor(executor: str, scheduler: str | None) -> None:
    if executor not in ("local", "dask") or (executor == "dask") != (scheduler is not None):
        raise UserError("--executor: use 'local', or 'dask' together with --scheduler ADDRESS")


@contextlib.contextmanager
def _stop_on_sigterm() -> Iterator[None]:
    """`kill` stops a run as Ctrl-C does: workers stopped, what is saved stays saved, one line says so."""
    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt("SIGTERM")

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _stopped(store: RunStore | None, why: str, code: int) -> typer.Exit:
    """One line: why the run stopped, what is saved, how to go on."""
    if store is None:
        errors.print(f"[bold red]{escape(why)}[/]: nothing was saved", highlight=False)
    else:
        done, failed = store.counts()
        saved = "1 run is" if done == 1 else f"{done} runs are"
        errors.print(f"[bold red]{escape(why)}[/]: {saved} saved ({failed} failed) in {store.folder}; run "
                     "the same command again to continue from there", highlight=False, soft_wrap=True)
    return typer.Exit(code)


class _RunProgress:
    """The experiment's line, then a progress bar with done, failed and time left; where output is not a terminal
    (CI logs, a file) a line every 5 % instead."""

    def __init__(self, loaded: LoadedExperiment, behaviour: str | None = None) -> None:
        self._loaded = loaded
        self._behaviour = behaviour
        self._bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                             TextColumn("failed {task.fields[failed]}"), TimeRemainingColumn(), console=console,
                             transient=True, disable=not console.is_terminal)
        self._task = self._bar.add_task("runs", total=0, failed=0)
        self._failed = self._finished = self._todo = 0
        self._started = time.perf_counter()

    def __enter__(self) -> _RunProgress:
        self._bar.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._bar.__exit__(None, None, None)

    def started(self, planned: int, todo: int) -> None:
        exp = self._loaded.experiment
        behaviour = f" (no-priority behaviour: {self._behaviour})" if self._behaviour else ""
        console.print(f"[bold]{exp.name}[/]{behaviour}: {planned} runs on scenario "
                      f"[cyan]{self._loaded.scenario.name}[/] "
                      f"({exp.load} load, strategies {', '.join(s.name for s in exp.strategies)}, seeds {exp.seeds}); "
                      f"{planned - todo} already done or failed before, {todo} to run", soft_wrap=True)
        # a year simulates in rounds: each round's runs are counted afresh (they were counted on, past 100 %)
        self._bar.reset(self._task, total=todo, failed=0)
        self._todo, self._started, self._finished, self._failed = todo, time.perf_counter(), 0, 0

    def finished(self, outcome: RunResult | RunFailure) -> None:
        from signalprio.runner import RunFailure

        self._failed += isinstance(outcome, RunFailure)
        self._finished += 1
        self._bar.update(self._task, advance=1, failed=self._failed)
        if not console.is_terminal and (20 * self._finished // self._todo > 20 * (self._finished - 1) // self._todo):
            elapsed = time.perf_counter() - self._started
            left = elapsed / self._finished * (self._todo - self._finished)
            console.print(f"runs {self._finished}/{self._todo} ({100 * self._finished // self._todo} %), "
                          f"failed {self._failed}, {elapsed:.0f} s so far, about {left:.0f} s left", highlight=False)


@app.command()
def compliance(
    folder: Annotated[Path, typer.Argument(help="A results folder written by 'signalprio run'.")],
    plan: Annotated[list[str] | None, typer.Option(
        "--plan", "-p", help="Preset name or plan file; repeatable.")] = None,
) -> None:
    """Evaluate saved runs against requirement plans (from the tables alone, no simulation) and save the tables
    in FOLDER/plans/<plan>/; `signalprio report FOLDER --plan` draws the report under such a plan."""
    from signalprio.compliance.plans import DEFAULT_PLAN, load_plan
    from signalprio.results import evaluate_under, read_summary, read_table

    try:
        runs = read_table(folder, "runs")
        stamp = read_summary(folder).provenance
        plans = [load_plan(reference) for reference in plan or [DEFAULT_PLAN]]
    except UserError as error:
        raise _fail(error) from None
    for p in plans:
        frames = evaluate_under(runs, p, stamp, folder / "plans" / plan_folder(p.name))
        _print_compliance(frames["compliance"], p)
        _print_layouts(frames["compliance_layouts"], p)
        console.print(f"saved: {folder / 'plans' / plan_folder(p.name)}/")


def plan_folder(name: str) -> str:
    """'Mannheim 2024' -> 'mannheim-2024': a plan's tables go to plans/<this>/."""
    return "-".join("".join(ch if ch.isalnum() else " " for ch in name.lower()).split()) or "plan"


def _print_summary(summary: pd.DataFrame, compliance: pd.DataFrame, exp: Experiment, plan: RequirementPlan) -> None:
    """Two tables, so that each fits a log's 140 columns: what the runs achieved and cost, and how safe they were."""
    from signalprio.compliance.evaluate import ARM
    from signalprio.envelope import describe_behaviour

    first = plan.stages[0]
    stage_rate = compliance[(compliance["plan"] == plan.name) & (compliance["stage_index"] == 0)].set_index(ARM)
    layouts = summary["layout"].nunique() > 1
    runs = _arm_table(f"Fire-engine runs: {exp.description or exp.name}", layouts, (
        "vehicle trips", "driving median", "driving P90", f"{first.name} met", "saved per signal", "others' delay",
        "recovery"), (
        f"{plan.name} {first.name}: {first.crew} Funktionen within {first.time_limit_s / 60:g} min, "
        f"{plan.clock_label}; target {100 * first.target_rate:.0f} %.\n"
        "Saved per signal: driving time saved against 'none' per signal passed, same vehicle, incident and seed. "
        "Others' delay: change in total delay of all other vehicles per incident against 'none'. Recovery: median "
        "seconds from check-out until the signal is back in step with its plan. "
        f"Without priority the engine drives '{describe_behaviour(exp.engine)}'"
        + ("" if exp.envelope else "; --envelope cautious,typical,assertive reruns under each "
           "behaviour to show how much of the benefit is assumption") + "."
        + (" Each layout is compared with its own 'none'." if layouts else "")
        + ("" if BASELINE in set(summary["strategy"]) else
           " This experiment has no 'none' strategy, so nothing is compared with driving without priority ('-').")))
    safety = _arm_table("Safety of the emergency runs", layouts, (
        "violations / collisions / teleports", "reds entered", "conflicts", "emergency braking", "held"), (
        "Violations / collisions / teleports: conflict-monitor violations, engine collisions and engine teleports "
        "(runs with any of these fail and are not in the tables). Reds entered: red signals an engine crossed "
        "without a green of its own, per trip, and the fastest entry. Conflicts: encounters of an engine with "
        "time-to-collision below 1.5 s or post-encroachment time below 1 s (SUMO's SSM device), per trip. "
        "Emergency braking: SUMO's count in the whole network per run. Held: vehicles stopped for an engine "
        "crossing red, per run."))
    for row in summary.itertuples():
        baseline = row.strategy == BASELINE
        change = getattr(row, "other_delay_change_per_incident_s", float("nan")) / 3600
        pct = getattr(row, "other_delay_change_pct", float("nan"))
        saved = getattr(row, "saved_per_signal_s", float("nan"))
        rate = stage_rate["rate"].get((row.layout, row.strategy), float("nan")) if len(stage_rate) else float("nan")
        arm = [str(row.layout)] if layouts else []
        runs.add_row(*arm, str(row.strategy), str(row.trips),
                     _minutes(row.driving_median_s), _minutes(row.driving_p90_s),
                     "-" if rate != rate else f"{100 * rate:.0f} %",
                     "baseline" if baseline else "-" if saved != saved else f"{saved:.1f} s",
                     "baseline" if baseline else "-" if change != change else f"{change:+.2f} veh·h ({pct:+.1f} %)",
                     "-" if row.recovery_median_s != row.recovery_median_s else f"{row.recovery_median_s:.0f} s")
        safety.add_row(*arm, str(row.strategy),
                       f"{row.monitor_violations} / {row.engine_collisions} / {row.engine_teleports}",
                       _reds(row.reds_entered_per_trip, row.red_entry_speed_max_kmh),
                       f"{row.ssm_conflicts_per_trip:.2f}",
                       f"{row.emergency_braking_per_run:.1f}", f"{row.held_for_engines_per_run:.1f}")
    console.print(runs)
    console.print(safety)


def _arm_table(title: str, layouts: bool, headers: tuple[str, ...], caption: str) -> Table:
    """A table with one row per station layout and strategy, figures right-aligned."""
    table = Table(title=title, title_justify="left", caption=caption, caption_justify="left")
    if layouts:
        table.add_column("stations", no_wrap=True)
    table.add_column("strategy", no_wrap=True)
    for header in headers:
        table.add_column(header, justify="right")
    return table


def _reds(per_trip: float, fastest_kmh: float) -> str:
    """'0.55 (≤ 11 km/h)': red signals entered per trip and the fastest entry."""
    return f"{per_trip:.2f}" + ("" if fastest_kmh != fastest_kmh else f" (≤ {fastest_kmh:.0f} km/h)")


@app.command()
def calibration(
    folder: Annotated[Path, typer.Argument(help="A results folder written by 'signalprio run'.")],
    strategy: Annotated[str, typer.Option(help="Strategy to measure (the baseline, 'none', by default).")] = BASELINE,
) -> None:
    """Compare the run without priority with field figures: average speed in town, time lost per red crossed."""
    from signalprio.calibration import calibration as measure
    from signalprio.results import read_table

    try:
        runs, signals = read_table(folder, "runs"), read_table(folder, "signals")
        if strategy not in set(runs["strategy"]):
            raise UserError(f"--strategy: '{strategy}' has no runs in {folder} "
                            f"(has: {', '.join(dict.fromkeys(runs['strategy']))})")
    except UserError as error:
        raise _fail(error) from None
    figures = measure(runs, signals, strategy)
    table = Table(title=f"Calibration of '{strategy}' against field figures ({folder})", title_justify="left",
                  caption=("Average speed: distance over driving time per engine trip. Loss at a signal: SUMO's time "
                           "loss against the free speed while approaching it; 'red crossed' when the engine's link "
                           "showed red as it crossed the stop line. n counts engine trips or signal passages."),
                  caption_justify="left")
    for header in ("figure", "n", "median", "mean", "P10-P90", "field", "inside", "source"):
        table.add_column(header, justify="left" if header in ("figure", "source") else "right")
    for row in figures.itertuples():
        field = "" if row.field_low != row.field_low else f"{row.field_low:g}-{row.field_high:g}"
        table.add_row(str(row.figure), str(row.n), f"{row.median:.1f}", f"{row.mean:.1f}",
                      f"{row.p10:.1f}-{row.p90:.1f}", field, {True: "yes", False: "no"}.get(row.inside, ""),
                      str(row.source))
    console.print(table)


def _print_compliance(summary: pd.DataFrame, plan: RequirementPlan) -> None:
    """The headline table a fire service reviews: Erreichungsgrad per stage and strategy."""
    rows = summary[summary["plan"] == plan.name]
    if rows.empty:
        console.print(f"{plan.name}: no stage evaluated: the dispatched crew is smaller than the "
                      f"{plan.required_crew(0)} Funktionen of {plan.stages[0].name}")
        return
    table = Table(title=f"Erreichungsgrad (achievement rate), {plan.name}: {plan.clock_label}", title_justify="left",
                  caption=("Rate: share of incidents in which the required Funktionen arrived within the limit, with "
                           "95 % Wilson interval; n counts incidents, each incident's seeds averaged. Change: against "
                           "'none'" + (" of the same station layout" if rows["layout"].nunique() > 1 else "")
                           + " on the same incidents, 95 % bootstrap interval over incidents and sign-test p "
                           "(McNemar's with one seed). Arrival: median time on the plan's clock."),
                  caption_justify="left")
    _rate_table(table, rows, plan, "change vs none [95 % CI]", lambda row: row.strategy == BASELINE)


def _print_layouts(layouts: pd.DataFrame, plan: RequirementPlan) -> None:
    """Station layouts and strategies against the first layout without priority (only with layouts)."""
    rows = layouts[layouts["plan"] == plan.name] if len(layouts) else layouts
    if rows.empty:
        return
    reference = rows["reference"].iloc[0]
    table = Table(title=f"Station layouts against {reference}, {plan.name}: {plan.clock_label}", title_justify="left",
                  caption=(f"Change: against {reference} on the same incidents, 95 % bootstrap interval over "
                           "incidents and sign-test p: what each layout and strategy adds to today's cover."),
                  caption_justify="left")
    _rate_table(table, rows, plan, f"change vs {reference} [95 % CI]",
                lambda row: f"{row.layout}/{row.strategy}" == reference)


def _rate_table(table: Table, rows: pd.DataFrame, plan: RequirementPlan, change_header: str,
                is_reference: Callable[[Any], bool]) -> None:
    """Rates per stage; the change against the reference rows ('-' where the experiment has no reference)."""
    layouts = rows["layout"].nunique() > 1
    headers = ["stage", *(["stations"] if layouts else []), "strategy", "n", "rate [95 % CI]", "target",
               change_header, "p", "arrival"]
    for header in headers:
        table.add_column(header, justify="left" if header in ("stage", "stations", "strategy") else "right",
                         no_wrap=True)
    for row in rows.itertuples():
        stage = plan.stages[row.stage_index]
        label = f"{row.stage}: {plan.required_crew(row.stage_index)} F in {stage.time_limit_s / 60:g} min"
        change, p = ("baseline" if is_reference(row) else "-"), ""
        if "rate_change" in rows.columns and row.rate_change == row.rate_change:
            change = (f"{100 * row.rate_change:+.0f} pt [{100 * row.rate_change_low:+.0f}, "
                      f"{100 * row.rate_change_high:+.0f}]")
            p = f"{row.rate_change_p:.3f}" if row.rate_change_p >= 0.001 else "<0.001"
        table.add_row(label, *([str(row.layout)] if layouts else []), str(row.strategy), str(row.n),
                      f"{100 * row.rate:.0f} % [{100 * row.rate_low:.0f}, {100 * row.rate_high:.0f}]",
                      f"{100 * row.target_rate:.0f} %", change, p, _minutes(row.arrival_median_s))
    console.print(table)


def _print_envelope(envelope: pd.DataFrame, plan: RequirementPlan) -> None:
    """The benefit of priority under each no-priority behaviour: how much of the result is assumption."""
    table = Table(title=f"Envelope: {envelope['stage'].iloc[0]} of {plan.name} under each no-priority behaviour",
                  title_justify="left",
                  caption=("Each behaviour is a complete rerun of the experiment (same incidents and seeds). Red at: "
                           "the engine's speed through a red without priority; held from: the distance from which "
                           "cross traffic stops for it; speed factor: its free speed over the limit "
                           "(docs/vehicles.md). Change: against 'none' under the same behaviour, 95 % paired "
                           "bootstrap interval."),
                  caption_justify="left")
    layouts = envelope["layout"].nunique() > 1
    for header in ("behaviour", "red at", "held from", "speed factor",
                   *(["stations"] if layouts else []), "strategy", "n", "rate [95 % CI]", "change vs none [95 % CI]",
                   "arrival"):
        table.add_column(header, justify="left" if header in ("behaviour", "stations", "strategy") else "right",
                         no_wrap=True)
    for row in envelope.itertuples():
        change = "baseline" if row.strategy == BASELINE else "-"
        if row.rate_change == row.rate_change:
            change = (f"{100 * row.rate_change:+.0f} pt [{100 * row.rate_change_low:+.0f}, "
                      f"{100 * row.rate_change_high:+.0f}]")
        table.add_row(str(row.behaviour), f"{row.red_crossing_kmh:g} km/h", f"{row.reaction_distance_m:g} m",
                      "types' own" if row.speed_factor != row.speed_factor else f"{row.speed_factor:g}",
                      *([str(row.layout)] if layouts else []), str(row.strategy), str(row.n),
                      f"{100 * row.rate:.0f} % [{100 * row.rate_low:.0f}, {100 * row.rate_high:.0f}]", change,
                      _minutes(row.arrival_median_s))
    console.print(table)


def _minutes(seconds: float) -> str:
    if seconds != seconds:  # NaN: no engine arrived
        return "-"
    whole = round(float(seconds))  # float(): round() of a NumPy 1.x float gives a float, not an int
    return f"{whole // 60}:{whole % 60:02d} min"


@network_app.command("arterial")
def network_arterial(
    folder: Annotated[Path, typer.Argument(help="Where to write the scenario.")],
    intersections: Annotated[int, typer.Option(min=1, help="Number of signalised intersections.")] = 6,
    spacing: Annotated[float, typer.Option(min=50, help="Distance between intersections (m).")] = 300.0,
    lanes: Annotated[int, typer.Option(min=1, max=4, help="Lanes per direction on the arterial.")] = 2,
    cycle: Annotated[float, typer.Option(min=40, help="Cycle length (s).")] = 90.0,
    progression: Annotated[float, typer.Option(min=10, help="Green-wave design speed for offsets (km/h).")] = 50.0,
    demand: Annotated[float, typer.Option(min=0, help="Inbound arterial volume at peak (veh/h).")] = 1200.0,
    force: Annotated[bool, typer.Option("--force", help="Write into a folder that is not empty.")] = False,
) -> None:
    """Generate a synthetic arterial scenario (network, peak and off-peak demand, scenario.toml)."""
    from signalprio.build.arterial import ArterialParameters, build_arterial
    from signalprio.files import claim_folder

    parameters = ArterialParameters(intersections=intersections, spacing_m=spacing, lanes=lanes, cycle_s=cycle,
                                    progression_kmh=progression, forward_veh_h=demand,
                                    backward_veh_h=demand / 2, side_veh_h=demand / 8)
    try:
        claim_folder(folder, force)
        build_arterial(folder, parameters)
    except UserError as error:
        raise _fail(error) from None
    console.print(f"scenario written to {folder}/")


@network_app.command("from-osm")
def network_from_osm(
    source: Annotated[Path, typer.Argument(help="OpenStreetMap extract (.osm or .osm.pbf).")],
    name: Annotated[str, typer.Option(help="Scenario name (letters, digits, - and _).")],
    bbox: Annotated[str | None, typer.Option(help="west,south,east,north in degrees (default: everything).")] = None,
    out: Annotated[Path | None, typer.Option(help="Scenario folder (default: networks/NAME).")] = None,
    corridor: Annotated[str | None, typer.Option(help="Street name of the corridor for the engines.")] = None,
    period: Annotated[float, typer.Option(min=0.1, help="Mean seconds between generated trips at peak.")] = 1.5,
    force: Annotated[bool, typer.Option("--force", help="Write into a folder that is not empty.")] = False,
) -> None:
    """Build a scenario from OpenStreetMap: signals, demand weighted to arterials, the engines' corridor."""
    from signalprio.build.osm import build_osm_scenario
    from signalprio.files import claim_folder

    try:
        claim_folder(out or Path("networks") / name, force)
        box = None
        if bbox is not None:
            try:
                west, south, east, north = (float(v) for v in bbox.split(","))
            except ValueError:
                raise UserError(f"--bbox: '{bbox}' is not west,south,east,north") from None
            if not (west < east and south < north):
                raise UserError(f"--bbox: '{bbox}' must have west < east and south < north")
            box = (west, south, east, north)
        built = build_osm_scenario(source, name, out or Path("networks") / name, box, period, corridor)
    except UserError as error:
        raise _fail(error) from None
    folder, corridors = built.folder, built.corridors
    through = sum(len(c.signals) >= 2 for c in corridors)
    console.print(f"network: {built.edges:,} edges, {built.signals:,} signals, {through:,} corridors (streets through "
                  "two or more signals)")
    _print_corridors(corridors[:8])
    if not corridors or len(corridors[0].signals) < 2:
        console.print(f"scenario written to {folder}/, but no street passes two or more signals in that area: its "
                      "station and incident edge are placeholders at one signal. Name your stations (edge leaving "
                      "each station) and incident edges in scenario.toml; `signalprio network corridors "
                      f"{folder / (name + '.net.xml')}` lists the signalised streets, sumo-gui shows edge ids.",
                      highlight=False)
        return
    console.print(f"scenario written to {folder}/ (station and incident edges: the first corridor; edit scenario.toml)")


@network_app.command("corridors")
def network_corridors(
    network: Annotated[Path, typer.Argument(help="A SUMO network file (.net.xml).")],
) -> None:
    """List the signalised corridors of a network: chains along one street, most signals first."""
    from signalprio.build.osm import detect_corridors

    if not network.is_file():
        raise _fail(UserError(f"{network}: file not found"))
    _print_corridors(detect_corridors(network))


@network_app.command("intergreens")
def network_intergreens(
    network: Annotated[Path, typer.Argument(help="A SUMO network file (.net.xml).")],
    signal_id: Annotated[str | None, typer.Option("--signal", help="One signal: its whole matrix.")] = None,
    csv: Annotated[Path | None, typer.Option(help="Write the whole matrix to this CSV file.")] = None,
    force: Annotated[bool, typer.Option(help="Replace an existing CSV file.")] = False,
) -> None:
    """The intergreen matrix (RiLSA, from the junction geometry) against each program's own intergreens.

    The controller binds every transition to the larger of the two.
    Listed: the pairs where the geometry needs more than the program gives (all pairs of one signal with --signal).
    """
    from signalprio.matrix import intergreen_matrix

    try:
        if not network.is_file():
            raise UserError(f"{network}: file not found")
        if csv is not None and csv.exists() and not force:
            raise UserError(f"{csv}: file exists; name a new one, or add --force to write over it")
        from signalprio.run import network_of

        if signal_id is not None and signal_id not in network_of(network).signals:
            raise UserError(f"{network}: option '--signal': no traffic signal '{signal_id}' in the network")
        matrix = intergreen_matrix(network, signal_id)
    except UserError as error:
        raise _fail(error) from None
    if csv is not None:
        matrix.to_csv(csv, index=False)
    shown = matrix if signal_id else matrix[matrix["rilsa_s"] > matrix["program_s"]]
    table = Table(title=f"intergreens of {signal_id or network.name}: {len(shown)} of {len(matrix)} conflicting "
                        "pairs shown", title_justify="left", caption=(
                            "t = transit + (clearing path + length) / clearing speed - entering path / entering "
                            "speed, rounded up (RiLSA); the controller uses the larger of program and RiLSA."),
                  caption_justify="left")
    for header in ("signal", "clearing", "entering", "program", "clearing path", "speed", "length", "transit",
                   "entering path", "speed", "RiLSA", "binding"):
        table.add_column(header, justify="left" if header == "signal" else "right")
    for r in shown.itertuples():
        geometric = [f"{r.clearing_path_m:.1f} m", f"{r.clearing_speed_mps:.1f} m/s", f"{r.vehicle_length_m:g} m",
                     f"{r.transit_s:g} s", f"{r.entering_path_m:.1f} m", f"{r.entering_speed_mps:.1f} m/s",
                     f"{r.rilsa_s:g} s"] if r.rilsa_s == r.rilsa_s else ["-"] * 7
        table.add_row(escape(str(r.signal_id)), f"{r.clearing_link} {r.clearing_kind}",
                      f"{r.entering_link} {r.entering_kind}", f"{r.program_s:g} s", *geometric, f"{r.binding_s:g} s")
    console.print(table)
    if csv is not None:
        console.print(f"matrix: {csv}")


def _print_corridors(corridors: list[Corridor]) -> None:
    table = Table(title="signalised corridors", title_justify="left")
    for header in ("street", "signals", "length", "first edge", "last edge"):
        table.add_column(header)
    for c in corridors:
        table.add_row(c.name, str(len(c.signals)), f"{c.length_m:.0f} m", c.edges[0], c.edges[-1])
    console.print(table)


@app.command()
def report(
    folder: Annotated[Path, typer.Argument(help="A results folder written by 'signalprio run'.")],
    lang: Annotated[str, typer.Option(help="Language of the labels: de or en.")] = "de",
    incident: Annotated[str | None, typer.Option(
        help="Incident for the time-space diagram (default: the median one).")] = None,
    plan: Annotated[str | None, typer.Option(
        help="Requirement plan (preset or file) the report measures against (default: the experiment's first).")
    ] = None,
    pdf: Annotated[bool, typer.Option("--pdf", help="Also print report.pdf (needs Chromium on the PATH).")] = False,
    layout: Annotated[str | None, typer.Option(
        help="Station layout the detailed charts show (default: the first).")] = None,
) -> None:
    """Write a self-contained HTML report (charts as PNG and SVG, tables as CSV, an Excel workbook) from the result
    tables; --pdf prints it to PDF as well."""
    try:
        from signalprio.report import build_report, print_pdf
    except ImportError as missing:  # matplotlib comes with the optional extra 'report'
        if (missing.name or "").partition(".")[0] != "matplotlib":
            raise
        raise _fail(UserError("signalprio report needs the optional extra: pip install 'signalprio[report]'")) from None
    try:
        from signalprio.compliance.plans import load_plan

        page = build_report(folder, lang, incident, layout, load_plan(plan) if plan else None)
        if pdf:
            console.print(f"PDF written: {print_pdf(page)}")
    except UserError as error:
        raise _fail(error) from None
    console.print(f"report written: {page}")


@app.command()
def coverage(
    experiment: Annotated[Path, typer.Argument(
        help="Experiment file (TOML), or the name of a shipped one, whose runs the maps rest on.")],
    results: Annotated[Path, typer.Option(
        help="Folder the experiment's results are in; the experiment's name is appended.")] = Path("results"),
    lang: Annotated[str, typer.Option(help="Language of the maps: de or en.")] = "de",
) -> None:
    """Coverage maps: the first stage's arrival after the alarm on every road, per station layout and strategy.

    From the engines' traversal times in the experiment's runs (run it first: signalprio run EXPERIMENT).
    Writes RESULTS/NAME/coverage/: tables, maps, and GeoJSON where the network has a geo-projection.
    """
    try:
        from signalprio.maps import build, write
    except ImportError as missing:  # matplotlib comes with the optional extra 'report'
        if (missing.name or "").partition(".")[0] != "matplotlib":
            raise
        raise _fail(UserError("signalprio coverage needs the optional extra: pip install 'signalprio[report]'")) \
            from None
    from signalprio.experiment import load_experiment
    from signalprio.shipped import resolve_experiment

    try:
        if lang not in ("de", "en"):
            raise UserError(f"--lang: '{lang}' is not de or en")
        loaded = load_experiment(resolve_experiment(experiment))
        folder = results / loaded.experiment.name
        built = build(loaded, folder)
        written = write(built, loaded, folder / "coverage", lang)
    except UserError as error:
        raise _fail(error) from None
    _print_coverage(built.frames["coverage_shares"], built.accuracy, built.runs, built.limit_s)
    console.print(f"coverage written: {folder / 'coverage'}/ ({len(written)} files)")


@app.command()
def year(
    experiment: Annotated[Path, typer.Argument(
        help="Experiment file (TOML) with a year table, or the name of a shipped one (mannheim-year).")],
    jobs: Annotated[int | None, typer.Option(
        "--jobs", "-j", min=1, help="Parallel SUMO processes (default: all cores).")] = None,
    results: Annotated[Path, typer.Option(
        help="Folder for results; the experiment's name and 'year' are appended.")] = Path("results"),
    executor: Annotated[str, typer.Option(help="local (processes on this machine) or dask.")] = "local",
    scheduler: Annotated[str | None, typer.Option(help="Dask scheduler address, e.g. tcp://10.0.0.5:8786.")] = None,
    retry_failed: Annotated[bool, typer.Option("--retry-failed", help="Rerun runs that failed before.")] = False,
    fresh: Annotated[bool, typer.Option("--fresh", help="Discard finished runs of this year first.")] = False,
    incidents: Annotated[int | None, typer.Option(
        "--incidents", min=1, help="Simulate only the year's first N incidents: a slice of the same year, whose "
        "runs a longer slice or the whole year reuses.")] = None,
) -> None:
    """A year of incidents: units busy on one incident are not free for the next; the year's Erreichungsgrad.

    Draws the year's incidents (Poisson by time band, districts, incident types), sends each type's nearest free unit, simulates every dispatch and repeats until who is free has settled. Finished runs are kept; the same command continues. Writes RESULTS/NAME/year/: year_incidents and year_summary (docs/year.md).
    """  # noqa: E501 (one line per paragraph: the help keeps line breaks)
    from signalprio.experiment import load_experiment
    from signalprio.pipeline import plan_stream
    from signalprio.provenance import provenance
    from signalprio.results import write_tables
    from signalprio.runner import executor_for
    from signalprio.shipped import resolve_experiment
    from signalprio.store import RunStore
    from signalprio.year.simulate import simulate_year
    from signalprio.year.table import incident_rows, summary

    started = time.perf_counter()
    store: RunStore | None = None
    try:
        _check_executor(executor, scheduler)
        loaded = _year_slice(load_experiment(resolve_experiment(experiment)), incidents)
        exp = loaded.experiment
        folder = results / exp.name / "year"
        plan_stream(loaded)  # a missing [year] section, bad edges or loads stop here, before anything is written
        store = RunStore(folder / "runs.d", loaded.digest(), fresh=fresh)
        with _stop_on_sigterm(), executor_for(jobs, scheduler) as pool, _RunProgress(loaded) as progress:
            done = simulate_year(loaded, pool, store, progress, retry_failed)
        stamp = provenance(exp.name, loaded.digest())
        assert exp.year is not None  # plan_stream checked it
        critical = {name: kind.critical for name, kind in exp.year.types.items()}
        assignments = {(arm.layout, arm.strategy, arm.seed): plans for arm, plans in done.assignments.items()}
        runs = {((arm.layout, arm.strategy, arm.seed), name): r for (arm, name), r in done.results.items()}
        failed = {((arm.layout, arm.strategy, arm.seed), name): m for (arm, name), m in done.failed.items()}
        incidents = incident_rows(assignments, runs, failed, loaded.plan, critical, stamp)
        table = summary(incidents, loaded.plan, [s.name for s in exp.strategies], done.rounds, done.settled, stamp)
        write_tables(folder, {"year_incidents": incidents, "year_summary": table}, stamp,
                     exp.model_dump(mode="json"))
    except UserError as error:
        raise _fail(error) from None
    except KeyboardInterrupt as stop:
        sigterm = stop.args == ("SIGTERM",)
        raise _stopped(store, f"stopped ({'SIGTERM' if sigterm else 'Ctrl-C'})", 143 if sigterm else 130) from None
    except OSError as error:
        raise _stopped(store, _os_problem(error), 1 if error.errno == errno.ENOSPC else 2) from None
    finally:
        if store is not None:
            store.close()
    sliced = exp.year.incidents is not None and exp.year.incidents <= len(done.stream)
    _print_year(table, len(done.stream), sliced, exp.year.incidents_per_year, loaded.plan)
    for (arm, name), message in sorted(done.failed.items(), key=lambda item: item[0][1]):
        errors.print(f"[red]failed run[/] {arm.layout}/{arm.strategy}/seed {arm.seed}/{name}: {escape(message)}",
                     highlight=False)
    console.print(f"results: {folder}/ ({len(done.results)} runs, {len(done.failed)} failed, {done.rounds} rounds; "
                  f"{time.perf_counter() - started:.0f} s)")
    if done.failed:
        raise typer.Exit(1)


def _year_slice(loaded: LoadedExperiment, incidents: int | None) -> LoadedExperiment:
    """The experiment with `--incidents` in place of its file's `[year] incidents` (None: as the file says)."""
    year = loaded.experiment.year
    if incidents is None or year is None:  # no [year] section: plan_stream names the missing field
        return loaded
    return dataclasses.replace(loaded, experiment=loaded.experiment.model_copy(
        update={"year": year.model_copy(update={"incidents": incidents})}))


def _print_year(table: pd.DataFrame, incidents: int, sliced: bool, per_year: int, plan: RequirementPlan) -> None:
    """The year's table; `sliced`: the year's first `incidents` only (the whole year's count is drawn, so it is no
    sign of a slice)."""
    stage = plan.stages[0]
    settled = bool(table["settled"].all())
    title = (f"A year of incidents: {stage.name} of {plan.name} ({plan.required_crew(0)} Funktionen in "
             f"{stage.time_limit_s / 60:g} min), {incidents} incidents"
             + (f" (the year's first; about {per_year} a year)" if sliced else ""))
    out = _arm_table(title, table["layout"].nunique() > 1,
                     ("n", "rate [95 % CI]", "change vs none [95 % CI]", "farther", "missing", "busy", "failed"),
                     "n: critical incidents with a valid run. Rate: first stage met, 95 % Wilson interval over "
                     "incidents; change against 'none' of the same layout on the same incidents (bootstrap). "
                     "Farther: served incidents with a unit from other than the nearest station (it was busy). "
                     "Missing: incidents a vehicle type had no free unit for (counted as missed). Busy: mean minutes "
                     "from alarm to back at the station, per unit sent. Availability "
                     + ("settled" if settled else f"did not settle in {int(table['rounds'].iloc[0])} simulation "
                        "passes (max_rounds)") + ".")
    for row in table.itertuples():
        change = "baseline" if row.strategy == BASELINE else "-"
        if row.rate_change == row.rate_change:
            change = (f"{100 * row.rate_change:+.0f} pt [{100 * row.rate_change_low:+.0f}, "
                      f"{100 * row.rate_change_high:+.0f}]")
        out.add_row(*([str(row.layout)] if table["layout"].nunique() > 1 else []), str(row.strategy), str(row.n),
                    f"{100 * row.rate:.0f} % [{100 * row.rate_low:.0f}, {100 * row.rate_high:.0f}]", change,
                    f"{100 * row.farther_share:.0f} %", f"{100 * row.missing_share:.0f} %",
                    f"{row.busy_min_mean:.0f} min", str(row.failed))
    console.print(out)


def _print_coverage(shares: pd.DataFrame, accuracy: pd.DataFrame, runs: int, limit_s: float) -> None:
    table = Table(title=f"Road length reached within {limit_s / 60:g} min of the alarm (stage 1)",
                  title_justify="left", caption_justify="left",
                  caption=f"From the engines' traversal times in {runs} simulated runs; roads no engine drove are "
                          "modelled from those that were (scaled free-flow time, median delay at a stop line).")
    for header in ("stations", "strategy", "road km", "within limit", "districts weighted"):
        table.add_column(header, justify="left" if header in ("stations", "strategy") else "right")
    for (layout, strategy), rows in shares.groupby(["layout", "strategy"], sort=False):
        by = rows.set_index("scope")["share_within"]
        weighted = by.get("districts weighted", float("nan"))
        table.add_row(str(layout), str(strategy), f"{rows.set_index('scope').at['network', 'road_km']:.1f}",
                      f"{100 * by['network']:.0f} %", "-" if weighted != weighted else f"{100 * weighted:.0f} %")
    console.print(table)
    check = Table(title="How far the map can be trusted: each incident predicted from the others' runs",
                  title_justify="left", caption_justify="left",
                  caption="Error: predicted minus simulated arrival of stage 1 (seconds). Same verdict: share of "
                          "incidents the map and the simulation both judge within, or both beyond, the limit.")
    for header in ("stations", "strategy", "incidents", "median |error|", "P90 |error|", "bias", "same verdict"):
        check.add_column(header, justify="left" if header in ("stations", "strategy") else "right")
    for row in accuracy.itertuples():
        check.add_row(str(row.layout), str(row.strategy), str(row.incidents), f"{row.abs_error_median_s:.0f} s",
                      f"{row.abs_error_p90_s:.0f} s", f"{row.bias_median_s:+.0f} s", f"{100 * row.same_verdict:.0f} %")
    console.print(check)


@app.command()
def bench(
    experiment: Annotated[Path, typer.Argument(
        help="Experiment whose scenario and parameters to measure.")] = DEFAULT_EXPERIMENT,
    quick: Annotated[bool, typer.Option(
        "--quick", help="Smaller runs: a smoke test of the benchmarks, not figures.")] = False,
) -> None:
    """Measure controller overhead, snapshot speed-up, parallel efficiency and memory, as ratios.

    For an experiment with a year table (mannheim-year): CPU-seconds per incident-run against plain SUMO, to the horizon and ending at arrival, and the CPU-hours of the whole year.
    """  # noqa: E501 (one line per paragraph: the help keeps line breaks)
    from signalprio.bench import describe_machine, run_benchmarks
    from signalprio.experiment import load_experiment
    from signalprio.shipped import resolve_experiment

    try:
        loaded = load_experiment(resolve_experiment(experiment))
        console.print(f"benchmarks on scenario {loaded.scenario.name} ({loaded.experiment.load} load), "
                      f"{describe_machine()}; this takes {'a minute' if quick else 'several minutes'}")
        results = run_benchmarks(loaded, quick)
    except UserError as error:
        raise _fail(error) from None
    table = Table(title="signalprio bench", title_justify="left")
    for header in ("measure", "value", "target", "how it was measured"):
        table.add_column(header, justify="right" if header == "value" else "left")
    for r in results:
        table.add_row(r.name, f"{r.value:.2f} {r.unit}", r.target, r.detail)
    console.print(table)


@app.command()
def regress(
    experiment: Annotated[Path, typer.Argument(help="A small experiment file (TOML).")],
    baseline: Annotated[Path, typer.Option(help="Baseline JSON to compare with (or to write with --update).")],
    update: Annotated[bool, typer.Option("--update", help="Write a new baseline instead of comparing.")] = False,
    force: Annotated[bool, typer.Option(
        "--force", help="With --update: replace an existing baseline.")] = False,
    tolerance: Annotated[list[str] | None, typer.Option(
        help="NAME=VALUE overriding the baseline's: rate, arrival_median_s, arrival_p90_s, others_delay_pct.")] = None,
    junit: Annotated[Path | None, typer.Option(help="Write a JUnit XML report here.")] = None,
    markdown: Annotated[Path | None, typer.Option(help="Write a markdown summary here.")] = None,
    jobs: Annotated[int | None, typer.Option("--jobs", "-j", min=1, help="Parallel SUMO processes.")] = None,
) -> None:
    """Check preemption logic against a baseline. Exit 0: pass, 1: regression, 2: usage or input error."""
    from signalprio import regress as rg
    from signalprio.experiment import load_experiment
    from signalprio.runner import default_jobs

    try:
        loaded = load_experiment(experiment)
        if update and baseline.exists() and not force:
            raise UserError(f"{baseline}: a baseline exists; add --force to replace it (CI compares against it)")
        stored = None if update else rg.read_baseline(baseline)
        tolerances = {**rg.DEFAULT_TOLERANCES, **(stored.tolerances if stored else {})}
        for item in tolerance or []:
            name, _, value = item.partition("=")
            if name not in rg.DEFAULT_TOLERANCES:
                raise UserError(f"--tolerance: unknown name '{name}' (known: {', '.join(rg.DEFAULT_TOLERANCES)})")
            try:
                tolerances[name] = float(value)
            except ValueError:
                raise UserError(f"--tolerance: '{item}' is not NAME=NUMBER") from None
        if stored and stored.provenance.get("experiment_hash") != loaded.digest():
            raise UserError(f"{baseline}: made from another version of {experiment.name} or its input files; refresh "
                            "it with --update --force")
        metrics = rg.measure(loaded, jobs or default_jobs())
    except UserError as error:
        raise _fail(error) from None
    except rg.RegressionFailure as failure:
        checks = [rg.Check("-", "runs", 0, len(failure.reasons), 0, "regression", reason) for reason in failure.reasons]
        _regress_report(checks, loaded.experiment.name, junit, markdown)
        raise typer.Exit(1) from None
    if update:
        rg.write_baseline(baseline, loaded, metrics, tolerances)
        console.print(f"baseline written: {baseline}")
        return
    assert stored is not None
    checks = rg.compare(stored, metrics, tolerances)
    _regress_report(checks, loaded.experiment.name, junit, markdown)
    if any(c.status == "regression" for c in checks):
        raise typer.Exit(1)


def _regress_report(checks: list[Check], name: str, junit: Path | None, markdown: Path | None) -> None:
    from signalprio import regress as rg

    typed = checks
    failures = [c for c in typed if c.status == "regression"]
    changed = [c for c in typed if c.status != "ok"]
    if not changed:
        console.print(f"signalprio regress {name}: pass, all {len(typed)} checks within tolerance of the baseline")
    table = Table(title=f"signalprio regress {name}: " + (f"{len(failures)} regression(s)" if failures else "pass"),
                  title_justify="left", caption=f"{len(typed)} checks; unchanged ones not shown",
                  caption_justify="left")
    for header in ("strategy", "metric", "baseline", "now", "allowed worse", "status"):
        table.add_column(header, justify="right" if header in ("baseline", "now", "allowed worse") else "left")
    for c in changed:
        table.add_row(c.strategy, c.metric, f"{c.baseline:.4g}", f"{c.current:.4g}", f"{c.allowed:.4g}",
                      f"{c.status}{': ' + c.reason if c.reason else ''}")
    if changed:
        console.print(table)
    if junit:
        junit.write_text(rg.junit_xml(typed, name))
    if markdown:
        markdown.write_text(rg.markdown(typed, name))


@app.command("check-safety")
def check_safety(
    incidents: Annotated[int, typer.Option(
        min=1, help="Incidents per network; each runs every trigger x recovery (9 runs).")] = 20,
    seed: Annotated[int, typer.Option(help="Seed of incidents, alarm times, traffic and bands.")] = 1,
    networks: Annotated[str | None, typer.Option(help="Comma-separated network names (default: all).")] = None,
    results: Annotated[Path, typer.Option(help="Folder for the generated networks and the table.")] = Path(
        "results/check-safety"),
    jobs: Annotated[int | None, typer.Option("--jobs", "-j", min=1, help="Parallel SUMO processes.")] = None,
) -> None:
    """Randomized preempting runs over many networks: 0 monitor violations and 0 engine collisions, or exit 1.

    The default is the nightly check: 20 incidents on six networks, 1,080 runs (seven with a Heidelberg scenario).
    --incidents 1 is a quick slice.
    """
    from signalprio.runner import executor_for
    from signalprio.safetycheck import as_table, check_network, select
    from signalprio.shipped import shipped_root

    started = time.perf_counter()
    try:
        chosen = select([n.strip() for n in networks.split(",") if n.strip()] if networks else None, shipped_root())
        found = []
        with _stop_on_sigterm(), executor_for(jobs) as pool:
            for network in chosen:
                console.print(f"[bold]{network.name}[/] ({network.note}): {9 * incidents} runs", highlight=False)
                found.append(check_network(network, incidents, seed, pool, shipped_root(), results))
    except UserError as error:
        raise _fail(error) from None
    except KeyboardInterrupt:
        raise _stopped(None, "stopped", 130) from None
    frame = as_table(found)
    results.mkdir(parents=True, exist_ok=True)
    frame.to_csv(results / "check-safety.csv", index=False)
    table = Table(title=f"check-safety, seed {seed}: {int(frame['runs'].sum())} runs on {len(found)} networks",
                  title_justify="left", caption=(
                      "Violations (conflict monitor, its own rules): conflicting green / yellow / intergreen / minimum "
                      "green. Every trigger (local, eta, green-wave) with every recovery (dwell, short-way, smooth), "
                      "peak and off-peak bands, ELW + HLF + DLK per incident."), caption_justify="left")
    for header in ("network", "runs", "violations", "engine collisions", "teleports", "not arrived", "failed"):
        table.add_column(header, justify="left" if header == "network" else "right")
    for r in found:
        table.add_row(r.network, str(r.runs), " / ".join(str(v) for v in r.violations.values()),
                      str(r.engine_collisions), str(r.teleports), str(r.not_arrived), str(len(r.failed)))
    console.print(table)
    for r in found:
        for failure in r.failed:
            errors.print(f"[red]failed run[/] {r.network} {escape(failure)}", highlight=False)
    console.print(f"table: {results / 'check-safety.csv'} ({time.perf_counter() - started:.0f} s)")
    if not all(r.safe for r in found):
        raise typer.Exit(1)


@app.command()
def version() -> None:
    """Print the signalprio and SUMO versions."""
    from signalprio.installation import sumo_version

    console.print(f"signalprio {__version__}, SUMO {sumo_version()}")


def _os_problem(error: OSError) -> str:
    """'results/x/runs.parquet: No space left on device': the file and what the system said."""
    return f"{error.filename or 'a file'}: {error.strerror or error}"


def main() -> None:
    try:
        app()
    except OSError as error:  # a report or scenario on a full disk or in a folder one may not write to
        errors.print(f"[bold red]error:[/] {escape(_os_problem(error))}", highlight=False, soft_wrap=True)
        sys.exit(1 if error.errno == errno.ENOSPC else 2)
