"""Finished runs on disk, one file each, written atomically: what makes experiments resumable.

Each run's rows go to results/<experiment>/runs.d/<layout>__<strategy>__s<seed>__<incident>.json, written to a
temporary name and renamed, so a killed runner leaves either a whole file or none. Running the
same experiment again skips runs whose file exists; a failed run leaves a .failed.json with
its message, rerun only on request. Files carry the experiment hash: runs of another version
of the experiment are never mixed in. The warm-up states sit in warm-<hash>/ until every run is
done, so a resumed experiment does not simulate its warm-up again. A lock file keeps a second
runner out of the folder while one is writing.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import asdict
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from signalprio.errors import UserError
from signalprio.files import atomic_write_bytes, atomic_write_text
from signalprio.runs import RunResult, WarmStart

Key = tuple[str, str, int, str]  # station layout, strategy, seed, incident


def key_of(mapping: dict[str, object]) -> Key:
    return (str(mapping["layout"]), str(mapping["strategy"]), int(str(mapping["seed"])),
            str(mapping["incident"]))


class RunStore:
    def __init__(self, folder: Path, experiment_hash: str, fresh: bool = False) -> None:
        self.folder = folder
        self.experiment_hash = experiment_hash
        folder.mkdir(parents=True, exist_ok=True)
        self._lock = FileLock(folder / ".lock")
        try:
            self._lock.acquire(timeout=0)
        except Timeout:
            raise UserError(f"{folder}: another signalprio run is writing here; wait for it to finish, or give this "
                            "one another --results folder") from None
        if fresh:
            for path in folder.iterdir():
                if path.name != ".lock":
                    shutil.rmtree(path) if path.is_dir() else path.unlink()
        for path in folder.rglob("*.tmp"):  # left by a runner killed while writing
            path.unlink()
        self._check_version()
        self._warm = folder / f"warm-{experiment_hash}"
        for stale in folder.glob("warm-*"):  # states of another version of the experiment are of no use
            if stale != self._warm:
                shutil.rmtree(stale)

    def close(self) -> None:
        """Let another runner in."""
        self._lock.release()

    def counts(self) -> tuple[int, int]:
        """Runs saved and runs failed so far."""
        failed = sum(1 for _ in self.folder.glob("*.failed.json"))
        return sum(1 for _ in self.folder.glob("*.json")) - failed, failed

    def _check_version(self) -> None:
        for path in self.folder.glob("*.json"):
            stored = _read(path).get("experiment_hash")
            if stored != self.experiment_hash:
                raise UserError(f"{self.folder}: holds runs of another version of this experiment (hash {stored}, "
                                f"now {self.experiment_hash}); rerun with --fresh to discard them")
            return

    def _path(self, key: Key, failed: bool = False) -> Path:
        name = re.sub(r"[^A-Za-z0-9_.-]", "_", f"{key[0]}__{key[1]}__s{key[2]}__{key[3]}")
        return self.folder / f"{name}{'.failed' if failed else ''}.json"

    def save(self, result: RunResult) -> None:
        key = key_of(result.key)
        atomic_write_text(self._path(key),
                          json.dumps({"experiment_hash": self.experiment_hash, "result": asdict(result)}))
        self._path(key, failed=True).unlink(missing_ok=True)

    def save_failure(self, key: Key, message: str) -> None:
        atomic_write_text(self._path(key, failed=True),
                          json.dumps({"experiment_hash": self.experiment_hash, "message": message}))

    def done(self, key: Key) -> bool:
        return self._path(key).is_file()

    def failure(self, key: Key) -> str | None:
        path = self._path(key, failed=True)
        return str(_read(path).get("message", "failed")) if path.is_file() else None

    def _state(self, seed: int, load: str, alarm: float, suffix: str = ".xml.gz") -> Path:
        return self._warm / re.sub(r"[^A-Za-z0-9_.-]", "_", f"s{seed}__{load}__t{alarm:g}{suffix}")

    def warm_states(self, seed: int, load: str, alarms: list[float]) -> dict[float, WarmStart] | None:
        """The saved warm starts of one seed and load at these alarm times, or None if any is missing."""
        paths = {alarm: self._state(seed, load, alarm) for alarm in alarms}
        if not all(path.is_file() for path in paths.values()):
            return None
        return {alarm: WarmStart(path.read_bytes(), self._passages(seed, load, alarm)) for alarm, path in paths.items()}

    def _passages(self, seed: int, load: str, alarm: float) -> bytes:
        path = self._state(seed, load, alarm, ".passages.json.gz")
        return path.read_bytes() if path.is_file() else b""

    def save_warm_states(self, seed: int, load: str, states: dict[float, WarmStart]) -> None:
        self._warm.mkdir(exist_ok=True)
        for alarm, start in states.items():
            if start.passages:  # first: a state without its passages would read as a whole-network start
                atomic_write_bytes(self._state(seed, load, alarm, ".passages.json.gz"), start.passages)
            atomic_write_bytes(self._state(seed, load, alarm), start.state)

    def drop_warm_states(self) -> None:
        """Once every run is done the states are only disk space."""
        shutil.rmtree(self._warm, ignore_errors=True)

    def load(self, key: Key) -> RunResult:
        path = self._path(key)
        try:
            return RunResult(**_read(path)["result"])
        except (KeyError, TypeError) as error:
            raise UserError(f"{path}: not a run of this signalprio version ({error}); delete it to simulate that run "
                            "again") from None


def _read(path: Path) -> dict[str, Any]:
    """A run file; a damaged one (edited, or from a full disk) is an input error that names it."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as error:
        raise UserError(f"{path}: damaged run file ({error}); delete it to simulate that run again") from None
    if not isinstance(document, dict):
        raise UserError(f"{path}: damaged run file (not a JSON object); delete it to simulate that run again")
    return document
