"""Bounds of the points contract (CONTRACT.md "Reports, media, points, push"), written by hand
beside the generated code so the points service enforces them and the gateway's models mirror
them in the OpenAPI document.

Each bound sits well above any real use, and keeps what one caller can ask for cheap: a stock
unit is a document, and a cost or a penalty is a ledger delta summed over a member's history.
"""

from __future__ import annotations

MAX_STOCK = 1_000_000
MAX_NAME = 100
MAX_DESCRIPTION = 4000
MAX_REASON = 500
MAX_COST = 1_000_000
# The rules file's penalty.max_points may be set up to this (the default rules say 200).
MAX_PENALTY_POINTS = 10_000

PERIODS = ("week", "month", "all")
SCOPES = ("team", "station", "city")
REDEMPTION_STATUSES = ("pending", "redeemed", "fulfilled", "refused")

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
