"""A race in kafka-python 3's protocol classes, closed before any client starts.

kafka-python finds the class that decodes a response through a registry of *weak* proxies, one
per API key, and makes each version's class the first time a response of that version arrives
(``Response[version]``). Making it registers the new class in place of the one before (the
``init=False`` meant to prevent that is dropped on the way to ``__init_subclass__``), and keeps it
in the primary class's ``_VERSIONS``. Two clients' network threads meeting a version for the first
time at once can each make one: the registry keeps one and ``_VERSIONS`` the other, the registered
one is then referenced only weakly, and the next garbage collection frees it. From then on every
response with that API key fails with ``ReferenceError: weakly-referenced object no longer
exists`` on every client of the process, which never recovers. Seen once here: a gateway that
never became ready, its clients logging that error from this lookup, while its consumers and
producer started side by side on a loaded machine. The interleaving is read from kafka-python's
code (3.0.12), not reproduced; the registration of a version's class in place of the primary is.

Making every version's class once, on one thread, before the first client (``shouwang.bus.kafka``
does it when imported) leaves nothing to make later: each lookup then returns a class
``_VERSIONS`` holds, and the registry points only at such classes.
"""

from __future__ import annotations

from kafka.protocol.api_header import ResponseClassRegistry


def response_classes() -> list[type]:
    """The primary class of every registered response (a registered class may be a version's)."""
    primaries = []
    for registered in list(ResponseClassRegistry._response_class_registry.values()):
        cls = registered.mro()[0]  # the class itself, not the weak proxy to it
        if cls._class_version is not None:
            cls = cls.mro()[1]
        primaries.append(cls)
    return primaries


def make_every_response_version() -> None:
    for cls in response_classes():
        for version in range(cls.min_version, cls.max_version + 1):
            cls[version]
