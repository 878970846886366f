"""Moved to ``allinone.configdocs`` (it reads every service's settings); this alias stays only
while tests still import ``shouwang.configdocs``."""

from allinone.configdocs import render

__all__ = ["render"]
