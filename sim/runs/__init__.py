"""The runs layer: plan, execute and store replications -- the one run pipeline."""
