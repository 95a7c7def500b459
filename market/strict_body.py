"""JSON bodies are converted to the handler's type strictly, as the document describes them.

Litestar decodes a JSON body to Python builtins and then converts it, with the query and path
parameters, in msgspec's lax mode, which query strings need ("5" is the number 5 there). In a
JSON body the same mode took ``"expires_at": 0`` for a date-time (Unix time) and ``"amount":
"5"`` for a number: values the OpenAPI document refuses. Here the body is converted to the
handler's ``data`` type in strict mode first; Litestar's lax pass then only meets a value of the
right type, which it passes through.

One lax rule is JSON Schema's own: ``88.0`` is an integer there, so whole floats are read as
integers before the strict pass (an integer is also a valid number).
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request

from market.errors import MalformedBody, decode_error

__all__ = ["StrictBodyRequest", "whole_floats_as_ints"]


def whole_floats_as_ints(value: Any) -> Any:
    """``value`` with every float that is a whole number replaced by the int (without recursion:
    the decoder already refused nesting deeper than it can read)."""
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    if not isinstance(value, (dict, list)):
        return value
    root: list[Any] = [value]
    pending: list[tuple[dict[Any, Any] | list[Any], Any]] = [(root, 0)]
    while pending:
        parent, key = pending.pop()
        item = parent[key]
        if isinstance(item, float) and item.is_integer():
            parent[key] = int(item)
        elif isinstance(item, dict):
            pending.extend((item, k) for k in item)
        elif isinstance(item, list):
            pending.extend((item, i) for i in range(len(item)))
    return root[0]


class StrictBodyRequest(Request[Any, Any, Any]):
    """A request whose ``json()`` is the handler's ``data`` type, converted strictly."""

    async def json(self) -> Any:
        value = await super().json()
        field = self.route_handler.parsed_fn_signature.parameters.get("data")
        if field is None:
            return value
        try:
            return msgspec.convert(whole_floats_as_ints(value), field.annotation, strict=True)
        except msgspec.ValidationError as exc:
            error = decode_error(exc)
            raise MalformedBody(f"{error.field}: {error.message}", [error]) from None
