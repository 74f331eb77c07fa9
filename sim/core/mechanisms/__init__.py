"""Mechanisms: the model's rules as small pure functions of arrays."""
