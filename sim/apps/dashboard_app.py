"""The module Solara serves (``solara run sim.apps.dashboard_app``): the dashboard's page.

Kept apart from :mod:`sim.apps.dashboard_page` so that importing the page's pieces does not serve
it. Start it with ``abx-sim-dashboard``.
"""

from sim.apps.dashboard_page import Page

__all__ = ["Page"]
