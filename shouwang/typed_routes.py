"""Typed HTTP routes: each operation declares its path, query, body and reply as pydantic models
beside its view, and that one declaration validates requests, serialises replies and generates the
OpenAPI 3.1 document, so the document cannot drift from what the code accepts.

A thin layer of our own rather than flask-openapi3 or spectree: the gateway needs its own error
format (RFC 9457 with ``errors: [{field, message}]`` and JSON paths like ``fixes[3].lat``), an
access rule declared on every route (checked before the body is read, and read by the
authorization matrix test), and raw replies (media bytes, Server-Sent Events) in the same table.
"""

from __future__ import annotations

import functools
import re
import types
import typing
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from flask import Blueprint, Response, request
from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic.json_schema import models_json_schema

from shouwang.errors import FieldError, InvalidArgument, Malformed, NotFound
from shouwang.http import PROBLEM_JSON, UnsupportedMediaType

# Every path parameter is an opaque id: bounded so a hostile path never reaches a service.
PATH_ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"
_PATH_ID = re.compile(PATH_ID_PATTERN)
_PATH_PARAM = re.compile(r"{([a-z_]+)}")

# Statuses any operation may answer besides its success, with the problem+json body.
COMMON_ERRORS = (400, 422, 429, 500, 503)


class AccessRule(Protocol):
    """Who may call an operation; the gateway's rules implement this."""

    @property
    def secured(self) -> bool:
        """True when a bearer token is needed (documented as the operation's security)."""
        ...

    def describe(self) -> str: ...

    def authorize(self) -> Any:
        """The caller, or raise 401/403 before the request's body is read."""
        ...


class RuleCheck(Protocol):
    def __call__(self, fields: dict[str, Any]) -> list[FieldError]:
        """The domain's errors for a body's well-typed fields (the others are left out)."""
        ...


class Idempotency(Protocol):
    def __call__(self, caller: Any, respond: Callable[[], Response]) -> Response:
        """Run ``respond`` once per ``Idempotency-Key`` of this caller; replay it on a retry."""
        ...


class ApiModel(BaseModel):
    """Base of every request body: unknown fields are refused (a typo is an error, not a silently
    ignored field) and types are strict (``"true"`` is not a boolean, ``"5"`` not a number)."""

    model_config = ConfigDict(extra="forbid", strict=True)


class QueryModel(BaseModel):
    """Base of every query string: values arrive as text and are converted to the declared types;
    unknown parameters are refused."""

    model_config = ConfigDict(extra="forbid")


class ReplyModel(BaseModel):
    """Base of every reply model: replies may grow fields without breaking clients."""

    model_config = ConfigDict(extra="allow")


@dataclass(frozen=True)
class RawReply:
    """A reply that is not JSON (media bytes, an event stream), documented by its media types."""

    media_types: tuple[str, ...]
    description: str


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    summary: str
    access: AccessRule
    tag: str
    status: int
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    reply: type[BaseModel] | RawReply | None = None
    multipart: dict[str, Any] | None = None
    errors: tuple[int, ...] = ()
    description: str = ""
    idempotent: bool = False
    rule_check: RuleCheck | None = None
    path_params: tuple[str, ...] = field(default=())

    @property
    def operation_id(self) -> str:
        words = re.sub(r"[{}]", "", self.path).strip("/").replace("/", "_").replace("-", "_")
        return f"{self.method.lower()}_{words}"


