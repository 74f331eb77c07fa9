"""A run's figures drawn in a helper process, started before the run.

Drawn in the ``abx-sim`` process, the figures cost a default run 0.3 s to import matplotlib, 0.1 s
to load its fonts on the first figure and 0.3 s to draw, one after the other. A helper process
started before the model runs does the first two on the other core meanwhile; after the run it
draws the figures from the run's tables while ``abx-sim`` writes the Parquet files, one of them in
a forked copy of itself (:func:`draw_in_two`). It runs :func:`sim.outputs.plots.draw_figures`, so
the PNG files are the same bytes as drawn in process.

The helper reads one pickled request on stdin (the folder and the tables the figures need) and
writes one pickled reply on stdout: ``("ok", paths)`` or ``("error", exception)`` for an exception
while drawing or writing, which the caller raises as its own. If it cannot be started or dies, the
caller draws in process. It ignores Ctrl-C (the caller stops it) and exits quietly if the caller
goes away before sending anything.
"""

from __future__ import annotations

import io
import os
import pickle
import signal
import subprocess
import sys
import threading
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sim.api import Results


def helps() -> bool:
    """Whether a helper process pays: only with a core to itself while the model runs. With one core
    to run on, or every other core busy now, it would take the model's time (measured: the default
    run 0.6 s slower beside two busy processes) and cost a process start besides."""
    mine = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return mine > 1 and (os.cpu_count() or 1) - running_tasks() >= 1


def running_tasks() -> int:
    """Tasks running or ready to run on the machine now, this process included (Linux's
    ``/proc/loadavg``; elsewhere 1, as if the machine were idle)."""
    try:
        return int(Path("/proc/loadavg").read_text().split()[3].split("/")[0])
    except (OSError, ValueError, IndexError):
        return 1


class Helper:
    """A helper process (``python -m module``): start it, ask it once, :meth:`close` it always."""

    def __init__(self, module: str) -> None:
        package_root = str(Path(__file__).resolve().parents[2])  # the helper imports this same sim package
        path = os.pathsep.join(p for p in (package_root, os.environ.get("PYTHONPATH")) if p)
        try:
            self._proc: subprocess.Popen[bytes] | None = subprocess.Popen(
                [sys.executable, "-m", module], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                env={**os.environ, "PYTHONPATH": path})
        except OSError:
            self._proc = None
        self._sender: threading.Thread | None = None

    def _reply(self, here: Callable[[], Any]) -> Any:
        """Wait for the helper's reply and return its value, raising its error as this process's own;
        without a reply (it could not start, or died) do the work ``here``."""
        reply = None
        if self._proc is not None:
            assert self._proc.stdout is not None
            try:
                reply = pickle.load(self._proc.stdout)
            except (EOFError, pickle.UnpicklingError):  # it died: no reply
                pass
            self.close()
        if reply is None:
            return here()
        status, value = reply
        if status == "error":
            raise value
        return value

    def close(self) -> None:
        """Stop the helper if it still runs, and reap it."""
        if self._proc is None:
            return
        if self._proc.poll() is None:  # once it has replied its files are in place: no need to wait for its exit
            self._proc.kill()
        self._proc.wait()
        if self._sender is not None:
            self._sender.join()  # its write fails once the helper is gone
        for stream in (self._proc.stdin, self._proc.stdout):
            if stream is not None:
                stream.close()
        self._proc = None


class FigureWorker(Helper):
    """The figures' helper: start it, then :meth:`draw` once, then :meth:`figures`; :meth:`close` always."""

    def __init__(self) -> None:
        super().__init__(__name__)
        self._request: tuple[Path, dict[str, Any]] | None = None

    def draw(self, res: Results, folder: Path) -> None:
        """Send the run's tables; the helper starts drawing into ``folder`` as soon as it is ready."""
        self._request = (folder, {"summary": res.summary, "timeseries": res.timeseries, "accounts": res.accounts,
                                  "opportunities": res.opportunities})
        if self._proc is not None:
            # Sent from a thread: the pipe takes 64 KB, and a helper still importing after a short
            # run would hold the caller until it reads, instead of letting it write its tables.
            self._sender = threading.Thread(target=self._send, args=(pickle.dumps(self._request),), daemon=True)
            self._sender.start()

    def _send(self, data: bytes) -> None:
        assert self._proc is not None and self._proc.stdin is not None
        stdin = self._proc.stdin
        try:
            stdin.write(data)
            stdin.close()
        except (OSError, ValueError):  # it died, or close() stopped it: figures() gets no reply
            pass

    def figures(self) -> list[Path]:
        """Wait for the figures and return their paths (drawn here if the helper failed)."""
        assert self._request is not None, "draw() first"
        folder, tables = self._request

        def here() -> list[Path]:
            from sim.outputs.plots import draw_figures  # matplotlib, here only when the helper failed

            return draw_figures(folder=folder, **tables)

        return list(self._reply(here))


