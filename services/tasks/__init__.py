"""Tasks: dispatch to the nearest members in waves, atomic claims, arrival, evidence; tips."""