class TypedRoutes:
    """A Flask blueprint whose routes are declared operations.

    A view receives its path parameters, ``caller`` (what the access rule returned), and ``body``
    and ``query`` as validated models when declared; it returns a reply model, ``None`` for 204,
    or a Flask ``Response`` for a raw reply.
    """

    def __init__(self, name: str, *, tag: str, idempotency: Idempotency | None = None) -> None:
        self.blueprint = Blueprint(name, __name__)
        self.tag = tag
        self.idempotency = idempotency
        self.operations: list[Operation] = []

    def get(self, path: str, **declaration: Any) -> Callable[[Callable], Callable]:
        return self.operation("GET", path, **declaration)

    def post(self, path: str, **declaration: Any) -> Callable[[Callable], Callable]:
        return self.operation("POST", path, **declaration)

    def patch(self, path: str, **declaration: Any) -> Callable[[Callable], Callable]:
        return self.operation("PATCH", path, **declaration)

    def delete(self, path: str, **declaration: Any) -> Callable[[Callable], Callable]:
        return self.operation("DELETE", path, **declaration)

    def operation(
        self,
        method: str,
        path: str,
        *,
        summary: str,
        access: AccessRule,
        status: int = 200,
        body: type[BaseModel] | None = None,
        query: type[BaseModel] | None = None,
        reply: type[BaseModel] | RawReply | None = None,
        multipart: dict[str, Any] | None = None,
        errors: Iterable[int] = (),
        description: str = "",
        idempotent: bool = False,
        rule_check: RuleCheck | None = None,
    ) -> Callable[[Callable], Callable]:
        declared = Operation(
            method=method,
            path=path,
            summary=summary,
            access=access,
            tag=self.tag,
            status=status,
            body=body,
            query=query,
            reply=reply,
            multipart=multipart,
            errors=tuple(errors),
            description=description,
            idempotent=idempotent,
            rule_check=rule_check,
            path_params=tuple(_PATH_PARAM.findall(path)),
        )
        self.operations.append(declared)

        def register(view: Callable) -> Callable:
            @functools.wraps(view)
            def endpoint(**path_values: str) -> Response:
                return _serve(declared, view, path_values, self.idempotency)

            flask_path = _PATH_PARAM.sub(r"<\1>", path)
            self.blueprint.add_url_rule(flask_path, view.__name__, endpoint, methods=[method])
            return view

        return register


def _serve(
    operation: Operation,
    view: Callable,
    path_values: dict[str, str],
    idempotency: Idempotency | None,
) -> Response:
    for name, value in path_values.items():
        if not _PATH_ID.match(value):
            raise NotFound(detail=f"no such {name.removesuffix('_id')}")
    arguments: dict[str, Any] = dict(path_values)
    arguments["caller"] = operation.access.authorize()
    if operation.query is not None:
        arguments["query"] = parse_query(operation.query)
    if operation.body is not None:
        arguments["body"] = parse_body(operation.body, rule_check=operation.rule_check)
    if operation.idempotent and idempotency is not None:
        return idempotency(arguments["caller"], lambda: _respond(operation, view(**arguments)))
    return _respond(operation, view(**arguments))


def _respond(operation: Operation, result: BaseModel | Response | None) -> Response:
    if isinstance(result, Response):
        return result
    if result is None:
        empty = Response(status=204)
        del empty.headers["Content-Type"]  # nothing to type: Flask would say text/html
        return empty
    payload = result.model_dump_json(by_alias=True)
    return Response(payload, status=operation.status, mimetype="application/json")


def parse_body(model: type[BaseModel], *, rule_check: RuleCheck | None = None) -> BaseModel:
    """The request's JSON body as ``model``: 415 for another media type, 400 for JSON that does
    not parse (depth and lone surrogates included), 422 with a path per wrong field.

    ``rule_check`` adds the domain's verdict on the fields that did parse, so one 422 lists every
    problem instead of the type errors first and the rules on the next try."""
    if not request.is_json:
        raise UnsupportedMediaType(detail="send the body as application/json")
    raw = request.get_data(cache=True)
    try:
        return model.model_validate_json(raw or b"null")
    except ValidationError as error:
        problem = validation_problem(error, what="body")
    if rule_check is not None and isinstance(problem, InvalidArgument):
        flagged = {e.field.split(".")[0].split("[")[0] for e in problem.errors}
        parsed = request.get_json(silent=True)
        if isinstance(parsed, dict):
            valid = {k: v for k, v in parsed.items() if k not in flagged}
            problem.errors += [e for e in rule_check(valid) if e.field.split(".")[0] not in flagged]
    raise problem


