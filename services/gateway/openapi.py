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


# (method, path, summary, request schema, success status, needs a token)
OPERATIONS: list[tuple[str, str, str, str | None, str, bool]] = [
    (
        "post",
        "/auth/register",
        "Register a member under their real name",
        "Registration",
        "201",
        False,
    ),
    ("post", "/auth/login", "Log in with phone and password", "Login", "200", False),
    (
        "post",
        "/auth/refresh",
        "Trade a refresh token for a new pair (rotation; reuse revokes)",
        "Refresh",
        "200",
        False,
    ),
    ("post", "/auth/logout", "Revoke the session of a refresh token", "Refresh", "204", True),
    ("get", "/me", "The caller's own profile, masked", None, "200", True),
    (
        "get",
        "/members",
        "Members of the officer's scope (?status=&team_id=&grid_id=&limit=)",
        None,
        "200",
        True,
    ),
    (
        "get",
        "/members/{member_id}",
        "One member, masked (404 outside the caller's scope)",
        None,
        "200",
        True,
    ),
    (
        "post",
        "/members/{member_id}/verify",
        "Approve or reject a pending member",
        "Decision",
        "200",
        True,
    ),
    (
        "post",
        "/members/{member_id}/suspend",
        "Suspend a member; their tokens stop working",
        "Reason",
        "200",
        True,
    ),
    ("post", "/members/{member_id}/roles", "Assign roles and an org (admin)", "Roles", "200", True),
    (
        "post",
        "/members/{member_id}/reveal",
        "Read an unmasked ID number or phone (admin; audited, reason required)",
        "Reveal",
        "200",
        True,
    ),
    (
        "get",
        "/audit",
        "Audit records of unmasked reads (admin; ?member_id=&actor_id=)",
        None,
        "200",
        True,
    ),
    ("post", "/orgs", "Create a station or team (admin)", "Org", "201", True),
    ("get", "/orgs", "Stations and teams of the caller's scope", None, "200", True),
    ("post", "/grids", "Create a grid: a GeoJSON Feature (admin)", "GridFeature", "201", True),
    ("get", "/grids", "Grids as a FeatureCollection (?level=&parent_id=)", None, "200", True),
    ("post", "/duty/start", "Go on duty (verified members)", None, "200", True),
    ("post", "/duty/end", "Go off duty", None, "200", True),
    (
        "post",
        "/location",
        "Report 1-500 fixes; each refused one is listed by index",
        "Fixes",
        "202",
        True,
    ),
    (
        "get",
        "/live/members",
        "On-duty members in a bbox as GeoJSON (?bbox=minLon,minLat,maxLon,maxLat)",
        None,
        "200",
        True,
    ),
    (
        "get",
        "/live/summary",
        "Counts of on-duty and online members by team and grid",
        None,
        "200",
        True,
    ),
    (
        "get",
        "/members/{member_id}/track",
        "A member's track (officer; audited; ?from=&to=&reason=)",
        None,
        "200",
        True,
    ),
    ("post", "/tasks", "Dispatch a task (officer): nearest / area / members", "Task", "201", True),
    (
        "get",
        "/tasks",
        "Officer: tasks of the scope; member: tasks offered to them (?status=)",
        None,
        "200",
        True,
    ),
    ("get", "/tasks/{task_id}", "A task with its offers and claims", None, "200", True),
    (
        "post",
        "/tasks/{task_id}/claim",
        "Claim an offered task (409 full or not offered, 410 expired or cancelled)",
        None,
        "200",
        True,
    ),
    ("post", "/tasks/{task_id}/decline", "Decline an offered task", None, "200", True),
    (
        "post",
        "/tasks/{task_id}/arrive",
        "Claimant on scene (also automatic by geofence)",
        None,
        "200",
        True,
    ),
    (
        "post",
        "/tasks/{task_id}/complete",
        "Claimant resolves the task with a note and photos",
        "Completion",
        "200",
        True,
    ),
    (
        "post",
        "/tasks/{task_id}/confirm",
        "Officer closes a resolved task (points follow)",
        None,
        "200",
        True,
    ),
    ("post", "/tasks/{task_id}/cancel", "Officer cancels a task", None, "200", True),
    ("post", "/reports", "Report a tip or hazard (verified members)", "Report", "201", True),
    (
        "get",
        "/reports",
        "Officer: the scope's queue; member: own reports (?status=)",
        None,
        "200",
        True,
    ),
    (
        "post",
        "/reports/{report_id}/review",
        "Approve (with points, optionally as a task) or reject, once",
        "Review",
        "200",
        True,
    ),
    ("get", "/points/me", "The caller's points balance and newest entries", None, "200", True),
    (
        "get",
        "/points/leaderboard",
        "Ranking (?period=week|month|all&scope=team|station|city)",
        None,
        "200",
        True,
    ),
    ("get", "/points/catalogue", "Rewards that points can be spent on", None, "200", True),
    ("post", "/points/catalogue", "Add a reward (officer)", "CatalogueItem", "201", True),
    (
        "post",
        "/points/catalogue/{item_id}/stock",
        "Restock or retire a reward (officer)",
        "Stock",
        "200",
        True,
    ),
    (
        "post",
        "/points/redeem",
        "Spend points on a reward (Idempotency-Key; never below zero or beyond stock)",
        "Redeem",
        "201",
        True,
    ),
    ("get", "/points/redemptions", "Redemptions (members: their own)", None, "200", True),
    (
        "post",
        "/points/redemptions/{redemption_id}/fulfil",
        "Hand a reward over (officer)",
        None,
        "200",
        True,
    ),
    ("post", "/points/penalties", "Deduct points with a reason (officer)", "Penalty", "201", True),
    (
        "post",
        "/media",
        "Upload a photo: multipart field file, JPEG/PNG/WebP by content, at most 10 MiB; "
        "GPS tags are removed unless the uploader is an officer",
        None,
        "201",
        True,
    ),
    (
        "get",
        "/media/{media_id}",
        "A photo's bytes (its uploader, or officers whose scope covers the uploader)",
        None,
        "200",
        True,
    ),
    (
        "get",
        "/stream",
        "Server-Sent Events of the caller's tasks and reports (Bearer header or ?access_token=; "
        "Last-Event-ID resumes; ': ping' comments every 15 s)",
        None,
        "200",
        True,
    ),
    ("get", "/openapi.json", "This document", None, "200", False),
]

