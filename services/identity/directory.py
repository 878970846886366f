"""Organisations (station → team) and grids: the structure members and scope hang on."""

from __future__ import annotations

import json
from typing import Any

from services.identity import grids as grid_rules
from services.identity.ports import Ports
from services.identity.scope import STATION, TEAM, Actor, Scope, scope_of
from shouwang.clock import to_millis
from shouwang.errors import FieldError, Forbidden, InvalidArgument
from shouwang.ids import new_id
from shouwang.store import Document
from shouwang.store.paging import Page


def create_org(ports: Ports, actor: Actor, *, name: str, kind: str, parent_id: str) -> Document:
    if not actor.is_admin:
        raise Forbidden(detail="only administrators create organisations")
    errors = []
    name = name.strip()
    if not 1 <= len(name) <= 60:
        errors.append(FieldError("name", "must be 1 to 60 characters"))
    if kind not in (STATION, TEAM):
        errors.append(FieldError("kind", "must be station or team"))
    parent = ports.orgs.get(parent_id)
    if kind == TEAM and (parent is None or parent["kind"] != STATION):
        errors.append(FieldError("parent_id", "a team belongs to a station"))
    if kind == STATION and parent_id:
        errors.append(FieldError("parent_id", "a station has no parent"))
    if errors:
        raise InvalidArgument(detail="the organisation has invalid fields", errors=errors)
    document = {
        "_id": new_id(),
        "name": name,
        "kind": kind,
        "parent_id": parent_id,
        "created_at": to_millis(ports.clock.now()),
    }
    ports.orgs.add(document)
    return document


def list_orgs(ports: Ports, actor: Actor, *, page_size: int, page_token: str) -> Page:
    """The orgs of the actor's scope, newest first."""
    scope = resolve_scope(ports, actor)
    query = {} if scope.city_wide else {"_id": {"$in": sorted(scope.org_ids)}}
    return ports.orgs.page(query, size=page_size, cursor=page_token)


def resolve_scope(ports: Ports, actor: Actor) -> Scope:
    if not actor.is_officer:
        raise Forbidden(detail="only officers have a scope")
    return scope_of(actor, ports.orgs.tree())


def create_grid(
    ports: Ports, actor: Actor, *, name: str, level: int, parent_id: str, geometry_json: str
) -> Document:
    if not actor.is_admin:
        raise Forbidden(detail="only administrators draw grids")
    errors: list[FieldError] = []
    name = name.strip()
    if not 1 <= len(name) <= 60:
        errors.append(FieldError("properties.name", "must be 1 to 60 characters"))
    if level not in grid_rules.LEVELS:
        errors.append(FieldError("properties.level", "must be 1, 2 or 3"))
    parent = ports.grids.get(parent_id)
    if level == 1 and parent_id:
        errors.append(FieldError("properties.parent_id", "a first-level grid has no parent"))
    if level in (2, 3) and (parent is None or parent["level"] != level - 1):
        errors.append(FieldError("properties.parent_id", f"must be a level-{level - 1} grid"))
    try:
        geometry: Any = json.loads(geometry_json)
    except ValueError:
        geometry = None
    clean, geometry_errors = grid_rules.validate_geometry(geometry)
    errors += geometry_errors
    if errors or clean is None:
        raise InvalidArgument(detail="the grid has invalid fields", errors=errors)
    document = {
        "_id": new_id(),
        "name": name,
        "level": level,
        "parent_id": parent_id,
        "geometry": clean,
        "created_at": to_millis(ports.clock.now()),
    }
    ports.grids.add(document)
    return document


def list_grids(
    ports: Ports, actor: Actor, *, level: int, parent_id: str, page_size: int, page_token: str
) -> Page:
    """Grids of the whole city (every officer works with the same map), newest first."""
    if not actor.is_officer:
        raise Forbidden(detail="only officers list grids")
    query: dict[str, Any] = {}
    if level:
        query["level"] = level
    if parent_id:
        query["parent_id"] = parent_id
    return ports.grids.page(query, size=page_size, cursor=page_token)
