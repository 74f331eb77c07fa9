"""Writing a run's outputs: atomically, so a killed run never leaves a half-written file.

Each file is written to a temporary name in the same folder and renamed into place
(``os.replace`` is atomic on POSIX).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def _umask() -> int:
    mask = os.umask(0o022)  # reading the umask means setting it; put it straight back
    os.umask(mask)
    return mask


#: Permissions of every file written: what ``open`` would give under the process's umask
#: (temporary files are created 0600, which would otherwise stick after the rename).
FILE_MODE = 0o666 & ~_umask()


def temporaries(path: Path) -> list[Path]:
    """Temporary files a killed :func:`atomic_write` of ``path`` may have left beside it."""
    return list(path.parent.glob(f".{path.name}.*.tmp"))


def atomic_write(path: Path, write: Callable[[Path], object]) -> None:
    """Call ``write(tmp)`` on a temporary file beside ``path``, then rename it to ``path``."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json(path: Path, data: dict) -> None:
    """Write ``data`` as indented, key-sorted, standard JSON, atomically (NaN or infinity, which
    JSON cannot hold, raise :class:`ValueError` before anything is written)."""
    text = json.dumps(data, indent=2, sort_keys=True, allow_nan=False) + "\n"
    atomic_write(path, lambda p: p.write_text(text))
