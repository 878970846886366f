"""The OpenAPI 3.1 document of the HTTP API, served at /api/v1/openapi.json.

Written by hand next to the routes (no framework generates it) and checked by a test that every
route the app serves is documented.
"""

from __future__ import annotations

from typing import Any

_PROBLEM = {"$ref": "#/components/responses/Problem"}


def _op(
    summary: str,
    *,
    body: str | None = None,
    ok: str = "200",
    secured: bool = True,
    responses: tuple[str, ...] = (),
) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "summary": summary,
        "responses": {ok: {"description": "success", "content": {"application/json": {}}}},
    }
    for status in ("400", "401", "403", "404", "409", "413", "415", "422", "429", *responses):
        operation["responses"].setdefault(status, _PROBLEM)
    if body:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{body}"}}},
        }
    if not secured:
        operation["security"] = []
    return operation


def document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Shouwang API",
            "version": "1.0.0",
            "description": "Police-led community patrol: identity, duty, tasks, points.",
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": {
            "/auth/register": {
                "post": _op(
                    "Register a member under their real name",
                    body="Registration",
                    ok="201",
                    secured=False,
                )
            },
            "/auth/login": {
                "post": _op("Log in with phone and password", body="Login", secured=False)
            },
            "/me": {"get": _op("The caller's own profile, masked")},
            "/points/me": {"get": _op("The caller's points balance and entries")},
            "/openapi.json": {"get": _op("This document", secured=False)},
        },
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
            },
            "responses": {
                "Problem": {
                    "description": "RFC 9457 problem details",
                    "content": {
                        "application/problem+json": {
                            "schema": {"$ref": "#/components/schemas/Problem"}
                        }
                    },
                }
            },
            "schemas": {
                "Problem": {
                    "type": "object",
                    "required": ["type", "title", "status", "detail"],
                    "properties": {
                        "type": {"type": "string"},
                        "title": {"type": "string"},
                        "status": {"type": "integer"},
                        "detail": {"type": "string"},
                        "errors": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "field": {"type": "string"},
                                    "message": {"type": "string"},
                                },
                            },
                        },
                    },
                },
                "Registration": {
                    "type": "object",
                    "required": ["name", "id_number", "phone", "password", "consent"],
                    "properties": {
                        "name": {"type": "string", "minLength": 2, "maxLength": 30},
                        "id_number": {"type": "string", "description": "GB 11643-1999, 18 chars"},
                        "phone": {"type": "string", "description": "mainland mobile"},
                        "password": {"type": "string", "minLength": 10},
                        "team_id": {"type": "string"},
                        "skills": {"type": "array", "items": {"type": "string"}},
                        "consent": {
                            "type": "object",
                            "required": ["version", "accepted"],
                            "properties": {
                                "version": {"type": "string"},
                                "accepted": {"const": True},
                            },
                        },
                    },
                },
                "Login": {
                    "type": "object",
                    "required": ["phone", "password"],
                    "properties": {"phone": {"type": "string"}, "password": {"type": "string"}},
                },
            },
        },
    }
