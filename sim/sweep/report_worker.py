"""A sweep's report written by a helper process, started when the sweep starts.

Written in the ``abx-sim -m`` process after the last run, the report cost every sweep ~0.5 s:
matplotlib (0.3 s to import), its fonts and the figure. A helper started with the sweep imports and
warms all that on the other core while the runs go (one job at a time keeps one core busy), then
writes the report when told, as ``abx-sim-report`` does (:func:`sim.sweep.report.write_report`), so
the files are the same.

Protocol: one line on stdin (the sweep folder, as given: the helper has the caller's working
folder), one pickled reply on stdout, ``("ok", path)`` or ``("error", exception)``. If it cannot be
started or dies, the caller writes the report itself. It ignores Ctrl-C (the caller stops it) and
exits quietly if the caller goes away. Starting, asking and stopping it is
:class:`~sim.outputs.figure_worker.Helper`'s.
"""

from __future__ import annotations

import sys
from pathlib import Path

from sim.outputs.figure_worker import Helper, serve


class ReportWorker(Helper):
    """The report's helper: start it, then :meth:`report` once; :meth:`close` always."""

    def __init__(self) -> None:
        super().__init__(__name__)

    def report(self, sweep_dir: Path) -> Path:
        """Write the sweep's report (in the helper, or here if it failed); return its path."""
        if self._proc is not None:
            assert self._proc.stdin is not None
            try:
                self._proc.stdin.write(f"{sweep_dir}\n".encode())
                self._proc.stdin.close()
            except (OSError, ValueError):  # it died: no reply comes
                pass

        def here() -> Path:
            from sim.sweep.report import write_report

            return write_report(sweep_dir)

        return Path(self._reply(here))


def _serve() -> None:
    """The report's helper: write the report of the sweep folder named on stdin."""
    from sim.sweep.report import write_report

    serve(lambda: sys.stdin.readline().rstrip("\n") or None, lambda line: str(write_report(Path(line))))


if __name__ == "__main__":
    _serve()
