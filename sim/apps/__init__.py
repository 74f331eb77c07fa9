"""The programs people run: the ``abx-sim`` command line and the dashboard."""
