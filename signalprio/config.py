"""Reading TOML files into validated models, with errors that name the file and the field."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from signalprio.errors import UserError

Model = TypeVar("Model", bound=BaseModel)


def load_toml(path: Path, model: type[Model]) -> Model:
    """Parse and validate; the first problem becomes one UserError line."""
    if not path.is_file():
        raise UserError(f"{path}: file not found")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise UserError(f"{path}: not valid TOML: {error}") from None
    try:
        return model.model_validate(data, context={"base": path.parent})
    except ValidationError as error:
        more = f" (and {error.error_count() - 1} more)" if error.error_count() > 1 else ""
        raise UserError(f"{path}: {first_problem(error)}{more}") from None


def load_json(path: Path, model: type[Model], kind: str, hint: str = "") -> Model:
    """A JSON file signalprio wrote (a baseline, a summary), validated; a damaged one is one UserError line."""
    try:
        return model.model_validate_json(path.read_text(encoding="utf-8"))
    except ValidationError as error:
        raise UserError(f"{path}: not a signalprio {kind} ({first_problem(error)}){hint}") from None


def first_problem(error: ValidationError) -> str:
    """The first problem pydantic found, as "field 'a.b': message"."""
    first = error.errors()[0]
    field = ".".join(str(part) for part in first["loc"]) or "(top level)"
    return f"field '{field}': {first['msg']}"