def parse_query(model: type[BaseModel]) -> BaseModel:
    """The query string as ``model``; a parameter given twice keeps its first value unless the
    model declares a list."""
    values: dict[str, Any] = {}
    list_fields = _list_fields(model)
    for name in request.args:
        values[name] = request.args.getlist(name) if name in list_fields else request.args[name]
    try:
        return model.model_validate(values)
    except ValidationError as error:
        raise validation_problem(error, what="query") from None


@functools.cache
def _list_fields(model: type[BaseModel]) -> frozenset[str]:
    """The fields a query model declares as lists (read once per model, not per request)."""
    return frozenset(name for name, info in model.model_fields.items() if _is_list(info.annotation))


def _is_list(annotation: Any) -> bool:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return any(_is_list(arm) for arm in typing.get_args(annotation))
    if typing.get_origin(annotation) is typing.Annotated:
        return _is_list(typing.get_args(annotation)[0])
    return typing.get_origin(annotation) is list


def validation_problem(error: ValidationError, *, what: str) -> Malformed | InvalidArgument:
    issues = error.errors(include_url=False, include_context=False, include_input=False)
    if any(issue["type"] == "json_invalid" for issue in issues):
        return Malformed(detail="the body is not valid JSON (UTF-8, depth at most 200)")
    if len(issues) == 1 and not issues[0]["loc"] and issues[0]["type"] == "model_type":
        return Malformed(detail=f"the {what} must be a JSON object")
    errors = [FieldError(field_path(issue["loc"]), issue["msg"]) for issue in issues[:50]]
    noun = "query parameters" if what == "query" else "fields"
    return InvalidArgument(detail=f"the request has invalid {noun}", errors=errors)


def field_path(location: Iterable[str | int]) -> str:
    """pydantic's location as a JSON path: ``("fixes", 3, "lat")`` → ``fixes[3].lat``."""
    path = ""
    for part in location:
        if isinstance(part, int):
            path += f"[{part}]"
        elif not path:
            path = str(part)
        else:
            path += f".{part}"
    return path or "body"


# OpenAPI ----------------------------------------------------------------------------------------

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "request_id": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}

_ERROR_TITLES = {
    400: "Malformed request",
    401: "No valid bearer token",
    403: "Not allowed",
    404: "Not found, or not visible to the caller",
    405: "Method not allowed",
    409: "Conflict",
    410: "Gone",
    413: "Too large",
    415: "Unsupported media type",
    422: "Invalid values",
    429: "Rate limited",
    500: "Internal error",
    503: "Unavailable",
}


def openapi_document(
    operations: Iterable[Operation], *, title: str, version: str, server_url: str
) -> dict[str, Any]:
    """The OpenAPI 3.1 document of ``operations``; every model lands in components/schemas."""
    operations = list(operations)
    keys: list[tuple[type[BaseModel], str]] = []
    for op in operations:
        for model, mode in ((op.body, "validation"), (op.reply, "serialization")):
            if isinstance(model, type) and issubclass(model, BaseModel):
                keys.append((model, mode))
    schemas: dict[str, Any] = {"Problem": PROBLEM_SCHEMA}
    refs, definitions = _json_schemas(keys) if keys else ({}, {})
    schemas.update(definitions)
    paths: dict[str, Any] = {}
    for op in operations:
        operation = _operation_object(op, refs, schemas)
        links = _links(op, operations)
        if links:
            operation["responses"][str(op.status)]["links"] = links
        paths.setdefault(op.path, {})[op.method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version},
        "servers": [{"url": server_url}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
            },
        },
    }


def _links(source: Operation, operations: list[Operation]) -> dict[str, Any]:
    """OpenAPI links from a reply carrying ``<thing>_id`` to every operation whose path takes
    it, so stateful clients (and fuzzers) can follow create → read → act chains."""
    reply = source.reply
    if not (isinstance(reply, type) and issubclass(reply, BaseModel)):
        return {}
    ids = {name for name in reply.model_fields if name.endswith("_id")}
    links: dict[str, Any] = {}
    for target in operations:
        if target is source or not target.path_params:
            continue
        if set(target.path_params) <= ids:
            links[target.operation_id] = {
                "operationId": target.operation_id,
                "parameters": {name: f"$response.body#/{name}" for name in target.path_params},
            }
    return links


