"""Typed routes: one declaration validates the request, types the reply and the errors."""

from __future__ import annotations

from typing import Annotated, Any

import pytest
from flask import Flask
from pydantic import Field

from shouwang.errors import FieldError
from shouwang.http import install_platform
from shouwang.typed_routes import ApiModel, QueryModel, ReplyModel, TypedRoutes, openapi_document


class Open:
    secured = False

    def describe(self) -> str:
        return "anyone"

    def authorize(self) -> None:
        return None


class Item(ApiModel):
    n: Annotated[int, Field(ge=0, le=10)]


class Order(ApiModel):
    name: Annotated[str, Field(max_length=5)]
    items: Annotated[list[Item], Field(max_length=3, default_factory=list)]
    urgent: bool = False


class OrderQuery(QueryModel):
    limit: Annotated[int, Field(ge=1, le=200)] = 50
    tag: list[str] = Field(default_factory=list)


class Receipt(ReplyModel):
    order_id: str
    name: str
    limit: int = 0
    tags: list[str] = Field(default_factory=list)


@pytest.fixture
def app() -> Flask:
    app = Flask("typed")
    install_platform(app, max_body_bytes=10_000)
    api = TypedRoutes("orders", tag="orders")

    @api.post(
        "/orders",
        summary="place",
        access=Open(),
        body=Order,
        reply=Receipt,
        status=201,
        rule_check=lambda fields: (
            [FieldError("name", "is taken")] if fields.get("name") == "taken" else []
        ),
    )
    def place(caller: None, body: Order) -> Receipt:
        return Receipt(order_id="o1", name=body.name)

    @api.get("/orders/{order_id}", summary="read", access=Open(), query=OrderQuery, reply=Receipt)
    def read(caller: None, order_id: str, query: OrderQuery) -> Receipt:
        return Receipt(order_id=order_id, name="x", limit=query.limit, tags=query.tag)

    @api.delete("/orders/{order_id}", summary="drop", access=Open(), status=204)
    def drop(caller: None, order_id: str) -> None:
        return None

    app.register_blueprint(api.blueprint)
    return app


def fields(response: Any) -> list[str]:
    return [error["field"] for error in response.json["errors"]]


def test_a_valid_body_reaches_the_view_and_the_reply_has_the_declared_status(app: Flask) -> None:
    response = app.test_client().post("/orders", json={"name": "tea", "items": [{"n": 1}]})
    assert response.status_code == 201
    assert response.json == {"order_id": "o1", "name": "tea", "limit": 0, "tags": []}


def test_field_errors_carry_json_paths(app: Flask) -> None:
    response = app.test_client().post(
        "/orders", json={"name": "tea", "items": [{"n": 1}, {"n": 11}]}
    )
    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    assert fields(response) == ["items[1].n"]


def test_types_are_strict_and_unknown_fields_are_named(app: Flask) -> None:
    response = app.test_client().post("/orders", json={"name": "tea", "urgent": "true", "x": 1})
    assert response.status_code == 422
    assert sorted(fields(response)) == ["urgent", "x"]


def test_the_domains_verdict_on_well_typed_fields_joins_the_type_errors(app: Flask) -> None:
    response = app.test_client().post("/orders", json={"name": "taken", "urgent": 3})
    assert sorted(fields(response)) == ["name", "urgent"]


@pytest.mark.parametrize(
    ("data", "content_type", "status"),
    [
        ("name=tea", "application/x-www-form-urlencoded", 415),
        ("{", "application/json", 400),
        ("[1, 2]", "application/json", 400),
        ('{"name": "\\ud800"}', "application/json", 400),
        ('{"name": ' + "[" * 1000 + "]" * 1000 + "}", "application/json", 400),
    ],
    ids=["not-json", "malformed", "not-an-object", "lone-surrogate", "too-deep"],
)
def test_bodies_that_are_not_a_json_object_are_refused_before_the_view(
    app: Flask, data: str, content_type: str, status: int
) -> None:
    response = app.test_client().post("/orders", data=data, content_type=content_type)
    assert response.status_code == status
    assert response.content_type == "application/problem+json"


def test_query_strings_are_converted_and_bounded(app: Flask) -> None:
    client = app.test_client()
    read = client.get("/orders/o1?limit=7&tag=a&tag=b")
    assert read.json["limit"] == 7 and read.json["tags"] == ["a", "b"]
    too_big = client.get("/orders/o1?limit=2147483648")
    assert too_big.status_code == 422 and fields(too_big) == ["limit"]
    unknown = client.get("/orders/o1?limt=7")
    assert unknown.status_code == 422 and fields(unknown) == ["limt"]


def test_a_path_id_outside_the_id_alphabet_is_not_found(app: Flask) -> None:
    assert app.test_client().get("/orders/" + "a" * 65).status_code == 404
    assert app.test_client().get("/orders/a.b").status_code == 404


def test_a_204_has_no_body_and_no_content_type(app: Flask) -> None:
    response = app.test_client().delete("/orders/o1")
    assert response.status_code == 204
    assert response.data == b"" and "Content-Type" not in response.headers


def test_an_operation_naming_another_resource_in_its_body_documents_404() -> None:
    class Claim(ApiModel):
        task_id: str

    api = TypedRoutes("claims", tag="claims")

    @api.post("/claims", summary="claim", access=Open(), body=Claim, status=204)
    def claim(caller: None, body: Claim) -> None:
        return None

    document = openapi_document(api.operations, title="t", version="1", server_url="/")
    assert "404" in document["paths"]["/claims"]["post"]["responses"]
