"""The planning layer: service targets, staffing requirements for handlers and units, rosters."""
