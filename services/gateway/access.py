"""Who may call each route, declared beside it (``access=``) and enforced before the body is read.

The authorization matrix test reads these declarations, so a route cannot be added without one.
"""

from __future__ import annotations

from enum import Enum

from flask import current_app

from services.gateway.auth import Caller, authenticate
from shouwang.errors import Forbidden

VERIFIER_EXTENSION = "shouwang.token_verifier"


class Access(Enum):
    """The least a caller must be; finer rules (scope, ownership) are the services' to apply."""

    ANYONE = "anyone, no token needed"
    MEMBER = "any signed-in member, pending ones included"
    VERIFIED = "verified members (officers included)"
    OFFICER = "officers of the scope, and admins"
    ADMIN = "admins"

    @property
    def secured(self) -> bool:
        return self is not Access.ANYONE

    def describe(self) -> str:
        return self.value

    def authorize(self) -> Caller | None:
        if self is Access.ANYONE:
            return None
        caller = authenticate(current_app.extensions[VERIFIER_EXTENSION])
        if self is Access.VERIFIED and caller.status != "verified":
            raise Forbidden(detail="only verified members may do this")
        if self is Access.OFFICER and not caller.is_officer:
            raise Forbidden(detail="only officers may do this")
        if self is Access.ADMIN and "admin" not in caller.roles:
            raise Forbidden(detail="only administrators may do this")
        return caller
