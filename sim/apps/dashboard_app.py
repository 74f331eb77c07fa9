"""The module Solara serves (``solara run sim.apps.dashboard_app``): the dashboard's page.

Kept apart from :mod:`sim.apps.dashboard` so that importing the dashboard's pieces does not build the
page. Start it with ``abx-sim-dashboard``.
"""

from sim.apps.dashboard import page

Page = page()
