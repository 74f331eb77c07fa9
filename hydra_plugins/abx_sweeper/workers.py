"""Stopping joblib's worker processes when a sweep ends.

joblib's loky backend keeps its workers for reuse by the next ``Parallel`` call and, at interpreter
exit, leaves them and its resource tracker to notice on their own: for a few seconds after
``abx-sim -m`` returned, its workers (zombies) and the tracker were still in the process table,
holding memory and confusing a script that starts the next sweep. A sweep is the process's last
use of them, so the sweeper stops them, and waits for them, before it returns.
"""

from __future__ import annotations

import sys


def stop_joblib_workers() -> None:
    """Shut loky's reusable executor down (waiting for its workers, then deleting joblib's
    temporary folder while the trackers still run), then stop loky's and multiprocessing's
    resource trackers, waiting for each. Nothing is started here: without an executor (joblib
    not used, or one worker, which runs in this process) nothing happens."""
    executor_module = sys.modules.get("joblib.externals.loky.reusable_executor")
    executor = getattr(executor_module, "_executor", None)
    if executor is None:
        return
    if hasattr(executor, "terminate"):  # joblib's MemmappingExecutor: also removes its temporary folder
        executor.terminate(kill_workers=False)
    else:
        executor.shutdown(wait=True)
    for name in ("joblib.externals.loky.backend.resource_tracker", "multiprocessing.resource_tracker"):
        tracker = getattr(sys.modules.get(name), "_resource_tracker", None)
        if tracker is not None and getattr(tracker, "_pid", None) is not None:
            tracker._stop()  # closes its pipe and waits for it to exit (multiprocessing's ResourceTracker._stop)
