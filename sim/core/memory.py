"""Will a run fit in memory? An estimate made before the model is built, checked against the machine.

A run's memory grows with its members (the struct-of-arrays state, the week's temporaries, the
account table): measured with ``resource.getrusage`` peak RSS at 20,000 and 200,000 accounts
(mid-market committees, 6.8 members per account; 2026-11), a run takes about
:data:`BASE_BYTES` for the interpreter and libraries plus :data:`BYTES_PER_MEMBER` per member.
"""

from __future__ import annotations

import os

from sim.core.config import Config
from sim.core.params import ConfigError

#: Interpreter, numpy, pandas, numba, Mesa and Hydra, and a small market's state (measured, issue 14:
#: 279 MB peak at 20,000 accounts, 136,000 members, less their 16 MB).
BASE_BYTES = 265e6
#: Peak bytes per buying-committee member (measured, issue 14: 145 MB more for 180,000 more accounts,
#: 1.22M members; 988 MB at 1,000,000 accounts).
BYTES_PER_MEMBER = 120.0


def needed_bytes(cfg: Config) -> float:
    """Estimated peak memory of one run: ``BASE_BYTES + BYTES_PER_MEMBER * expected members``."""
    m = cfg.market
    members = m.n_accounts * sum(s * c for s, c in zip(m.segment_shares, m.committee_size_mean, strict=True))
    return BASE_BYTES + BYTES_PER_MEMBER * members


#: Environment variable capping the memory a run may use, in bytes (e.g. ``4e9`` on a shared machine).
MEMORY_ENV = "ABX_SIM_MEMORY_BYTES"


def available_bytes() -> float | None:
    """Memory a new run may take now: ``$ABX_SIM_MEMORY_BYTES`` if set, else the machine's available
    memory (Linux ``MemAvailable``) within the container's limit (cgroup v2 ``memory.max``), or
    None if unknown."""
    chosen = os.environ.get(MEMORY_ENV)
    if chosen:
        try:
            return float(chosen)
        except ValueError:
            raise ConfigError(f"{MEMORY_ENV}={chosen}: must be a number of bytes, e.g. 4e9") from None
    machine = _meminfo_available()
    limit = _cgroup_headroom()
    if machine is None or limit is None:
        return machine if limit is None else limit
    return min(machine, limit)


def _meminfo_available() -> float | None:
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return float(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return float(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return None


def _cgroup_headroom(root: str = "/sys/fs/cgroup") -> float | None:
    """Room left under this container's cgroup v2 memory limit (None: no limit or no cgroup v2)."""
    try:
        with open(f"{root}/memory.max") as f:
            limit = f.read().strip()
        with open(f"{root}/memory.current") as f:
            current = float(f.read().strip())
    except (OSError, ValueError):
        return None
    return None if limit == "max" else max(float(limit) - current, 0.0)


def check_fits(cfg: Config, available: float | None = None) -> None:
    """Refuse (:class:`ConfigError`) a run whose estimated memory exceeds what the machine has."""
    have = available_bytes() if available is None else available
    need = needed_bytes(cfg)
    if have is not None and need > have:
        raise ConfigError(f"market.n_accounts = {cfg.market.n_accounts:,}: a run needs about {need / 1e9:.1f} GB "
                          f"of memory and this machine has {have / 1e9:.1f} GB available; use fewer accounts or "
                          "a machine with more memory")
