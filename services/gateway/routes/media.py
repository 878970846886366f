"""Media endpoints (CONTRACT.md "Reports, media, points, push"): upload a photo or a
push-to-talk voice clip, read it back as its uploader, an officer whose scope covers the
uploader's station, or a recipient of the group message or bulletin it came with."""

from __future__ import annotations

import io
from collections.abc import Mapping

from flask import Response, request

from services.gateway.access import Access
from services.gateway.auth import Caller
from services.gateway.context import GatewayContext
from services.gateway.media import accepted_photo, accepted_voice, is_voice, read_file_field
from services.gateway.models.media import MEDIA_TYPES, UPLOAD_FORM, MediaStored
from services.gateway.scope import caller_message
from shouwang.comms.v1 import comms_pb2
from shouwang.errors import NotFound
from shouwang.identity.v1 import identity_pb2
from shouwang.store.blobs import check_blob_id
from shouwang.typed_routes import RawReply, TypedRoutes, json_reply


def routes(context: GatewayContext) -> TypedRoutes:
    api = TypedRoutes("media", tag="media", idempotency=context.idempotent)
    identity = context.clients.identity

    @api.post(
        "/media",
        summary="Upload a photo or a voice clip",
        description="Photos: JPEG, PNG or WebP up to 10 MiB; GPS tags are removed unless an "
        "officer uploads it (evidence as taken). Voice clips (push-to-talk): Opus in WebM or "
        "Ogg, up to 60 s and 1 MiB, judged and measured from their bytes.",
        access=Access.MEMBER,
        multipart=UPLOAD_FORM,
        reply=MediaStored,
        status=201,
        errors=(413, 415),
        idempotent=True,
    )
    def upload_media(caller: Caller) -> Response:
        # With an Idempotency-Key the body was already read (bounded by the server's body
        # limit) to fingerprint it; otherwise it is read from the socket as it is parsed.
        source = (
            io.BytesIO(request.get_data(cache=True)).read
            if "Idempotency-Key" in request.headers
            else request.stream.read
        )
        data = read_file_field(source, request.headers.get("Content-Type", ""))
        member = identity.GetMember(identity_pb2.GetMemberRequest(member_id=caller.member_id))
        metadata = {"uploader": caller.member_id, "station_id": member.station_id}
        duration_ms = None
        if is_voice(data):
            voice = accepted_voice(data)
            content, content_type, duration_ms = voice.data, voice.content_type, voice.duration_ms
            metadata |= {"kind": "voice", "duration_ms": str(duration_ms)}
        else:
            photo = accepted_photo(data, keep_location=caller.is_officer)
            content, content_type = photo.data, photo.content_type
        media_id = context.blobs.put(content, content_type=content_type, metadata=metadata)
        stored = MediaStored(
            media_id=media_id,
            content_type=content_type,  # type: ignore[arg-type]
            duration_ms=duration_ms,
        )
        response = json_reply(stored, status=201)
        response.headers["Location"] = f"{request.path}/{media_id}"
        return response

    @api.get(
        "/media/{media_id}",
        summary="A photo's or a voice clip's bytes",
        access=Access.MEMBER,
        reply=RawReply(MEDIA_TYPES, "the photo or clip as stored"),
    )
    def get_media(caller: Caller, media_id: str) -> Response:
        try:
            check_blob_id(media_id)
        except ValueError:
            raise NotFound(detail="no such media") from None
        metadata = context.blobs.metadata(media_id)
        blob = (
            context.blobs.get(media_id)
            if metadata and may_see(caller, media_id, metadata)
            else None
        )
        if blob is None:
            raise NotFound(detail="no such media")
        response = Response(blob.data, content_type=blob.content_type)
        response.headers["Cache-Control"] = "private, max-age=86400"
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response

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
