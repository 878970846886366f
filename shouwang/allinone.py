"""Moved to the top-level ``allinone`` package (the platform library composes no services).
This alias stays only while tests and bench scripts still import ``shouwang.allinone``; import
``allinone`` instead."""

from allinone import AllInOne, start, up

__all__ = ["AllInOne", "start", "up"]
