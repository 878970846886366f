"""Media endpoints (CONTRACT.md "Reports, media, points, push"): upload a photo, a push-to-talk
voice clip or a bulletin's video clip; read it back — whole or by byte ranges — as its uploader,
an officer whose scope covers the uploader's station, or a recipient of the group message or
bulletin it came with; or through a playback ticket, for a <video> element that cannot send
an Authorization header (docs/comms.md "Video clips")."""

from __future__ import annotations

import io
import time
from collections.abc import Mapping

from flask import Response, request

from services.gateway.access import Access
from services.gateway.auth import Caller
from services.gateway.context import GatewayContext
from services.gateway.media.kinds import (
    MAX_UPLOAD_BYTES,
    MULTIPART_ALLOWANCE,
    accepted_media,
    size_limit,
)
from services.gateway.media.playback import (
    TICKET_SECONDS,
    RangeNotSatisfiable,
    byte_range,
    new_url_key,
    playback_ticket,
    ticket_holder,
)
from services.gateway.media.upload import TooLarge, read_file_field
from services.gateway.models.media import (
    MEDIA_TYPES,
    UPLOAD_FORM,
    MediaStored,
    PlaybackQuery,
    PlaybackTicket,
)
from services.gateway.scope import caller_message
from shouwang.comms.v1 import comms_pb2
from shouwang.errors import Conflict, NotFound, Unauthenticated
from shouwang.http import problem
from shouwang.identity.v1 import identity_pb2
from shouwang.store import Blob
from shouwang.store.blobs import check_blob_id
from shouwang.typed_routes import RawReply, TypedRoutes, json_reply


