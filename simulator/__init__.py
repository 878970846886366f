"""A simulated patrol night (``shouwang simulate``, and the demo of ``shouwang up``): members,
an officer and their tips, offers, claims, roll calls and patrol logs, all through the public
HTTP API and ``/stream`` like the real apps — it imports no service."""

from simulator.night import OFFICER_LABEL, SetupFailed, Simulation, SimulationSettings
from simulator.plan import Plan, make_plan

__all__ = [
    "OFFICER_LABEL",
    "Plan",
    "SetupFailed",
    "Simulation",
    "SimulationSettings",
    "make_plan",
]
