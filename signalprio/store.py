"""Finished runs on disk, one file each, written atomically: what makes experiments resumable.

Each run's rows go to results/<experiment>/runs.d/<layout>__<strategy>__s<seed>__<incident>.json, written to a
temporary name and renamed, so a killed runner leaves either a whole file or none. Running the
same experiment again skips runs whose file exists; a failed run leaves a .failed.json with
its message, rerun only on request. Files carry the experiment hash: runs of another version
of the experiment are never mixed in.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import asdict
from pathlib import Path

from signalprio.errors import UserError
from signalprio.files import atomic_write_text
from signalprio.runs import RunResult

Key = tuple[str, str, int, str]  # station layout, strategy, seed, incident


def key_of(mapping: dict[str, object]) -> Key:
    return (str(mapping["layout"]), str(mapping["strategy"]), int(str(mapping["seed"])),
            str(mapping["incident"]))


class RunStore:
    def __init__(self, folder: Path, experiment_hash: str, fresh: bool = False) -> None:
        self.folder = folder
        self.experiment_hash = experiment_hash
        if fresh and folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True, exist_ok=True)
        for path in folder.glob("*.tmp"):  # left by a runner killed while writing
            path.unlink()
        self._check_version()

    def _check_version(self) -> None:
        for path in self.folder.glob("*.json"):
            stored = json.loads(path.read_text()).get("experiment_hash")
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
        return json.loads(path.read_text())["message"] if path.is_file() else None

    def load(self, key: Key) -> RunResult:
        return RunResult(**json.loads(self._path(key).read_text())["result"])
