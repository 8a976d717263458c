"""Reading one YAML mapping from a file, with limits checked before anything large is built, and problems
reported as ``InputError`` naming the file (and, for YAML errors, the line).

Limits: files over ``MAX_BYTES`` are refused unread; nesting deeper than ``MAX_DEPTH`` is refused while parsing
(before Python's recursion limit is reached); a document that would hold more than ``MAX_VALUES`` values once its
aliases are expanded (an "alias bomb") is refused; a key repeated in one mapping is an error, not last-wins.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, SequenceNode

from innosim.model.errors import InputError, excerpt

MAX_BYTES = 1_000_000  # scenario, sweep and city files are a few kB
MAX_DEPTH = 40
MAX_VALUES = 100_000


class _Refused(yaml.YAMLError):
    """A document over one of the limits (well-formed, but not read)."""


class _LimitedLoader(yaml.SafeLoader):
    """``SafeLoader`` with a depth limit, an expanded-size limit and duplicate-key detection."""

    def __init__(self, stream) -> None:
        super().__init__(stream)
        self.depth = 0

    def compose_node(self, parent, index):
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise _Refused(f"nested deeper than {MAX_DEPTH} levels; not read")
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1

    def construct_mapping(self, node, deep=False):
        if isinstance(node, MappingNode):
            seen: dict = {}
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = self.construct_object(key_node, deep=True)
                try:
                    if key in seen:
                        raise yaml.constructor.ConstructorError(
                            None, None, f"duplicate key {excerpt(key)} (first on line {seen[key] + 1}); a key may "
                            "appear once in a mapping", key_node.start_mark)
                    seen[key] = key_node.start_mark.line
                except TypeError:  # an unhashable key: SafeConstructor reports it
                    pass
        return super().construct_mapping(node, deep=deep)

    def get_single_data(self):
        node = self.get_single_node()
        if node is None:
            return None
        if expanded_size(node) > MAX_VALUES:
            raise _Refused(f"would hold more than {MAX_VALUES:,} values once its YAML aliases are expanded; not read")
        return self.construct_document(node)


def expanded_size(node: Node, memo: dict[int, int] | None = None) -> int:
    """Values in ``node`` counting every alias as a copy of what it refers to (memoised, so cheap to compute)."""
    memo = {} if memo is None else memo
    key = id(node)
    if key in memo:
        return memo[key]
    memo[key] = 1  # a recursive alias counts once instead of looping
    total = 1
    if isinstance(node, SequenceNode):
        total += sum(expanded_size(c, memo) for c in node.value)
    elif isinstance(node, MappingNode):
        total += sum(expanded_size(k, memo) + expanded_size(v, memo) for k, v in node.value)
    memo[key] = min(total, 10 * MAX_VALUES)
    return memo[key]


def read_yaml(path: Path, field: str = "") -> dict:
    """The top-level mapping of the YAML file at ``path`` (empty file -> empty mapping)."""
    try:
        if not path.is_file():
            raise InputError(path, field, "file not found")
        size = path.stat().st_size
    except OSError as e:
        raise InputError(path, field, f"cannot be read ({e.strerror or e})") from None
    if size > MAX_BYTES:
        raise InputError(path, field, f"is {size / 1e6:.1f} MB; scenario, sweep and city files may be at most "
                         f"{MAX_BYTES / 1e6:.0f} MB")
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LimitedLoader)  # noqa: S506 (a SafeLoader)
    except _Refused as e:
        raise InputError(path, "", str(e)) from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise InputError(path, "", f"malformed YAML: {where}{getattr(e, 'problem', None) or e}") from None
    except UnicodeDecodeError:
        raise InputError(path, "", "not a UTF-8 text file") from None
    except OSError as e:
        raise InputError(path, field, f"cannot be read ({e.strerror or e})") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise InputError(path, "", "the top level must be a mapping of keys to values")
    return data
