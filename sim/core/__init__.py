"""The model layer: config and parameter declaration, state, mechanisms, policies, the week, metrics.

Imports nothing from the rest of ``sim``; everything else (outputs, sweeps, studies, apps) builds on it.
"""
