"""abx-sim's Hydra sweeper plugin (discovered by Hydra through the ``hydra_plugins`` namespace)."""
