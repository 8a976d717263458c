"""Input errors that the command line reports as one clean message (exit status 2)."""

from __future__ import annotations

import re
import reprlib
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


def excerpt(value: object, width: int = 60) -> str:
    """A short ``repr`` of a user value for an error message: bounded work (nested and long values are cut
    while being rendered) and bounded length."""
    r = reprlib.Repr()
    r.maxstring, r.maxother, r.maxlevel, r.maxdict, r.maxlist = width, width, 2, 4, 4
    text = r.repr(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def format_pydantic(path: str | Path, err) -> InputError:
    """The first problem of a pydantic ``ValidationError`` as an ``InputError``."""
    errors = err.errors()
    # For a union (a number or a year -> number map) pydantic reports every branch; the branch that got
    # furthest into the value says most about what is wrong.
    first = max(errors, key=lambda e: len([p for p in e["loc"] if not _UNION_BRANCH.match(str(p))]))
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
        msg = f"{msg} (got {excerpt(first['input'])})"
    return InputError(path, ".".join(parts), msg)
