"""Scenario files: YAML with ``extends:`` chains, read once into a validated ``Scenario`` plus its provenance
(every file of the chain, the city profile, and their sha256) for manifests and resumable folders.

``extends:`` and ``city:`` may only name files below the folder of the scenario file given, or in the shipped
``scenarios/`` tree; other folders must be allowed explicitly (``INNOSIM_ALLOW_PATHS``, a list of folders
separated by the system's path separator, which the command line's ``--allow-path`` sets). A problem found after
merging is reported against the file of the chain that set the field.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from innosim.model.city import CityProfile, load_city
from innosim.model.errors import InputError, excerpt, format_pydantic
from innosim.model.instruments.menu import check_menu, check_profile_menu
from innosim.model.scenario import Scenario
from innosim.model.yaml_files import read_yaml


@dataclass(frozen=True)
class ScenarioFile:
    """A loaded scenario and where it came from. Hashes are sha256 of the files' bytes as read."""

    scenario: Scenario
    path: Path
    chain: tuple[Path, ...]  # the extends chain, root parent first, this file last
    city: CityProfile
    sha256: str
    chain_sha256: str  # over every file of the chain and the city profile: any edit changes it
    city_sha256: str

    def manifest(self) -> dict:
        """The provenance block every results manifest carries."""
        return {"scenario_file": str(self.path), "scenario_sha256": self.sha256,
                "scenario_chain_sha256": self.chain_sha256, "extends_chain": [str(p) for p in self.chain],
                "city_profile": self.scenario.city, "city_profile_sha256": self.city_sha256}


SHIPPED_SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
ALLOW_ENV = "INNOSIM_ALLOW_PATHS"


def allowed_roots(top: Path) -> tuple[Path, ...]:
    """Folders whose files a scenario at ``top`` may extend or name as its city."""
    extra = [Path(p) for p in os.environ.get(ALLOW_ENV, "").split(os.pathsep) if p]
    return tuple(_resolve(p, top, "") for p in (top.parent, SHIPPED_SCENARIOS, *extra))


def _resolve(p: Path, origin: Path, field: str) -> Path:
    try:
        return p.resolve()
    except (OSError, RuntimeError) as e:  # RuntimeError: a symlink loop
        raise InputError(origin, field, f"cannot resolve {excerpt(str(p))} ({e})") from None


def _confined(p: Path, origin: Path, field: str, roots: tuple[Path, ...]) -> Path:
    """``p`` resolved, if it lies in one of ``roots``; else an ``InputError`` on ``origin``'s ``field``."""
    real = _resolve(p, origin, field)
    if not any(real.is_relative_to(r) for r in roots):
        raise InputError(origin, field, f"{excerpt(str(p))} lies outside the scenario's folder and the shipped "
                         f"scenarios/ tree; allow its folder with --allow-path (or {ALLOW_ENV})")
    return real


def _deep_merge(base: dict, child: dict) -> dict:
    out = dict(base)
    for k, v in child.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _deep_merge(out[k], v)
        else:
            out[k] = v
    return out


def read_chain(path: str | Path, roots: tuple[Path, ...] | None = None) -> list[tuple[Path, dict]]:
    """Every file of a scenario's ``extends`` chain with its own mapping (root parent first, ``path`` last);
    ``city`` is made absolute. Paths must lie in ``roots`` (default: ``allowed_roots(path)``)."""
    top = _resolve(Path(path), Path(path), "")
    roots = allowed_roots(top) if roots is None else roots
    chain: list[tuple[Path, dict]] = []
    current: Path | None = top
    while current is not None:
        if any(current == p for p, _ in chain):
            raise InputError(current, "extends", "circular extends chain")
        data = read_yaml(current)
        parent = data.pop("extends", None)
        if "city" in data and isinstance(data["city"], str):
            data["city"] = str(_confined(current.parent / data["city"], current, "city", roots))
        chain.append((current, data))
        if parent is None:
            break
        if not isinstance(parent, str):
            raise InputError(current, "extends", "must be the path of another scenario file")
        nxt = _confined(current.parent / parent, current, "extends", roots)
        if not nxt.is_file():
            raise InputError(current, "extends", f"file not found: {parent if len(parent) <= 60 else excerpt(parent)}")
        current = nxt
    return chain[::-1]


def load_raw(path: str | Path) -> tuple[dict, list[Path]]:
    """The merged YAML mapping of a scenario and the chain of files it was built from (child last)."""
    chain = read_chain(path)
    data: dict = {}
    for _, own in chain:
        data = _deep_merge(data, own)
    return data, [p for p, _ in chain]


def _setter(chain: list[tuple[Path, dict]], field: str) -> Path:
    """The file of the chain (child first) that sets the longest prefix of the dotted ``field``."""
    best, depth = chain[-1][0], 0
    for p, own in reversed(chain):
        node, d = own, 0
        for part in field.split(".") if field else []:
            if not isinstance(node, dict) or part not in node:
                break
            node, d = node[part], d + 1
        if d > depth:
            best, depth = p, d
    return best


def with_plan_start(scenario: Scenario, city: CityProfile) -> Scenario:
    """``scenario`` with what its city fills in: ``policy.from_year`` (the city plan's first year) where the file
    leaves it out, and ``menu`` (the instruments the city runs)."""
    update: dict = {"menu": list(city.instruments)}
    if scenario.policy.from_year is None:
        update["policy"] = scenario.policy.model_copy(update={"from_year": city.plan.start_year})
    return scenario.model_copy(update=update)


def _menu_error(path: str | Path, e: ValueError) -> InputError:
    """A menu check's ``"field: problem"`` message as an ``InputError`` on ``path``."""
    field, _, problem = str(e).partition(": ")
    return InputError(path, field, problem)


def validate_scenario(data: dict, path: str | Path) -> Scenario:
    """A merged scenario mapping validated into a ``Scenario`` (city profile read, its instrument menu checked
    and plan defaults applied)."""
    if "city" not in data:
        raise InputError(path, "city", "missing: name the city profile file (scenarios/cities/*.yaml)")
    try:
        scen = Scenario(**data)
    except ValidationError as e:
        raise format_pydantic(path, e) from None
    city = load_city(scen.city)
    try:
        check_profile_menu(city)
    except ValueError as e:
        raise _menu_error(scen.city, e) from None
    try:
        check_menu(scen, city)
    except ValueError as e:
        raise _menu_error(path, e) from None
    return with_plan_start(scen, city)


def load_scenario_file(path: str | Path) -> ScenarioFile:
    """Read, merge and validate a scenario file once; raises ``InputError`` on any bad input."""
    files = read_chain(path)
    data: dict = {}
    for _, own in files:
        data = _deep_merge(data, own)
    chain = [p for p, _ in files]
    data.setdefault("name", Path(path).stem)
    try:
        scen = validate_scenario(data, path)
    except InputError as e:
        if e.path != str(path):
            raise
        setter = _setter(files, e.field)
        raise InputError(path if setter == files[-1][0] else setter, e.field, e.problem) from None
    city_path = Path(scen.city)
    h = hashlib.sha256()
    for p in (*chain, city_path):
        h.update(p.read_bytes())
    return ScenarioFile(scenario=scen, path=Path(path), chain=tuple(chain), city=load_city(city_path),
                        sha256=file_hash(path), chain_sha256=h.hexdigest(), city_sha256=file_hash(city_path))


def load_scenario(path: str | Path) -> Scenario:
    """Read, merge and validate a scenario file; raises ``InputError`` on any bad input."""
    return load_scenario_file(path).scenario


def file_hash(path: str | Path) -> str:
    """sha256 of a file's bytes."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()
