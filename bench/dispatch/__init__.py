"""Dispatch latency: ``POST /tasks`` → the offer on the member's push stream, and the claim race."""
