"""Shouwang's platform library: configuration, events, ports and adapters, RPC and HTTP plumbing.

It holds no business rules; the services under ``services/`` do.
"""
