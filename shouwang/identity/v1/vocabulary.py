"""Closed sets the identity contract names (CONTRACT.md "Identity"), written by hand beside the
generated code so identity and its HTTP face share one list."""

from __future__ import annotations

ROLES = ("member", "team_leader", "officer", "admin")
SKILLS = ("first_aid", "fire", "driving", "mediation", "swimming", "language", "legal", "medical")
