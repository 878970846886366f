"""A parent process serving a child's metrics in its own /metrics (the all-in-one's keeper)."""

from __future__ import annotations

import http.client
from collections.abc import Iterator

import pytest
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Info, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from prometheus_client.parser import text_string_to_metric_families

from shouwang.bus.metrics import events_handled
from shouwang.metrics import metrics_payload, serve_metrics_of, stop_serving_metrics_of

CHILD = "child-under-test"


class Child:
    """A child process's registry and the exposition its port would serve (None: unreachable)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.exposition: str | None = None

    def serve_what_it_has(self) -> None:
        self.exposition = generate_latest(self.registry).decode()


@pytest.fixture
def child() -> Iterator[Child]:
    process = Child()
    serve_metrics_of(CHILD, lambda: process.exposition)
    yield process
    stop_serving_metrics_of(CHILD)


def scraped() -> list:
    return list(text_string_to_metric_families(metrics_payload()[0].decode()))


def test_a_childs_samples_join_the_family_of_the_same_name_labelled_with_its_process(
    child: Child,
) -> None:
    events_handled.labels("t.parent", "g.parent", "ok").inc()
    handled = Counter(
        "shouwang_events_handled", "child's", ["topic", "group", "outcome"], registry=child.registry
    )
    handled.labels("t.child", "g.child", "ok").inc(7)
    Gauge("shouwang_child_only", "only the child has it", registry=child.registry).set(2)
    child.serve_what_it_has()

    families = scraped()

    names = [family.name for family in families]
    assert len(names) == len(set(names))  # each family once, as the text format requires
    [merged] = [f for f in families if f.name == "shouwang_events_handled"]
    totals = {
        (s.labels["group"], s.labels.get("process")): s.value
        for s in merged.samples
        if s.name.endswith("_total")
    }
    assert totals[("g.child", CHILD)] == 7
    assert ("g.parent", None) in totals
    [only] = [f for f in families if f.name == "shouwang_child_only"]
    assert [(s.labels, s.value) for s in only.samples] == [({"process": CHILD}, 2)]


def test_a_child_that_cannot_be_read_leaves_the_parents_own_metrics(
    child: Child,
) -> None:
    events_handled.labels("t.parent", "g.parent", "ok").inc()

    families = scraped()

    assert any(f.name == "shouwang_events_handled" for f in families)
    assert not any(s.labels.get("process") == CHILD for f in families for s in f.samples)


def test_a_child_whose_text_does_not_parse_leaves_the_parents_own_metrics(child: Child) -> None:
    child.exposition = "shouwang_events_handled_total{group= 7\n"

    families = scraped()

    assert any(f.name == "shouwang_events_handled" for f in families)
    assert not any(s.labels.get("process") == CHILD for f in families for s in f.samples)


class SameFamilyEveryTime:
    """A collector that hands out one family object on every collect, as custom ones may."""

    def __init__(self) -> None:
        self.family = GaugeMetricFamily("shouwang_test_cached", "the parent's", labels=["k"])
        self.family.add_metric(["parent"], 1)

    def collect(self) -> Iterator[Metric]:
        yield self.family


def test_scraping_twice_does_not_add_the_childs_samples_twice(child: Child) -> None:
    collector = SameFamilyEveryTime()
    REGISTRY.register(collector)
    try:
        Gauge("shouwang_test_cached", "the child's", ["k"], registry=child.registry).labels(
            "child"
        ).set(2)
        child.serve_what_it_has()

        scraped()
        [family] = [f for f in scraped() if f.name == "shouwang_test_cached"]

        assert sorted(s.value for s in family.samples) == [1, 2]
    finally:
        REGISTRY.unregister(collector)


def test_an_info_metric_both_have_is_written_once(child: Child) -> None:
    mine = Info("shouwang_test_build", "the parent's", registry=REGISTRY)
    try:
        mine.info({"version": "parent"})
        Info("shouwang_test_build", "the child's", registry=child.registry).info({"version": "c"})
        child.serve_what_it_has()

        text = metrics_payload()[0].decode()

        # Prometheus refuses a whole scrape that declares a name twice.
        assert text.count("# TYPE shouwang_test_build_info ") == 1
    finally:
        REGISTRY.unregister(mine)


def test_a_child_that_fails_to_answer_leaves_the_parents_own_metrics() -> None:
    def failing() -> str:
        raise http.client.IncompleteRead(b"")

    serve_metrics_of(CHILD, failing)
    try:
        assert any(f.name == "shouwang_events_handled" for f in scraped())
    finally:
        stop_serving_metrics_of(CHILD)
