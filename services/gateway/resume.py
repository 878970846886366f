"""Resume cursors: what a stream's client has been sent, told in log positions rather than in
the order one replica happened to push events in.

Each replica reads the pushed topics' partitions in an order of its own (a restarted one reads
each partition's backlog in turn), so "the events after id X" in a new replica's buffer is not
what the client missed on the old one: it may hold events the client already had (they would
be streamed twice) and miss ones it did not. An SSE ``id:`` therefore carries, after the event's
own id, the cursor of the replica that pushed it: per topic and partition, the offset up to which
every event had been pushed (or found not to be for this client) before this one. Any replica
replays exactly the buffered events beyond that cursor.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from shouwang.events import LogPosition

# "<event id>~<topic>:<partition>:<offset>,...": "~" and ":" occur in neither the services' ids
# nor Kafka topic names.
_ID_SEPARATOR = "~"
# Several times the pushed topics' partitions (six topics, three each by default); bounds what a
# client's Last-Event-ID can make the hub compare on each of its stream's events.
MAX_CURSOR_ENTRIES = 128
MAX_ID_CHARS = 8192
_NUMBER = re.compile(r"[0-9]{1,18}")  # ASCII digits only, and no integer Python parses slowly


class BadCursor(ValueError):
    """A ``Last-Event-ID`` whose cursor part does not parse."""


Partition = tuple[str, int]


class Cursor:
    """Per (topic, partition), the highest offset covered; immutable."""

    __slots__ = ("_offsets", "_text")

    def __init__(self, offsets: Mapping[Partition, int] | None = None) -> None:
        self._offsets: dict[Partition, int] = dict(offsets or {})
        self._text: str | None = None

    def __bool__(self) -> bool:
        return bool(self._offsets)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Cursor) and self._offsets == other._offsets

    def __hash__(self) -> int:
        return hash(frozenset(self._offsets.items()))

    def __repr__(self) -> str:
        return f"Cursor({self.encode()!r})"

    def covers(self, position: LogPosition) -> bool:
        return self._offsets.get((position.topic, position.partition), -1) >= position.offset

    def covers_all(self, other: Cursor) -> bool:
        """Whether every position ``other`` covers, this one covers too."""
        return all(self._offsets.get(key, -1) >= offset for key, offset in other._offsets.items())

    def advanced(self, position: LogPosition) -> Cursor:
        if self.covers(position):
            return self
        offsets = dict(self._offsets)
        offsets[(position.topic, position.partition)] = position.offset
        return Cursor(offsets)

    def merged(self, other: Cursor) -> Cursor:
        """Every position either covers."""
        if self.covers_all(other):
            return self
        offsets = dict(self._offsets)
        for key, offset in other._offsets.items():
            offsets[key] = max(offset, offsets.get(key, -1))
        return Cursor(offsets)

    def encode(self) -> str:
        if self._text is None:
            self._text = ",".join(
                f"{topic}:{partition}:{offset}"
                for (topic, partition), offset in sorted(self._offsets.items())
            )
        return self._text

    @classmethod
    def decode(cls, text: str) -> Cursor:
        if len(text) > MAX_ID_CHARS:
            raise BadCursor(f"longer than {MAX_ID_CHARS} characters")
        entries = text.split(",") if text else []
        if len(entries) > MAX_CURSOR_ENTRIES:
            raise BadCursor(f"more than {MAX_CURSOR_ENTRIES} partitions")
        offsets: dict[Partition, int] = {}
        for entry in entries:
            topic, partition, offset = _fields(entry)
            offsets[(topic, partition)] = offset
        return cls(offsets)


def _fields(entry: str) -> tuple[str, int, int]:
    topic, _, rest = entry.partition(":")
    partition, _, offset = rest.partition(":")
    if not topic or not _NUMBER.fullmatch(partition) or not _NUMBER.fullmatch(offset):
        raise BadCursor(f"not topic:partition:offset: {entry[:80]!r}")
    return topic, int(partition), int(offset)


def stream_id(event_id: str, cursor: Cursor) -> str:
    """The SSE ``id:`` of a pushed event: its own id, then (when known) the cursor."""
    return f"{event_id}{_ID_SEPARATOR}{cursor.encode()}" if cursor else event_id


def parse_stream_id(text: str) -> tuple[str, Cursor | None]:
    """(event id, cursor) of a ``Last-Event-ID``; no cursor for a bare event id."""
    event_id, separator, cursor = text.partition(_ID_SEPARATOR)
    return event_id, (Cursor.decode(cursor) if separator else None)
