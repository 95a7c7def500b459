"""OpenAPI wording for optional query and header parameters.

Litestar documents ``T | None = None`` as ``oneOf: [T, null]`` (or ``type: [null, string]``
with ``null`` among the enum values), and generated clients turn such an enum into several
duplicate classes. An absent optional parameter is simply left out of the URL, so the document
states the plain type; the Python side keeps ``None`` for "not given".

The server holds to the same: Litestar converts query strings in msgspec's lax mode, where the
word ``null`` becomes ``None`` for a parameter that is not a string (``?side=null`` searched
every side, ``?listing_id=null`` read the whole inbox). ``refuse_null_for_absent`` makes that a
400 naming the parameter, for every handler at once."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from uuid import UUID

import msgspec
from litestar import Request
from litestar.exceptions import ValidationException
from litestar.handlers import BaseRouteHandler
from litestar.openapi.spec import OpenAPIType
from litestar.params import ParameterKwarg
from litestar.typing import FieldDefinition

__all__ = ["INT64_MAX", "not_null", "refuse_null_for_absent"]

INT64_MAX = 2**63 - 1
"""The largest bigint; Litestar writes integer bounds as floats, which cannot hold it exactly."""

_TYPES = {
    UUID: OpenAPIType.STRING,
    str: OpenAPIType.STRING,
    int: OpenAPIType.INTEGER,
    float: OpenAPIType.NUMBER,
}


def not_null(kind: type, *, enum: tuple[Any, ...] | None = None, **more: Any) -> dict[str, Any]:
    """``schema_extra`` for an optional parameter of ``kind``: its type without null.

    ``more`` restates bounds Litestar drops or rounds (``exclusive_minimum=0`` is falsy and
    skipped; ``2**63 - 1`` becomes a float)."""
    extra: dict[str, Any] = {"one_of": None, "type": _TYPES[kind], **more}
    if kind is UUID:
        extra["format"] = "uuid"
    if enum is not None:
        extra["enum"] = list(enum)
    return extra


def _taken_as_absent(annotation: Any) -> bool:
    try:
        return msgspec.convert("null", annotation, strict=False) is None
    except (msgspec.ValidationError, TypeError):
        return False


def _parameters(handler: BaseRouteHandler) -> Iterator[tuple[str, FieldDefinition]]:
    """The handler's parameters, with those of the dependencies it asks for in their place."""
    dependencies = handler.resolve_dependencies()

    def walk(fields: dict[str, FieldDefinition]) -> Iterator[tuple[str, FieldDefinition]]:
        for name, field in fields.items():
            if name in dependencies:
                yield from walk(dependencies[name].parsed_fn_signature.parameters)
            else:
                yield name, field

    return walk(handler.parsed_fn_signature.parameters)


async def refuse_null_for_absent(request: Request[Any, Any, Any]) -> None:
    """``before_request`` hook: a query value ``null`` for a parameter that is not a string is a 400.

    A string parameter keeps it (``q=null`` searches for the word)."""
    sent = {key for key, value in request.query_params.multi_items() if value == "null"}
    if not sent:
        return
    for name, field in _parameters(request.route_handler):
        kwarg = field.kwarg_definition
        key = (kwarg.query if isinstance(kwarg, ParameterKwarg) else None) or name
        if key in sent and _taken_as_absent(field.annotation):
            message = "leave the parameter out for no value; null is not one of its values"
            raise ValidationException(
                f"{key}: {message}", extra=[{"key": key, "message": message, "source": "query"}]
            )
