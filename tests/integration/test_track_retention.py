"""Track retention on FerretDB, which has no TTL indexes: the scheduled purge deletes what is
past the retention period and keeps the rest; redelivered batches store nothing twice."""

from __future__ import annotations

from services.location.repository import TRACK_WINDOW_MS, TrackRepository
from shouwang.store.mongo import MongoDocumentStore

DAY_MS = 86_400_000
NOW_MS = 1_800_000_000_000


def bucket(member: str, window: int, first_ts: int) -> dict:
    return {
        "_id": f"{member}:{window}:{first_ts}",
        "member_id": member,
        "window": window,
        "first_ts": first_ts,
        "fixes": [{"lat": 27.8, "lon": 120.65, "ts_ms": first_ts}],
    }


def test_purge_deletes_only_buckets_past_retention(
    mongodb_uri: str, mongo_database_name: str
) -> None:
    tracks = TrackRepository(MongoDocumentStore(mongodb_uri, mongo_database_name))
    tracks.ensure_indexes()
    old_window = NOW_MS - 31 * DAY_MS
    old_window -= old_window % TRACK_WINDOW_MS
    new_window = NOW_MS - DAY_MS
    new_window -= new_window % TRACK_WINDOW_MS
    tracks.add_buckets(
        [bucket("m1", old_window, old_window + 5), bucket("m1", new_window, new_window + 5)]
    )
    assert tracks.delete_before(NOW_MS - 30 * DAY_MS) == 1
    remaining = tracks.between("m1", from_ms=0, to_ms=NOW_MS)
    assert [b["window"] for b in remaining] == [new_window]


def test_a_redelivered_batch_stores_nothing_twice(
    mongodb_uri: str, mongo_database_name: str
) -> None:
    tracks = TrackRepository(MongoDocumentStore(mongodb_uri, mongo_database_name))
    tracks.ensure_indexes()
    batch = [bucket("m2", w * TRACK_WINDOW_MS, w * TRACK_WINDOW_MS + 1) for w in range(3)]
    tracks.add_buckets(batch[:1])
    tracks.add_buckets(batch)  # the first is a duplicate; the others must still be stored
    assert len(tracks.between("m2", from_ms=0, to_ms=10 * TRACK_WINDOW_MS)) == 3
