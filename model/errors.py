"""Input errors that the command line reports as one clean message (exit status 2)."""

from __future__ import annotations

import re
from pathlib import Path

_UNION_BRANCH = re.compile(r"^(float|int|str|bool|list\[.*\]|dict\[.*\]|function-.*)$")
_NESTED = re.compile(r"^([A-Za-z_][\w]*(?:\.[\w]+)+): (.*)$", re.S)


class InputError(Exception):
    """Bad user input: names the file, the field path and what is wrong."""

    def __init__(self, path: str | Path, field: str, problem: str) -> None:
        self.path = str(path)
        self.field = field
        self.problem = problem
        where = f"{self.path}: {field}: " if field else f"{self.path}: "
        super().__init__(where + problem)


def format_pydantic(path: str | Path, err) -> InputError:
    """The first problem of a pydantic ``ValidationError`` as an ``InputError``."""
    first = err.errors()[0]
    parts = [str(p) for p in first["loc"] if not _UNION_BRANCH.match(str(p))]
    msg = first["msg"]
    kind = first["type"]
    if kind == "extra_forbidden":
        msg = "unknown key (check the spelling; docs/scenarios.md lists the allowed keys)"
    elif kind == "value_error":
        msg = msg.removeprefix("Value error, ")
        nested = _NESTED.match(msg)
        if nested:  # a validator that checked a nested object names the deeper path itself
            parts.append(nested.group(1))
            msg = nested.group(2)
    elif kind != "missing" and "input" in first:
        msg = f"{msg} (got {first['input']!r})"
    return InputError(path, ".".join(parts), msg)
