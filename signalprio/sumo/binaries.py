"""SUMO binaries and version, taken from the pinned eclipse-sumo wheel (no SUMO_HOME needed)."""

from __future__ import annotations

import os
import subprocess

from signalprio.errors import UserError
from signalprio.installation import sumo_home


def binary(name: str) -> str:
    """Path of a SUMO binary (sumo, netconvert, ...) from the wheel."""
    path = sumo_home() / "bin" / name
    if not path.exists():
        raise UserError(f"SUMO binary '{name}' not found in {path.parent}; reinstall eclipse-sumo")
    return str(path)


def tool_environment() -> dict[str, str]:
    """Environment for SUMO subprocesses: SUMO_HOME set to the wheel, whatever the user has."""
    return {**os.environ, "SUMO_HOME": str(sumo_home())}


def run_tool(name: str, *args: str) -> None:
    """Run a SUMO command-line tool; its own message becomes a UserError if it fails."""
    done = subprocess.run([binary(name), *args], capture_output=True, text=True,
                          env=tool_environment(), check=False)
    if done.returncode != 0:
        message = (done.stderr or done.stdout).strip().splitlines()
        raise UserError(f"{name} failed: {message[-1] if message else 'exit ' + str(done.returncode)}")