def warm_up() -> None:
    """Draw and render a small figure with the project's style (a symlog axis, a title, a legend):
    loads the fonts, the mathtext parser and the PNG encoder before the run's figures need them."""
    import matplotlib.pyplot as plt

    from sim.outputs.plots import STYLE

    with plt.style.context(STYLE):
        fig, ax = plt.subplots(figsize=(2, 1), layout="constrained")
        ax.plot([0, 1], [1, 100], label="warm-up")
        ax.set_yscale("symlog", linthresh=10)
        ax.set_title("warm-up")
        ax.legend()
        fig.savefig(io.BytesIO(), format="png")
        plt.close(fig)


def serve(read_request: Callable[[], Any], handle: Callable[[Any], Any]) -> None:
    """A helper's main: ignore Ctrl-C (the caller stops it), warm up, read the request (``None``:
    the caller went away), handle it and reply ``("ok", value)`` or ``("error", exception)``."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    warm_up()
    request = read_request()
    if request is None:
        return
    try:
        reply: tuple[str, Any] = ("ok", handle(request))
    except Exception as exc:  # the caller raises it, as if it had done the work itself
        reply = ("error", exc)
    send_reply(reply)


def _read_tables() -> tuple[Path, dict[str, Any]] | None:
    try:
        return pickle.load(sys.stdin.buffer)  # type: ignore[no-any-return]
    except EOFError:  # the caller went away (or had nothing to draw)
        return None


#: The figure a second process draws (:func:`draw_in_two`): 0.12 s of the three's 0.27 s (measured).
FORKED = ("funnel.png",)


def draw_in_two(folder: Path, tables: dict[str, Any]) -> list[Path]:
    """Draw the run's figures in two processes: while the helper draws the others, a copy of it
    (forked: matplotlib warm already) draws :data:`FORKED` on the core that ``abx-sim``, waiting
    for the figures, leaves idle. If the copy fails, the helper draws its figure again (raising
    the error, if any, as its own); without ``os.fork`` (Windows) it draws them all."""
    from sim.outputs.formats import FIGURES
    from sim.outputs.plots import draw_figures

    if not hasattr(os, "fork"):
        return draw_figures(folder=folder, **tables)
    with warnings.catch_warnings():
        # Python warns of any other thread at a fork; the helper's are OpenBLAS's idle pool and
        # pyarrow's jemalloc thread, both of which libraries make ready for a fork (pthread_atfork)
        warnings.filterwarnings("ignore", "This process .* is multi-threaded", DeprecationWarning)
        child = os.fork()
    if child == 0:
        status = 1
        try:
            draw_figures(folder=folder, names=FORKED, **tables)
            status = 0
        finally:
            os._exit(status)  # at once: the helper's streams, buffers and exit handlers are not the copy's
    try:
        drawn = draw_figures(folder=folder, names=[name for name in FIGURES if name not in FORKED], **tables)
    finally:  # the copy is reaped even when drawing here failed
        copy_failed = os.waitstatus_to_exitcode(os.waitpid(child, 0)[1]) != 0
    if copy_failed:
        draw_figures(folder=folder, names=FORKED, **tables)
    return sorted([*drawn, *(folder / name for name in FORKED)], key=lambda path: list(FIGURES).index(path.name))


def _serve() -> None:
    """The figures' helper: draw the run's figures from its tables."""
    serve(_read_tables, lambda request: draw_in_two(*request))


def send_reply(reply: tuple[str, Any]) -> None:
    """Write a helper's pickled reply on stdout."""
    try:
        data = pickle.dumps(reply)
    except Exception:  # an exception that cannot be pickled: its type and message
        data = pickle.dumps(("error", RuntimeError(f"{type(reply[1]).__name__}: {reply[1]}")))
    sys.stdout.buffer.write(data)
    sys.stdout.flush()


if __name__ == "__main__":
    _serve()
