"""A class decorator's one loop: every public method of a class wrapped the same way (an
adapter's calls made to answer ``Unavailable``, or to give up a request's turn while they
wait)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Method = Callable[..., Any]


def wrap_public_methods(cls: type, wrap: Callable[[Method], Method]) -> type:
    for name, member in list(vars(cls).items()):
        if callable(member) and not name.startswith("_"):
            setattr(cls, name, wrap(member))
    return cls
