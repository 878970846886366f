"""The OpenAPI document is generated from the route declarations: valid OpenAPI 3.1, describing
every route the gateway serves and nothing it does not, with every reply and error typed."""

from __future__ import annotations

import re
from typing import Any

import pytest
from openapi_spec_validator import validate

from services.gateway.app import API_PREFIX
from tests.support.declared_gateway import declared_gateway


@pytest.fixture(scope="module")
def app() -> Any:
    return declared_gateway()


@pytest.fixture(scope="module")
def document(app: Any) -> dict[str, Any]:
    return app.test_client().get(f"{API_PREFIX}/openapi.json").json


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
    ]


def test_the_document_is_valid_openapi_3_1(document: dict[str, Any]) -> None:
    assert document["openapi"] == "3.1.0"
    validate(document)


def test_every_api_route_is_documented_and_every_documented_route_exists(
    app: Any, document: dict[str, Any]
) -> None:
    served = {
        (method.lower(), re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule[len(API_PREFIX) :]))
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(API_PREFIX) and rule.rule != f"{API_PREFIX}/openapi.json"
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    documented = {(method, path) for method, path, _ in operations(document)}
    assert served == documented


def test_every_secured_operation_says_so_and_documents_401_and_403(
    document: dict[str, Any],
) -> None:
    for method, path, operation in operations(document):
        if operation["security"]:
            assert {"401", "403"} <= set(operation["responses"]), f"{method} {path}"


def test_every_error_reply_is_a_problem_and_every_json_reply_has_a_schema(
    document: dict[str, Any],
) -> None:
    for method, path, operation in operations(document):
        for status, response in operation["responses"].items():
            content = response.get("content", {})
            if status.startswith(("4", "5")):
                assert "application/problem+json" in content, f"{method} {path} {status}"
            elif "application/json" in content:
                assert content["application/json"].get("schema"), f"{method} {path} {status}"


def test_every_path_parameter_and_query_integer_is_bounded(document: dict[str, Any]) -> None:
    for method, path, operation in operations(document):
        for parameter in operation.get("parameters", []):
            schema = parameter["schema"]
            if parameter["in"] == "path":
                assert "pattern" in schema, f"{method} {path} {parameter['name']}"
            for leaf in leaves(schema, document):
                if leaf.get("type") == "integer":
                    assert "maximum" in leaf, f"{method} {path} {parameter['name']}"


def test_every_request_body_bounds_its_integers_strings_and_lists(
    document: dict[str, Any],
) -> None:
    for method, path, operation in operations(document):
        body = operation.get("requestBody", {}).get("content", {}).get("application/json")
        if body is None:
            continue
        for leaf in leaves(body["schema"], document):
            where = f"{method} {path}: {leaf}"
            if leaf.get("type") == "integer":
                assert {"maximum", "enum", "const"} & set(leaf), where
            if leaf.get("type") == "string":
                assert {"maxLength", "enum", "const", "format", "pattern"} & set(leaf), where
            if leaf.get("type") == "array":
                assert "maxItems" in leaf or "prefixItems" in leaf, where


def leaves(schema: Any, document: dict[str, Any], seen: frozenset[str] = frozenset()) -> list:
    """Every sub-schema of ``schema``, $refs resolved (each once per branch)."""
    if isinstance(schema, list):
        return [leaf for item in schema for leaf in leaves(item, document, seen)]
    if not isinstance(schema, dict):
        return []
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name in seen:
            return []
        return leaves(document["components"]["schemas"][name], document, seen | {name})
    found = [schema]
    for key, value in schema.items():
        if key in ("properties", "$defs"):
            found += [leaf for sub in value.values() for leaf in leaves(sub, document, seen)]
        elif key in ("items", "anyOf", "oneOf", "allOf", "prefixItems", "additionalProperties"):
            found += leaves(value, document, seen)
    return found
