"""A sweep's report written by a helper process, started when the sweep starts.

Written in the ``abx-sim -m`` process after the last run, the report cost every sweep ~0.5 s:
matplotlib (0.3 s to import), its fonts and the figure. A helper started with the sweep imports and
warms all that on the other core while the runs go (the basic launcher keeps one core busy), then
writes the report when told, as ``abx-sim-report`` does (:func:`sim.sweep.report.write_report`), so
the files are the same.

Protocol: one line on stdin (the sweep folder, as given: the helper has the caller's working
folder), one pickled reply on stdout, ``("ok", path)`` or ``("error", exception)``. If it cannot be
started or dies, the caller writes the report itself. It ignores Ctrl-C (the caller stops it) and
exits quietly if the caller goes away. Starting and stopping it is
:class:`~sim.outputs.figure_worker.FigureWorker`'s.
"""

from __future__ import annotations

import pickle
import signal
import sys
from pathlib import Path
from typing import Any

from sim.outputs.figure_worker import FigureWorker, send_reply, warm_up


class ReportWorker(FigureWorker):
    """The helper process: start it, then :meth:`report` once; :meth:`close` always."""

    def __init__(self) -> None:
        super().__init__(module=__name__)

    def report(self, sweep_dir: Path) -> Path:
        """Write the sweep's report (in the helper, or here if it failed); return its path."""
        reply = None
        if self._proc is not None:
            assert self._proc.stdin is not None and self._proc.stdout is not None
            try:
                self._proc.stdin.write(f"{sweep_dir}\n".encode())
                self._proc.stdin.close()
                reply = pickle.load(self._proc.stdout)
            except (OSError, ValueError, EOFError, pickle.UnpicklingError):  # it died: no reply
                pass
            self.close()
        if reply is None:
            from sim.sweep.report import write_report

            return write_report(sweep_dir)
        status, value = reply
        if status == "error":
            raise value
        return Path(value)


def _serve() -> None:
    """The helper's main: import and warm up, read the folder, write the report, reply."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the caller's to handle; it stops the helper
    from sim.sweep.report import write_report

    warm_up()
    line = sys.stdin.readline().rstrip("\n")
    if not line:  # the caller went away
        return
    try:
        reply: tuple[str, Any] = ("ok", str(write_report(Path(line))))
    except Exception as exc:  # the caller handles it as if it had written the report itself
        reply = ("error", exc)
    send_reply(reply)


if __name__ == "__main__":
    _serve()
