"""Sweeps: replications and sampling designs over configs, a results catalog, and the report.

The model never imports this package; it meets the analysis only through the catalog (a table of
inputs and outcomes), as in EMA Workbench and SALib.
"""
