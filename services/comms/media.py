"""Who may see a photo that comms carries: one attached to a group message is for that message's
recipients, one attached to a bulletin for its recipients; officers of the station see both."""

from __future__ import annotations

from services.comms.ports import Ports
from shouwang.scope import Caller


def may_see_media(ports: Ports, caller: Caller, media_id: str) -> bool:
    for message in ports.groups.messages_with_media(media_id):
        if caller.member_id in message.recipient_ids or caller.covers(message.station_id):
            return True
    for bulletin in ports.bulletins.with_media(media_id):
        if caller.covers(bulletin.station_id):
            return True
        if ports.bulletins.recipient(bulletin.bulletin_id, caller.member_id) is not None:
            return True
    return False