def _json_schemas(
    keys: list[tuple[type[BaseModel], str]],
) -> tuple[dict[tuple[Any, str], dict[str, Any]], dict[str, Any]]:
    unique = list(dict.fromkeys(keys))
    ref_map, top = models_json_schema(
        unique, ref_template="#/components/schemas/{model}", title="shouwang"
    )
    return ref_map, top.get("$defs", {})


def _operation_object(
    op: Operation, refs: dict[tuple[Any, str], dict[str, Any]], schemas: dict[str, Any]
) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "operationId": op.operation_id,
        "summary": op.summary,
        "tags": [op.tag],
        "description": (op.description + "\n\n" if op.description else "")
        + f"Who: {op.access.describe()}.",
    }
    parameters = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": {"type": "string", "pattern": PATH_ID_PATTERN},
        }
        for name in op.path_params
    ]
    if op.query is not None:
        parameters += _query_parameters(op.query, schemas)
    if op.idempotent:
        parameters.append(
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": False,
                "description": "a retry with the same key returns the first reply, creates nothing",
                "schema": {"type": "string", "minLength": 1, "maxLength": 200},
            }
        )
    if parameters:
        operation["parameters"] = parameters
    if op.body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": refs[(op.body, "validation")]}},
        }
    elif op.multipart is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"multipart/form-data": {"schema": op.multipart}},
        }
    operation["responses"] = {str(op.status): _success(op, refs)}
    statuses = set(COMMON_ERRORS) | set(op.errors)
    if op.access.secured:
        statuses |= {401, 403}
        operation["security"] = [{"bearer": []}]
    else:
        operation["security"] = []
    if op.path_params or _names_other_resources(op.body) or _names_other_resources(op.query):
        # A path id, or an id in the body or query, may name nothing the caller can see.
        statuses.add(404)
    if op.body is not None:
        statuses |= {413, 415}
    for status in sorted(statuses):
        operation["responses"][str(status)] = {
            "description": _ERROR_TITLES.get(status, "Error"),
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
    return operation


def _names_other_resources(model: type[BaseModel] | None) -> bool:
    return model is not None and any(name.endswith(("_id", "_ids")) for name in model.model_fields)


def _success(op: Operation, refs: dict[tuple[Any, str], dict[str, Any]]) -> dict[str, Any]:
    if op.reply is None:
        return {"description": "done, nothing to return"}
    if isinstance(op.reply, RawReply):
        return {
            "description": op.reply.description,
            "content": {media: {} for media in op.reply.media_types},
        }
    return {
        "description": op.reply.__doc__.strip().splitlines()[0] if op.reply.__doc__ else "success",
        "content": {"application/json": {"schema": refs[(op.reply, "serialization")]}},
    }


def _query_parameters(model: type[BaseModel], schemas: dict[str, Any]) -> list[dict[str, Any]]:
    """One parameter per field of ``model``; the enums they name join ``schemas``."""
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(schema.get("$defs", {}))
    required = set(schema.get("required", []))
    parameters = []
    for name, property_schema in schema.get("properties", {}).items():
        parameter_schema = {k: v for k, v in property_schema.items() if k != "title"}
        parameters.append(
            {
                "name": name,
                "in": "query",
                "required": name in required,
                "schema": parameter_schema,
                **(
                    {"description": property_schema["description"]}
                    if "description" in property_schema
                    else {}
                ),
            }
        )
    return parameters


def json_reply(model: BaseModel, status: int = 200) -> Response:
    """A reply model as a response with a status other than the operation's (rarely needed)."""
    return Response(
        model.model_dump_json(by_alias=True), status=status, mimetype="application/json"
    )
