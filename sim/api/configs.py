"""The config folder: where it is, its groups and their options (each with a line on what it is,
for ``abx-sim --help``), and the structured configs Hydra composes with."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path

from hydra.core.config_store import ConfigStore
from omegaconf import DictConfig, OmegaConf

from sim.core.config import Config
from sim.core.policies import REGISTRY

#: Environment variable naming another config folder to use instead of ``configs/`` (it must hold
#: ``config.yaml``), e.g. a copy with extra options. Everything reads it: the API, ``abx-sim`` and the dashboard.
CONFIG_DIR_ENV = "ABX_SIM_CONFIG_DIR"


def config_dir() -> Path:
    """The Hydra config tree: ``$ABX_SIM_CONFIG_DIR`` if set, else ``configs/`` of the source checkout.

    Raises:
        FileNotFoundError: ``$ABX_SIM_CONFIG_DIR`` is not a folder holding ``config.yaml``, or no
            ``configs/`` is found.
    """
    chosen = os.environ.get(CONFIG_DIR_ENV)
    if chosen:
        path = Path(chosen).expanduser().resolve()
        if not (path / "config.yaml").is_file():
            raise FileNotFoundError(f"{CONFIG_DIR_ENV}={chosen}: not a config folder (it has no config.yaml)")
        return path
    here = Path(__file__).resolve().parents[1]  # the sim package
    for candidate in (here / "configs", here.parent / "configs"):
        if (candidate / "config.yaml").is_file():
            return candidate
    raise FileNotFoundError(f"abx-sim configs not found next to {here}")


def config_groups(extra_dirs: Sequence[Path] = ()) -> list[str]:
    """The config groups: every folder under :func:`config_dir` (or ``extra_dirs``) holding YAML
    files, e.g. ``strategy/tiering``, sorted (Hydra's own ``hydra/...`` groups excluded)."""
    groups = {path.parent.relative_to(root).as_posix() for root in (config_dir(), *map(Path, extra_dirs))
              for path in root.glob("*/**/*.yaml")}
    return sorted(g for g in groups if g.split("/")[0] != "hydra")


def config_options(group: str, extra_dirs: Sequence[Path] = ()) -> list[str]:
    """The options of a config group (``group=option``): its YAML files' names, sorted, in
    :func:`config_dir` and in ``extra_dirs`` (folders ``--config-dir`` adds).

    In a policy family's group (``strategy/<family>``) a file is an option only if the policy it
    names (its ``policy:`` key) is registered: a file for a class that is not loaded cannot compose.

    >>> config_options("strategy/orchestration")
    ['manual', 'signal', 'siloed']
    """
    roots = (config_dir(), *map(Path, extra_dirs))
    files = {path.stem: path for root in roots for path in (root / group).glob("*.yaml")}
    family = group.removeprefix("strategy/")
    if group.startswith("strategy/") and family in REGISTRY:
        files = {name: path for name, path in files.items() if _policy_named(path) in REGISTRY[family]}
    return sorted(files)


def _policy_named(path: Path) -> str | None:
    """The ``policy:`` a policy's YAML file selects (``None`` if it names none)."""
    node = OmegaConf.load(path)
    return node.get("policy") if isinstance(node, DictConfig) else None


#: What each config group sets, for ``abx-sim --help`` (a group a user adds is listed without one).
GROUP_MEANINGS = {
    "market": "the world: accounts, committees, buying windows, deals, renewals, the vendor's budget and teams",
    "strategy": "a strategy preset: one policy of each family below, with its settings",
    "strategy/tiering": "target list, tiers, investment per tier, reviews and re-cuts",
    "strategy/orchestration": "who acts on which account when: plays, sales alignment, CS in the motion",
    "strategy/personalization": "research depth, personalization claimed, role matching",
    "strategy/measurement": "quarterly budget reallocation by a steering metric",
    "sweep": "a sampling design for a multirun (abx-sim -m)",
}


def option_meaning(group: str, option: str) -> str:
    """One line on what a group's option is: the first sentence of its YAML file's opening comment,
    or, for a policy file whose comment only points to the code, its policy's docstring."""
    path = config_dir() / group / f"{option}.yaml"
    lines = []
    for line in path.read_text().splitlines():
        if not line.startswith("#"):
            break
        if not line.startswith("# @package"):
            lines.append(line.lstrip("# ").strip())
    text = " ".join(lines)
    family = group.removeprefix("strategy/")
    if (not text or text.startswith(f"{family} policy '")) and family in REGISTRY:
        policy = REGISTRY[family].get(str(_policy_named(path)))
        text = " ".join((policy.__doc__ or "").replace("``", "").split()) if policy else text
    sentence = re.split(r"(?<=[.;])\s(?=[A-Z])", text, maxsplit=1)[0].rstrip(".;")
    return sentence if len(sentence) <= 96 else sentence[:95].rsplit(" ", 1)[0] + " ..."


def config_groups_help() -> str:
    """The config groups of ``abx-sim --help``: each group, what it sets, then ``group=option``
    and a line on each option."""
    out = []
    for group in config_groups():
        meaning = GROUP_MEANINGS.get(group)
        out.append(f"{group}=OPTION" + (f": {meaning}" if meaning else ""))
        out += [f"    {option:<27}{option_meaning(group, option)}" for option in config_options(group)]
    return "\n".join(out)


def register_schema() -> None:
    """Register the structured configs, and the help's ``${abx_config_groups:}`` resolver, with Hydra
    (idempotent).

    ``abx_schema`` is the root; each registered policy's ``Params`` is stored as
    ``strategy/<family>/<name>_schema``, which that policy's YAML file extends, so every policy
    parameter can be overridden from the command line and is type-checked.
    """
    global _registered
    store = ConfigStore.instance()
    policies = [(family, name, cls) for family, members in REGISTRY.items() for name, cls in members.items()]
    if _registered != (store, policies) or "abx_schema.yaml" not in store.repo:
        store.store(name="abx_schema", node=Config)
        for family, name, cls in policies:
            store.store(group=f"strategy/{family}", name=f"{name}_schema", node=cls.Params(policy=name))
        _registered = (store, policies)
    OmegaConf.register_new_resolver("abx_config_groups", config_groups_help, replace=True)


#: The store and the policies :func:`register_schema` last stored: storing converts every schema to
#: a config (30 ms), and ``abx-sim`` registers when it is imported and again when it composes.
_registered: tuple[ConfigStore, list[tuple[str, str, type]]] | None = None


