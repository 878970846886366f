"""Organisations and grids (CONTRACT.md "Identity": /orgs, /grids)."""

from __future__ import annotations

from services.gateway.access import Access
from services.gateway.auth import Caller
from services.gateway.context import GatewayContext
from services.gateway.models.common import PageQuery
from services.gateway.models.directory import (
    GridCollection,
    GridFeature,
    GridFeatureView,
    GridQuery,
    OrgDraft,
    OrgPage,
    OrgView,
)
from shouwang.identity.v1 import identity_pb2 as pb
from shouwang.typed_routes import TypedRoutes


def routes(context: GatewayContext) -> TypedRoutes:
    api = TypedRoutes("directory", tag="directory", idempotency=context.idempotent)
    identity = context.clients.identity

    @api.post(
        "/orgs",
        summary="Create a station, or a team under its station",
        access=Access.ADMIN,
        body=OrgDraft,
        reply=OrgView,
        status=201,
        idempotent=True,
    )
    def create_org(caller: Caller, body: OrgDraft) -> OrgView:
        org = identity.CreateOrg(
            pb.CreateOrgRequest(
                actor=caller.actor, name=body.name, kind=str(body.kind), parent_id=body.parent_id
            )
        )
        return OrgView.from_proto(org)

    @api.get(
        "/orgs",
        summary="Stations and teams of the caller's scope, newest first",
        access=Access.OFFICER,
        query=PageQuery,
        reply=OrgPage,
    )
    def list_orgs(caller: Caller, query: PageQuery) -> OrgPage:
        reply = identity.ListOrgs(
            pb.ListOrgsRequest(
                actor=caller.actor, page_size=query.limit, page_token=query.cursor or ""
            )
        )
        return OrgPage(
            orgs=[OrgView.from_proto(org) for org in reply.orgs],
            next_cursor=reply.next_page_token or None,
        )

    @api.post(
        "/grids",
        summary="Draw a grid (网格) as a GeoJSON Feature of a Polygon",
        access=Access.ADMIN,
        body=GridFeature,
        reply=GridFeatureView,
        status=201,
        idempotent=True,
    )
    def create_grid(caller: Caller, body: GridFeature) -> GridFeatureView:
        grid = identity.CreateGrid(
            pb.CreateGridRequest(
                actor=caller.actor,
                name=body.properties.name,
                level=body.properties.level,
                parent_id=body.properties.parent_id,
                geometry_json=body.geometry.as_json(),
            )
        )
        return GridFeatureView.from_proto(grid)

    @api.get(
        "/grids",
        summary="Grids as a GeoJSON FeatureCollection, newest first",
        access=Access.OFFICER,
        query=GridQuery,
        reply=GridCollection,
    )
    def list_grids(caller: Caller, query: GridQuery) -> GridCollection:
        reply = identity.ListGrids(
            pb.ListGridsRequest(
                actor=caller.actor,
                level=query.level or 0,
                parent_id=query.parent_id,
                page_size=query.limit,
                page_token=query.cursor or "",
            )
        )
        return GridCollection(
            features=[GridFeatureView.from_proto(grid) for grid in reply.grids],
            next_cursor=reply.next_page_token or None,
        )

    return api