# Operations whose bodies are not JSON.
_MEDIA_UPLOAD = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {"file": {"type": "string", "format": "binary"}},
            }
        }
    },
}
_NOT_JSON_REPLIES = {
    ("get", "/media/{media_id}"): ("image/jpeg", "image/png", "image/webp"),
    ("get", "/stream"): ("text/event-stream",),
}


def _paths() -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for method, path, summary, body, ok, secured in OPERATIONS:
        paths.setdefault(path, {})[method] = _op(summary, body=body, ok=ok, secured=secured)
    paths["/media"]["post"]["requestBody"] = _MEDIA_UPLOAD
    for (method, path), media_types in _NOT_JSON_REPLIES.items():
        paths[path][method]["responses"]["200"]["content"] = {t: {} for t in media_types}
    return paths


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
        "paths": _paths(),
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
                        "home": {
                            "type": "object",
                            "description": "{lat, lon}: decides the "
                            "member's grid; the point itself is not stored",
                        },
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
                "Refresh": {
                    "type": "object",
                    "required": ["refresh_token"],
                    "properties": {"refresh_token": {"type": "string"}},
                },
                "Decision": {
                    "type": "object",
                    "required": ["decision"],
                    "properties": {
                        "decision": {"enum": ["approve", "reject"]},
                        "reason": {"type": "string"},
                    },
                },
                "Reason": {"type": "object", "properties": {"reason": {"type": "string"}}},
                "Roles": {
                    "type": "object",
                    "required": ["roles"],
                    "properties": {
                        "roles": {
                            "type": "array",
                            "items": {"enum": ["member", "team_leader", "officer", "admin"]},
                        },
                        "org_id": {"type": "string"},
                    },
                },
                "Reveal": {
                    "type": "object",
                    "required": ["field", "reason"],
                    "properties": {
                        "field": {"enum": ["id_number", "phone"]},
                        "reason": {"type": "string", "minLength": 5},
                    },
                },
                "Org": {
                    "type": "object",
                    "required": ["name", "kind"],
                    "properties": {
                        "name": {"type": "string"},
                        "kind": {"enum": ["station", "team"]},
                        "parent_id": {"type": "string"},
                    },
                },
                "GridFeature": {
                    "type": "object",
                    "required": ["type", "geometry", "properties"],
                    "properties": {
                        "type": {"const": "Feature"},
                        "geometry": {
                            "type": "object",
                            "description": "GeoJSON Polygon, WGS-84, "
                            "closed rings, at most 10,000 vertices",
                        },
                        "properties": {
                            "type": "object",
                            "required": ["name", "level"],
                            "properties": {
                                "name": {"type": "string"},
                                "level": {"enum": [1, 2, 3]},
                                "parent_id": {"type": "string"},
                            },
                        },
                    },
                },
                "Fixes": {
                    "type": "object",
                    "required": ["fixes"],
                    "properties": {
                        "crs": {"enum": ["wgs84", "gcj02", "bd09"]},
                        "fixes": {
                            "type": "array",
                            "minItems": 1,
                            "maxItems": 500,
                            "items": {
                                "type": "object",
                                "required": ["lat", "lon", "ts"],
                                "properties": {
                                    "lat": {"type": "number"},
                                    "lon": {"type": "number"},
                                    "accuracy_m": {"type": "number"},
                                    "ts": {"type": "string", "format": "date-time"},
                                    "speed_mps": {"type": "number"},
                                    "heading_deg": {"type": "number"},
                                },
                            },
                        },
                    },
                },
                "Task": {
                    "type": "object",
                    "required": ["title", "priority", "location", "target"],
                    "properties": {
                        "title": {"type": "string", "maxLength": 100},
                        "description": {"type": "string"},
                        "kind": {"type": "string"},
                        "priority": {"enum": [1, 2, 3]},
                        "location": {"$ref": "#/components/schemas/Point"},
                        "area": {
                            "description": "GeoJSON Polygon or {center, radius_m} "
                            "(50 m-20 km); default a 3 km circle"
                        },
                        "target": {
                            "type": "object",
                            "required": ["mode"],
                            "properties": {
                                "mode": {"enum": ["nearest", "area", "members"]},
                                "count": {"type": "integer", "minimum": 1, "maximum": 50},
                                "member_ids": {"type": "array", "items": {"type": "string"}},
                            },
                        },
                        "capacity": {"type": "integer", "minimum": 1, "maximum": 50},
                        "skills": {"type": "array", "items": {"type": "string"}},
                        "expires_in_s": {"type": "integer", "minimum": 60, "maximum": 86400},
                        "points": {"type": "integer", "minimum": 0},
                    },
                },
                "Point": {
                    "type": "object",
                    "required": ["lat", "lon"],
                    "properties": {"lat": {"type": "number"}, "lon": {"type": "number"}},
                },
                "Completion": {
                    "type": "object",
                    "properties": {
                        "note": {"type": "string"},
                        "media_ids": {"type": "array", "items": {"type": "string"}},
                    },
                },
                "Report": {
                    "type": "object",
                    "required": ["category", "description", "location"],
                    "properties": {
                        "category": {
                            "enum": [
                                "crime_clue",
                                "safety_hazard",
                                "traffic",
                                "fire",
                                "dispute",
                                "other",
                            ]
                        },
                        "description": {"type": "string"},
                        "location": {"$ref": "#/components/schemas/Point"},
                        "media_ids": {"type": "array", "items": {"type": "string"}},
                    },
                },
                "Review": {
                    "type": "object",
                    "required": ["decision"],
                    "properties": {
                        "decision": {"enum": ["approve", "reject"]},
                        "points": {"type": "integer", "minimum": 0, "maximum": 200},
                        "note": {"type": "string"},
                        "task": {"$ref": "#/components/schemas/Task"},
                    },
                },
                "CatalogueItem": {
                    "type": "object",
                    "required": ["name", "cost", "stock"],
                    "properties": {
                        "name": {"type": "string"},
                        "cost": {"type": "integer"},
                        "stock": {"type": "integer"},
                        "description": {"type": "string"},
                    },
                },
                "Stock": {
                    "type": "object",
                    "required": ["stock"],
                    "properties": {"stock": {"type": "integer"}, "active": {"type": "boolean"}},
                },
                "Redeem": {
                    "type": "object",
                    "required": ["item_id"],
                    "properties": {"item_id": {"type": "string"}},
                },
                "Penalty": {
                    "type": "object",
                    "required": ["member_id", "points", "reason"],
                    "properties": {
                        "member_id": {"type": "string"},
                        "points": {"type": "integer"},
                        "reason": {"type": "string"},
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
