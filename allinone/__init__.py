"""The embedded all-in-one (``shouwang up``, ``make run``): every service and the gateway
composed in one process. It sits beside ``services/`` because it depends on all of them; the
platform library (``shouwang``) depends on none."""

from allinone.composition import AllInOne, start, start_as_the_process, up

__all__ = ["AllInOne", "start", "start_as_the_process", "up"]
