"""The blob-store contract, run against local files and against GridFS on a real FerretDB."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from shouwang.ids import new_id
from shouwang.store import Blob, BlobStore
from shouwang.store.blobs import GridFSBlobStore, LocalBlobStore

PHOTO = bytes(range(256)) * 1200  # ~300 KB: several GridFS chunks


@pytest.fixture(params=["local", pytest.param("gridfs", marks=pytest.mark.integration)])
def blobs(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[BlobStore]:
    if request.param == "local":
        yield LocalBlobStore(tmp_path / "blobs")
        return
    store = GridFSBlobStore(
        request.getfixturevalue("mongodb_uri"), request.getfixturevalue("mongo_database_name")
    )
    yield store
    store.close()


def test_stored_blob_reads_back_with_type_and_metadata(blobs: BlobStore) -> None:
    blob_id = blobs.put(PHOTO, content_type="image/jpeg", metadata={"task": "t1"})
    assert blobs.get(blob_id) == Blob(PHOTO, "image/jpeg", {"task": "t1"})


def test_metadata_reads_without_the_bytes(blobs: BlobStore) -> None:
    blob_id = blobs.put(PHOTO, content_type="image/jpeg", metadata={"uploader": "m1"})
    assert blobs.metadata(blob_id) == {"uploader": "m1"}
    assert blobs.metadata(new_id()) is None
    blobs.delete(blob_id)
    assert blobs.metadata(blob_id) is None


def test_each_put_gets_a_new_id_in_the_platform_format(blobs: BlobStore) -> None:
    first = blobs.put(b"a", content_type="text/plain", metadata={})
    second = blobs.put(b"a", content_type="text/plain", metadata={})
    assert first != second
    assert len(first) == len(new_id()) == 26


def test_empty_blob_is_kept(blobs: BlobStore) -> None:
    blob_id = blobs.put(b"", content_type="application/octet-stream", metadata={})
    assert blobs.get(blob_id) == Blob(b"", "application/octet-stream", {})


def test_unknown_blob_reads_as_none(blobs: BlobStore) -> None:
    assert blobs.get(new_id()) is None


def test_delete_removes_the_blob_once(blobs: BlobStore) -> None:
    blob_id = blobs.put(b"x", content_type="text/plain", metadata={})
    assert blobs.delete(blob_id) is True
    assert blobs.get(blob_id) is None
    assert blobs.delete(blob_id) is False


@pytest.mark.parametrize("bad_id", ["../../etc/passwd", "", "A" * 26, "0" * 25 + "/", "0" * 27])
def test_ids_not_in_the_platform_format_are_refused(blobs: BlobStore, bad_id: str) -> None:
    with pytest.raises(ValueError, match="not a blob id"):
        blobs.get(bad_id)
    with pytest.raises(ValueError, match="not a blob id"):
        blobs.delete(bad_id)


def test_metadata_values_must_be_strings(blobs: BlobStore) -> None:
    with pytest.raises(TypeError):
        blobs.put(b"x", content_type="text/plain", metadata={"taken_at": 1})  # type: ignore[dict-item]


def test_local_blob_store_leaves_no_temporary_files(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    blob_id = store.put(PHOTO, content_type="image/jpeg", metadata={})
    assert sorted(path.name for path in tmp_path.rglob("*") if path.is_file()) == [
        blob_id,
        f"{blob_id}.json",
    ]
