"""The module Solara serves (``solara run sim.dashboard_app``): the dashboard's page.

Kept apart from :mod:`sim.dashboard` so that importing the dashboard's pieces does not build the
page. Start it with ``abx-sim-dashboard``.
"""

from sim.dashboard import page

Page = page()
