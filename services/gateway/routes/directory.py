"""Organisations and grids (CONTRACT.md "Identity": /orgs, /grids)."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, jsonify, request

from services.gateway.auth import authenticate
from services.gateway.context import GatewayContext
from services.gateway.payloads import grid_feature, int_arg, optional_str, org_json, required_str
from shouwang.errors import FieldError, InvalidArgument
from shouwang.http import json_body
from shouwang.identity.v1 import identity_pb2 as pb


def blueprint(context: GatewayContext) -> Blueprint:
    routes = Blueprint("directory", __name__)
    identity = context.clients.identity

    @routes.post("/orgs")
    def create_org() -> Response:
        caller = authenticate(context.verifier)

        def create() -> Response:
            body = json_body()
            errors: list[FieldError] = []
            name = required_str(body, "name", errors)
            kind = required_str(body, "kind", errors)
            parent_id = optional_str(body, "parent_id", errors)
            if errors:
                raise InvalidArgument(detail="the organisation has invalid fields", errors=errors)
            org = identity.CreateOrg(
                pb.CreateOrgRequest(actor=caller.actor, name=name, kind=kind, parent_id=parent_id)
            )
            response = jsonify(org_json(org))
            response.status_code = 201
            return response

        return context.idempotent(caller, create)

    @routes.get("/orgs")
    def list_orgs() -> Response:
        caller = authenticate(context.verifier)
        reply = identity.ListOrgs(pb.ListOrgsRequest(actor=caller.actor))
        return jsonify(orgs=[org_json(o) for o in reply.orgs])

    @routes.post("/grids")
    def create_grid() -> Response:
        caller = authenticate(context.verifier)

        def create() -> Response:
            body = json_body()
            errors: list[FieldError] = []
            if body.get("type") != "Feature":
                errors.append(FieldError("type", "must be Feature"))
            properties: Any = body.get("properties")
            if not isinstance(properties, dict):
                errors.append(FieldError("properties", "must be an object"))
                properties = {}
            property_errors: list[FieldError] = []
            name = required_str(properties, "name", property_errors)
            level = properties.get("level")
            if not isinstance(level, int) or isinstance(level, bool):
                property_errors.append(FieldError("level", "must be 1, 2 or 3"))
                level = 0
            parent_id = optional_str(properties, "parent_id", property_errors)
            errors += [FieldError(f"properties.{e.field}", e.message) for e in property_errors]
            if errors:
                raise InvalidArgument(detail="the grid has invalid fields", errors=errors)
            grid = identity.CreateGrid(
                pb.CreateGridRequest(
                    actor=caller.actor,
                    name=name,
                    level=level,
                    parent_id=parent_id,
                    geometry_json=json.dumps(body.get("geometry")),
                )
            )
            response = jsonify(grid_feature(grid))
            response.status_code = 201
            return response

        return context.idempotent(caller, create)

    @routes.get("/grids")
    def list_grids() -> Response:
        caller = authenticate(context.verifier)
        errors: list[FieldError] = []
        level = int_arg(request.args, "level", errors)
        if errors:
            raise InvalidArgument(detail="bad query parameters", errors=errors)
        reply = identity.ListGrids(
            pb.ListGridsRequest(
                actor=caller.actor, level=level, parent_id=request.args.get("parent_id", "")
            )
        )
        return jsonify(type="FeatureCollection", features=[grid_feature(g) for g in reply.grids])

    return routes
