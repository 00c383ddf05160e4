"""The experiments and scenarios signalprio ships, found wherever it is installed.

In a source checkout (an editable install) they are the folders experiments/ and networks/ beside the
package; an installed wheel carries copies of them as package data (pyproject.toml, force-include).
Either way the experiment files find their scenarios by the same relative paths.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def shipped_root() -> Path:
    """The folder that holds experiments/ and networks/."""
    checkout = _PACKAGE.parent
    if (checkout / "experiments").is_dir() and (checkout / "networks").is_dir():
        return checkout
    return _PACKAGE / "shipped"


def resolve_experiment(path: Path) -> Path:
    """`path` if it exists; else the shipped experiment of that name ('default' or 'experiments/default.toml'),
    so `signalprio run` works from any folder. An unknown name is left to the loader's 'file not found'."""
    if path.is_file():
        return path
    shipped = shipped_root() / "experiments" / f"{path.stem}.toml"
    return shipped if shipped.is_file() else path