def routes(context: GatewayContext) -> TypedRoutes:
    api = TypedRoutes("media", tag="media", idempotency=context.idempotent)
    identity = context.clients.identity

    @api.post(
        "/media",
        summary="Upload a photo, a voice clip or a video clip",
        description="Photos: JPEG, PNG or WebP up to 10 MiB; GPS tags are removed unless an "
        "officer uploads it (evidence as taken). Voice clips (push-to-talk): Opus in WebM or "
        "Ogg, up to 60 s and 1 MiB, judged and measured from their bytes. Video clips (for "
        "bulletins' media_ids): MP4 (H.264, H.265, AV1, VP9) or WebM (VP8, VP9, AV1) up to "
        "20 MiB, the container parsed whole. The kind is told by the content, never by the "
        "name or the declared type; a body announcing more than the largest kind is refused "
        "before it is read, and reading stops as soon as the file passes its kind's limit.",
        access=Access.MEMBER,
        multipart=UPLOAD_FORM,
        reply=MediaStored,
        status=201,
        errors=(413, 415),
        idempotent=True,
    )
    def upload_media(caller: Caller) -> Response:
        announced = request.content_length
        if announced is not None and announced > MAX_UPLOAD_BYTES + MULTIPART_ALLOWANCE:
            raise TooLarge(
                detail=f"the body announces {announced} bytes; the largest upload (a video "
                f"clip) may be {MAX_UPLOAD_BYTES} bytes (20 MiB)"
            )
        # With an Idempotency-Key the body was already read (bounded by the server's body
        # limit) to fingerprint it; otherwise it is read from the socket as it is parsed.
        source = (
            io.BytesIO(request.get_data(cache=True)).read
            if "Idempotency-Key" in request.headers
            else request.stream.read
        )
        data = read_file_field(
            source,
            request.headers.get("Content-Type", ""),
            limit=MAX_UPLOAD_BYTES,
            limit_for=size_limit,
        )
        stored = accepted_media(data, keep_location=caller.is_officer)
        member = identity.GetMember(identity_pb2.GetMemberRequest(member_id=caller.member_id))
        metadata = {
            "uploader": caller.member_id,
            "station_id": member.station_id,
            "content_type": stored.content_type,
            "url_key": new_url_key(),
        }
        if stored.kind != "photo":  # a photo has no "kind": that is how older uploads read
            metadata["kind"] = stored.kind
        if stored.duration_ms is not None:
            metadata["duration_ms"] = str(stored.duration_ms)
        media_id = context.blobs.put(
            stored.data, content_type=stored.content_type, metadata=metadata
        )
        reply = MediaStored(
            media_id=media_id,
            content_type=stored.content_type,  # type: ignore[arg-type]
            kind=stored.kind,  # type: ignore[arg-type]
            duration_ms=stored.duration_ms,
        )
        response = json_reply(reply, status=201)
        response.headers["Location"] = f"{request.path}/{media_id}"
        return response

    @api.get(
        "/media/{media_id}",
        summary="A photo's or a clip's bytes, whole or one byte range",
        description="`Range: bytes=start-end` (one range) answers 206 with `Content-Range`; "
        "416 when no byte of it lies in the media. `If-Range` with another ETag sends it all.",
        access=Access.MEMBER,
        reply=RawReply(MEDIA_TYPES, "the photo or clip as stored (206: the range asked)"),
        errors=(416,),
    )
    def get_media(caller: Caller, media_id: str) -> Response:
        metadata = _metadata(media_id)
        blob = (
            context.blobs.get(media_id)
            if metadata and may_see(caller, media_id, metadata)
            else None
        )
        if blob is None:
            raise NotFound(detail="no such media")
        return _served(media_id, blob, cache="private, max-age=86400")

    @api.post(
        "/media/{media_id}/tickets",
        summary="A playback ticket: a URL a <video> element can fetch, ranges included",
        description=f"For whoever may read the media (as GET /media/{{media_id}}); the URL is "
        f"good for {TICKET_SECONDS} s and this one media, and stops working when the caller's "
        "tokens are revoked.",
        access=Access.MEMBER,
        reply=PlaybackTicket,
        status=201,
        errors=(409,),
    )
    def issue_ticket(caller: Caller, media_id: str) -> PlaybackTicket:
        metadata = _metadata(media_id)
        if not metadata or not may_see(caller, media_id, metadata):
            raise NotFound(detail="no such media")
        url_key = metadata.get("url_key")
        if not url_key:
            raise Conflict(
                detail="this media was uploaded before playback tickets: fetch it with "
                "GET /media/{media_id} and the Authorization header"
            )
        ticket = playback_ticket(
            url_key=url_key,
            media_id=media_id,
            member_id=caller.member_id,
            token_version=caller.token_version,
            expires_at=int(time.time()) + TICKET_SECONDS,
        )
        return PlaybackTicket(
            url=f"{request.script_root}{request.path.rsplit('/', 1)[0]}/content?ticket={ticket}",
            content_type=metadata.get("content_type", ""),
            expires_in=TICKET_SECONDS,
        )

    @api.get(
        "/media/{media_id}/content",
        summary="A media's bytes through a playback ticket (no Authorization header)",
        description="What a <video> or <img> element loads from the URL of "
        "POST /media/{media_id}/tickets; ranges as GET /media/{media_id}. 401 when the ticket "
        "is not this media's, has expired, or its holder's tokens were revoked.",
        access=Access.ANYONE,
        query=PlaybackQuery,
        reply=RawReply(MEDIA_TYPES, "the photo or clip as stored (206: the range asked)"),
        errors=(401, 416),
    )
    def play_media(caller: None, media_id: str, query: PlaybackQuery) -> Response:
        metadata = _metadata(media_id)
        url_key = metadata.get("url_key") if metadata else None
        holder = (
            ticket_holder(query.ticket, url_key=url_key, media_id=media_id, now=time.time())
            if url_key
            else None
        )
        if holder is None or not context.verifier.versions.accepts(*holder):
            raise Unauthenticated(
                detail="the playback ticket is not valid for this media, or has expired: "
                "get a new one with POST /media/{media_id}/tickets"
            )
        blob = context.blobs.get(media_id)
        if blob is None:
            raise NotFound(detail="no such media")
        return _served(media_id, blob, cache=f"private, max-age={TICKET_SECONDS}")

    def _metadata(media_id: str) -> Mapping[str, str] | None:
        try:
            check_blob_id(media_id)
        except ValueError:
            raise NotFound(detail="no such media") from None
        return context.blobs.metadata(media_id)

    def may_see(caller: Caller, media_id: str, metadata: Mapping[str, str]) -> bool:
        """Its uploader, officers of the uploader's station, and whoever comms says received it
        (a group message's recipients, a bulletin's)."""
        if metadata.get("uploader") == caller.member_id:
            return True
        if caller.is_officer:
            scope = identity.ResolveScope(identity_pb2.ResolveScopeRequest(actor=caller.actor))
            if scope.city_wide or metadata.get("station_id", "") in scope.org_ids:
                return True
        comms = context.clients.comms
        if comms is None:
            return False
        asking = caller_message(identity, comms_pb2.Caller, caller)
        reply = comms.MaySeeMedia(comms_pb2.MaySeeMediaRequest(caller=asking, media_id=media_id))
        return reply.allowed

    return api


def _served(media_id: str, blob: Blob, *, cache: str) -> Response:
    """The blob, or the one byte range the request asks of it (206), or 416. A blob never
    changes, so its id is its ETag."""
    size = len(blob.data)
    try:
        found = byte_range(
            request.headers.get("Range"),
            size,
            if_range=request.headers.get("If-Range"),
            etag=media_id,
        )
    except RangeNotSatisfiable:
        return problem(
            416,
            "Range Not Satisfiable",
            f"the media has {size} bytes; no byte of the range asked lies inside it",
            headers={"Content-Range": f"bytes */{size}"},
        )
    if found is None:
        response = Response(blob.data, content_type=blob.content_type)
    else:
        start, end = found
        response = Response(blob.data[start:end], status=206, content_type=blob.content_type)
        response.headers["Content-Range"] = f"bytes {start}-{end - 1}/{size}"
    response.headers["Accept-Ranges"] = "bytes"
    response.headers["ETag"] = f'"{media_id}"'
    response.headers["Cache-Control"] = cache
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
