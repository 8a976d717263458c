"""Reading one YAML mapping from a file, with problems reported as ``InputError`` naming the file."""

from __future__ import annotations

from pathlib import Path

import yaml

from innosim.model.errors import InputError


def read_yaml(path: Path, field: str = "") -> dict:
    """The top-level mapping of the YAML file at ``path`` (empty file -> empty mapping)."""
    if not path.is_file():
        raise InputError(path, field, "file not found")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise InputError(path, "", f"malformed YAML: {where}{getattr(e, 'problem', e)}") from None
    except UnicodeDecodeError:
        raise InputError(path, "", "not a UTF-8 text file") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise InputError(path, "", "the top level must be a mapping of keys to values")
    return data
