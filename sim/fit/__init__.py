"""Fitting the model to a company: its records and figures (targets), ABC-SMC over market parameters."""
