"""Config to config: the only place a scenario is rewritten (platforms applied, variants)."""
