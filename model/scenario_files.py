"""Scenario files: YAML with ``extends:`` chains, read once into a validated ``Scenario`` plus its provenance
(every file of the chain, the city profile, and their sha256) for manifests and resumable folders."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from innosim.model.city import CityProfile, load_city
from innosim.model.errors import InputError, format_pydantic
from innosim.model.scenario import Policy, Scenario
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


def _deep_merge(base: dict, child: dict) -> dict:
    out = dict(base)
    for k, v in child.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _deep_merge(out[k], v)
        else:
            out[k] = v
    return out


def load_raw(path: str | Path, _seen: tuple[Path, ...] = ()) -> tuple[dict, list[Path]]:
    """The merged YAML mapping of a scenario and the chain of files it was built from (child last)."""
    path = Path(path).resolve()
    if path in _seen:
        raise InputError(path, "extends", "circular extends chain")
    data = read_yaml(path)
    chain = [path]
    parent = data.pop("extends", None)
    if "city" in data and isinstance(data["city"], str):
        data["city"] = str((path.parent / data["city"]).resolve())
    if parent is None:
        return data, chain
    if not isinstance(parent, str):
        raise InputError(path, "extends", "must be the path of another scenario file")
    ppath = (path.parent / parent).resolve()
    if not ppath.is_file():
        raise InputError(path, "extends", f"file not found: {parent}")
    pdata, pchain = load_raw(ppath, _seen + (path,))
    return _deep_merge(pdata, data), pchain + chain


def with_plan_start(scenario: Scenario, city: CityProfile) -> Scenario:
    """``scenario`` with ``policy.from_year`` set to the city plan's first year where the file leaves it out."""
    if scenario.policy.from_year is not None:
        return scenario
    policy: Policy = scenario.policy.model_copy(update={"from_year": city.plan.start_year})
    return scenario.model_copy(update={"policy": policy})


def validate_scenario(data: dict, path: str | Path) -> Scenario:
    """A merged scenario mapping validated into a ``Scenario`` (city profile read and plan defaults applied)."""
    if "city" not in data:
        raise InputError(path, "city", "missing: name the city profile file, e.g. cities/qingdao.yaml")
    try:
        scen = Scenario(**data)
    except ValidationError as e:
        raise format_pydantic(path, e) from None
    return with_plan_start(scen, load_city(scen.city))


def load_scenario_file(path: str | Path) -> ScenarioFile:
    """Read, merge and validate a scenario file once; raises ``InputError`` on any bad input."""
    data, chain = load_raw(path)
    data.setdefault("name", Path(path).stem)
    scen = validate_scenario(data, path)
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
