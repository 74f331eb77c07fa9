"""abx-sim: an agent-based simulation of account-based experience (ABX) strategies in B2B."""

__version__ = "0.1.0"
