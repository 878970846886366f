"""Blob stores for media bytes (evidence photos): files on local disk embedded, GridFS in the
cluster (FerretDB 1.x serves GridFS's two collections like any others)."""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import gridfs
from pymongo import MongoClient

from shouwang.ids import new_id
from shouwang.store import Blob
from shouwang.store.metrics import StoreCommandTimer
from shouwang.turns import waits_elsewhere

# shouwang.ids.new_id: 26 characters of lowercase Crockford base32. Anything else is refused
# before it reaches a path or a query, so no id can name a file outside the store.
_BLOB_ID = re.compile(r"[0-9a-hjkmnp-tv-z]{26}")


def check_blob_id(blob_id: str) -> None:
    if not isinstance(blob_id, str) or not _BLOB_ID.fullmatch(blob_id):
        raise ValueError("not a blob id")


def _check_put(content_type: str, metadata: Mapping[str, str]) -> dict[str, str]:
    if not isinstance(content_type, str) or not content_type:
        raise ValueError("content_type must be a non-empty string")
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
        raise TypeError("blob metadata maps strings to strings")
    return dict(metadata)


class LocalBlobStore:
    """``<directory>/<last two id chars>/<id>`` holds the bytes and ``<id>.json`` the content type
    and metadata. The sidecar is written last and removed first, so a blob is visible only when
    complete; both are written to a temporary file and renamed (atomic on POSIX)."""

    def __init__(self, directory: Path) -> None:
        self._directory = Path(directory)
        self._directory.mkdir(parents=True, exist_ok=True)

    def put(self, data: bytes, *, content_type: str, metadata: Mapping[str, str]) -> str:
        sidecar = {"content_type": content_type, "metadata": _check_put(content_type, metadata)}
        blob_id = new_id()
        data_path, sidecar_path = self._paths(blob_id)
        data_path.parent.mkdir(exist_ok=True)
        _write_atomically(data_path, bytes(data))
        _write_atomically(sidecar_path, json.dumps(sidecar).encode())
        return blob_id

    def get(self, blob_id: str) -> Blob | None:
        data_path, sidecar_path = self._paths(blob_id)
        try:
            sidecar = json.loads(sidecar_path.read_bytes())
            data = data_path.read_bytes()
        except FileNotFoundError:
            return None
        return Blob(data=data, content_type=sidecar["content_type"], metadata=sidecar["metadata"])

    def metadata(self, blob_id: str) -> Mapping[str, str] | None:
        _, sidecar_path = self._paths(blob_id)
        try:
            return json.loads(sidecar_path.read_bytes())["metadata"]
        except FileNotFoundError:
            return None

    def delete(self, blob_id: str) -> bool:
        data_path, sidecar_path = self._paths(blob_id)
        try:
            sidecar_path.unlink()
        except FileNotFoundError:
            return False
        data_path.unlink(missing_ok=True)
        return True

    def _paths(self, blob_id: str) -> tuple[Path, Path]:
        check_blob_id(blob_id)
        # The id's tail is random; its head is a timestamp, useless for spreading files.
        folder = self._directory / blob_id[-2:]
        return folder / blob_id, folder / f"{blob_id}.json"


def _write_atomically(path: Path, content: bytes) -> None:
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(content)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@waits_elsewhere
class GridFSBlobStore:
    """GridFS with our string ids as file ids; content type and metadata in the file's
    ``metadata`` (GridFS's top-level ``contentType`` is deprecated)."""

    def __init__(self, uri: str, database: str, *, server_selection_timeout_ms: int = 5000) -> None:
        self._client: MongoClient[dict[str, Any]] = MongoClient(
            uri,
            serverSelectionTimeoutMS=server_selection_timeout_ms,
            appname="shouwang",
            event_listeners=[StoreCommandTimer()],
        )
        self._bucket = gridfs.GridFSBucket(self._client[database], bucket_name="blobs")

    def put(self, data: bytes, *, content_type: str, metadata: Mapping[str, str]) -> str:
        stored = {"content_type": content_type, "metadata": _check_put(content_type, metadata)}
        blob_id = new_id()
        self._bucket.upload_from_stream_with_id(blob_id, blob_id, bytes(data), metadata=stored)
        return blob_id

    def get(self, blob_id: str) -> Blob | None:
        check_blob_id(blob_id)
        try:
            with self._bucket.open_download_stream(blob_id) as stream:
                stored = stream.metadata or {}
                data = stream.read()
        except gridfs.NoFile:
            return None
        return Blob(data=data, content_type=stored["content_type"], metadata=stored["metadata"])

    def metadata(self, blob_id: str) -> Mapping[str, str] | None:
        check_blob_id(blob_id)
        for found in self._bucket.find({"_id": blob_id}).limit(1):  # the files entry, no chunks
            return (found.metadata or {}).get("metadata", {})
        return None

    def delete(self, blob_id: str) -> bool:
        check_blob_id(blob_id)
        try:
            self._bucket.delete(blob_id)
        except gridfs.NoFile:
            return False
        return True

    def close(self) -> None:
        self._client.close()
