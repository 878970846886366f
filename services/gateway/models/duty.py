"""Shapes of duty, location reports, the live view and tracks (CONTRACT.md "Duty and location").

The models bound types and ranges; the location service still judges each fix by time (too far
in the future, too old) and answers those per fix, by index, in the 202 reply.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from services.gateway.models.common import Crs, Latitude, Longitude, millis
from shouwang.clock import from_millis, rfc3339_of, to_rfc3339
from shouwang.location.v1 import location_pb2 as pb
from shouwang.typed_routes import ApiModel, QueryModel, ReplyModel

MAX_FIXES = 500
# A time any device can mean; the service narrows it to "the last 24 hours, not the future".
Moment = Annotated[
    AwareDatetime,
    Field(ge=datetime(2000, 1, 1, tzinfo=UTC), le=datetime(2100, 1, 1, tzinfo=UTC)),
]
# An officer reads a track a shift at a time: a longer range is a bulk export, not a look.
MAX_TRACK_SPAN = timedelta(hours=24)


class DutyState(ReplyModel):
    """The caller's duty state."""

    on_duty: bool
    online: bool
    started_at: str | None

    @classmethod
    def from_proto(cls, state: pb.DutyState) -> DutyState:
        started = rfc3339_of(state.started_at) if state.HasField("started_at") else None
        return cls(on_duty=state.on_duty, online=state.online, started_at=started)


class Fix(ApiModel):
    """One position as the device measured it."""

    lat: Latitude
    lon: Longitude
    ts: Moment = Field(description="RFC 3339 time with a timezone")
    accuracy_m: Annotated[float, Field(ge=0, le=100_000, allow_inf_nan=False)] | None = None
    speed_mps: Annotated[float, Field(ge=0, le=1_000, allow_inf_nan=False)] = 0.0
    heading_deg: Annotated[float, Field(ge=0, le=360, allow_inf_nan=False)] = 0.0

    def to_proto(self) -> pb.RawFix:
        return pb.RawFix(
            lat=self.lat,
            lon=self.lon,
            ts_ms=millis(self.ts),
            accuracy_m=self.accuracy_m or 0.0,
            has_accuracy=self.accuracy_m is not None,
            speed_mps=self.speed_mps,
            heading_deg=self.heading_deg,
        )


class LocationReport(ApiModel):
    """A batch of fixes, oldest first, in WGS-84 unless ``crs`` says otherwise."""

    crs: Crs = Crs.WGS84
    fixes: Annotated[list[Fix], Field(min_length=1, max_length=MAX_FIXES)]


class RejectedFix(ReplyModel):
    index: int = Field(description="position of the fix in the request's fixes")
    reason: str


class LocationReceipt(ReplyModel):
    """How many fixes were kept, and why the others were not."""

    accepted: int
    rejected: list[RejectedFix]


_DEGREES = r"-?\d{1,3}(\.\d{1,15})?"
BBOX_PATTERN = rf"^{_DEGREES}(,{_DEGREES}){{3}}$"


def _bbox(text: str) -> str:
    try:
        min_lon, min_lat, max_lon, max_lat = (float(part) for part in text.split(","))
    except ValueError:
        raise ValueError("must be minLon,minLat,maxLon,maxLat") from None
    if not (-180 <= min_lon <= 180 and -180 <= max_lon <= 180 and -90 <= min_lat <= max_lat <= 90):
        raise ValueError("must be minLon,minLat,maxLon,maxLat in WGS-84 ranges")
    return text


class LiveMembersQuery(QueryModel):
    bbox: Annotated[str, StringConstraints(pattern=BBOX_PATTERN), AfterValidator(_bbox)] = Field(
        description="minLon,minLat,maxLon,maxLat in WGS-84", examples=["120.1,30.2,120.2,30.3"]
    )

    @property
    def box(self) -> tuple[float, float, float, float]:
        min_lon, min_lat, max_lon, max_lat = (float(part) for part in self.bbox.split(","))
        return min_lon, min_lat, max_lon, max_lat


class PointGeometry(ReplyModel):
    type: Literal["Point"] = "Point"
    coordinates: list[float] = Field(description="[lon, lat]")


class LiveMemberProperties(ReplyModel):
    member_id: str
    name: str
    team_id: str
    status: Literal["online", "offline"]
    last_seen: str
    busy: bool


class LiveMemberFeature(ReplyModel):
    type: Literal["Feature"] = "Feature"
    geometry: PointGeometry
    properties: LiveMemberProperties

    @classmethod
    def from_proto(cls, member: pb.LiveMember, *, name: str) -> LiveMemberFeature:
        return cls(
            geometry=PointGeometry(coordinates=[member.lon, member.lat]),
            properties=LiveMemberProperties(
                member_id=member.member_id,
                name=name,
                team_id=member.team_id,
                status="online" if member.online else "offline",
                last_seen=rfc3339_of(member.last_seen),
                busy=member.busy,
            ),
        )


class LiveMembers(ReplyModel):
    """On-duty members of the officer's scope inside the box, as a GeoJSON FeatureCollection."""

    type: Literal["FeatureCollection"] = "FeatureCollection"
    features: list[LiveMemberFeature]


class LiveSummary(ReplyModel):
    """Counts of the officer's scope: online, on duty, and on duty by team and by grid."""

    online: int
    on_duty: int
    by_team: dict[str, int]
    by_grid: dict[str, int]

    @classmethod
    def from_proto(cls, reply: pb.SummaryResponse) -> LiveSummary:
        return cls(
            online=reply.online,
            on_duty=reply.on_duty,
            by_team=dict(reply.by_team),
            by_grid=dict(reply.by_grid),
        )


class TrackQuery(QueryModel):
    from_: Moment = Field(alias="from", description="RFC 3339 time with a timezone")
    to: Moment = Field(description="RFC 3339 time with a timezone; at most 24 h after from")
    reason: Annotated[str, StringConstraints(min_length=1, max_length=200)] = Field(
        description="why the officer reads the track; kept in the access record"
    )

    @field_validator("to")
    @classmethod
    def _one_shift_at_most(cls, to: datetime, info: ValidationInfo) -> datetime:
        start = info.data.get("from_")
        if start is not None and not start <= to <= start + MAX_TRACK_SPAN:
            raise ValueError("must be after from, and at most 24 hours after it")
        return to


class TrackFix(ReplyModel):
    lat: float
    lon: float
    accuracy_m: float
    ts: str
    flagged: bool = Field(description="too fast, too inaccurate or out of order: not dispatched on")


class Track(ReplyModel):
    """A member's fixes between two times, oldest first."""

    member_id: str
    fixes: list[TrackFix]

    @classmethod
    def from_proto(cls, track: pb.Track) -> Track:
        return cls(
            member_id=track.member_id,
            fixes=[
                TrackFix(
                    lat=f.lat,
                    lon=f.lon,
                    accuracy_m=f.accuracy_m,
                    ts=to_rfc3339(from_millis(f.ts_ms)),
                    flagged=f.implausible_speed or f.inaccurate or f.out_of_order,
                )
                for f in track.fixes
            ],
        )
