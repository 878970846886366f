"""Capacity of each component at 2 cores, measured: ``python -m bench.capacity``
(docs/capacity.md)."""
