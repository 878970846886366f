"""Shapes of organisations (station → team) and grids as GeoJSON Features."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from services.gateway.models.common import Latitude, Longitude, Name, OptionalId, Page, PageQuery
from shouwang.identity.v1 import identity_pb2 as pb
from shouwang.typed_routes import ApiModel, ReplyModel

# identity's limit (services/identity/grids.py): enough for a district boundary traced from a
# survey map, and shapely validates it in milliseconds.
MAX_GRID_VERTICES = 10_000


class OrgKind(StrEnum):
    STATION = "station"
    TEAM = "team"


class OrgDraft(ApiModel):
    """A station (no parent) or a team (its station as parent)."""

    name: Name
    kind: OrgKind
    parent_id: OptionalId = ""


class OrgView(ReplyModel):
    org_id: str
    name: str
    kind: OrgKind
    parent_id: str | None

    @classmethod
    def from_proto(cls, org: pb.Org) -> OrgView:
        return cls(
            org_id=org.org_id,
            name=org.name,
            kind=OrgKind(org.kind),
            parent_id=org.parent_id or None,
        )


class OrgPage(Page):
    orgs: list[OrgView]


GridPosition = tuple[Longitude, Latitude]
# One ring may hold every vertex the polygon is allowed; the total is checked on the polygon.
GridRing = Annotated[list[GridPosition], Field(min_length=4, max_length=MAX_GRID_VERTICES)]


class GridPolygon(ApiModel):
    """A GeoJSON Polygon of at most 10,000 vertices over all its rings; identity checks that
    rings close and do not cross."""

    type: Literal["Polygon"]
    coordinates: Annotated[list[GridRing], Field(min_length=1, max_length=100)]

    @model_validator(mode="after")
    def _bounded(self) -> GridPolygon:
        if sum(len(ring) for ring in self.coordinates) > MAX_GRID_VERTICES:
            raise ValueError(f"at most {MAX_GRID_VERTICES} vertices over all rings")
        return self

    def as_json(self) -> str:
        return json.dumps({"type": "Polygon", "coordinates": self.coordinates})


class GridProperties(ApiModel):
    name: Name
    level: Literal[1, 2, 3] = Field(description="1 district, 2 community, 3 street block")
    parent_id: OptionalId = ""


class GridFeature(ApiModel):
    """A grid (网格) to draw, as a GeoJSON Feature."""

    type: Literal["Feature"]
    geometry: GridPolygon
    properties: GridProperties


class GridPropertiesView(ReplyModel):
    grid_id: str
    name: str
    level: int
    parent_id: str | None


class PolygonView(ReplyModel):
    type: Literal["Polygon"]
    coordinates: list[list[list[float]]]


class GridFeatureView(ReplyModel):
    type: Literal["Feature"] = "Feature"
    geometry: PolygonView
    properties: GridPropertiesView

    @classmethod
    def from_proto(cls, grid: pb.Grid) -> GridFeatureView:
        geometry: Any = json.loads(grid.geometry_json)
        return cls(
            geometry=PolygonView(**geometry),
            properties=GridPropertiesView(
                grid_id=grid.grid_id,
                name=grid.name,
                level=grid.level,
                parent_id=grid.parent_id or None,
            ),
        )


class GridQuery(PageQuery):
    level: Annotated[int, Field(ge=1, le=3)] | None = None
    parent_id: OptionalId = ""


class GridCollection(Page):
    """The grids as a GeoJSON FeatureCollection, one page of it."""

    type: Literal["FeatureCollection"] = "FeatureCollection"
    features: list[GridFeatureView]
