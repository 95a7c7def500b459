"""JSON bodies are converted to the handler's type strictly, as the document describes them.

Litestar decodes a JSON body to Python builtins and then converts it, with the query and path
parameters, in msgspec's lax mode, which query strings need ("5" is the number 5 there). In a
JSON body the same mode took ``"expires_at": 0`` for a date-time (Unix time) and ``"amount":
"5"`` for a number: values the OpenAPI document refuses. Here the body is converted to the
handler's ``data`` type in strict mode first; Litestar's lax pass then only meets a value of the
right type, which it passes through.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request

from market.errors import MalformedBody, decode_error

__all__ = ["StrictBodyRequest"]


class StrictBodyRequest(Request[Any, Any, Any]):
    """A request whose ``json()`` is the handler's ``data`` type, converted strictly."""

    async def json(self) -> Any:
        value = await super().json()
        field = self.route_handler.parsed_fn_signature.parameters.get("data")
        if field is None:
            return value
        try:
            return msgspec.convert(value, field.annotation, strict=True)
        except msgspec.ValidationError as exc:
            error = decode_error(exc)
            raise MalformedBody(f"{error.field}: {error.message}", [error]) from None
