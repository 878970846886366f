"""Training: rotation-training cohorts, roll calls, leave and the class report."""
