"""kafka-python's response classes: every version made before any client can race to make one
(see shouwang.bus.kafka_protocol)."""

from __future__ import annotations

import gc
from concurrent.futures import ThreadPoolExecutor

from kafka.protocol.api_header import ResponseClassRegistry

import shouwang.bus.kafka  # noqa: F401 - importing the bus is what makes the versions
from shouwang.bus.kafka_protocol import response_classes


def _registered() -> dict[int, type]:
    return {
        key: proxy.mro()[0]  # raises ReferenceError once the class is freed
        for key, proxy in ResponseClassRegistry._response_class_registry.items()
    }


def test_every_version_of_every_response_is_made_and_kept_once_the_bus_is_imported() -> None:
    primaries = response_classes()
    assert len(primaries) > 40  # Metadata, Fetch, Produce, the group and admin APIs...
    for cls in primaries:
        versions = range(cls.min_version, cls.max_version + 1)
        assert set(versions) <= set(cls._VERSIONS), cls.__name__


def test_lookups_from_many_threads_then_a_collection_leave_every_registered_class_alive() -> None:
    before = _registered()

    def look_up_all(_: int) -> None:
        for cls in response_classes():
            for version in range(cls.min_version, cls.max_version + 1):
                cls[version]

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(look_up_all, range(8)))
    gc.collect()

    after = _registered()
    assert after == before  # nothing new was made, so nothing replaced a registered class
    for key, cls in after.items():
        primary = cls if cls._class_version is None else cls.mro()[1]
        assert cls is primary or cls in primary._VERSIONS.values(), key


def test_record_batches_are_checked_with_the_c_crc32c() -> None:
    """kafka-python falls back to a pure-Python CRC-32C (400× slower on a 20 KB batch) when the
    ``crc32c`` package is missing; every batch produced and fetched pays it."""
    from kafka.record import _crc32c, util

    assert util.calc_crc32c.__defaults__ is not None
    checksum = util.calc_crc32c.__defaults__[0]
    assert checksum is not _crc32c.crc
    assert checksum(b"123456789") == 0xE3069283  # CRC-32C's check value
