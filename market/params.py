"""OpenAPI wording for optional query and header parameters.

Litestar documents ``T | None = None`` as ``oneOf: [T, null]`` (or ``type: [null, string]``
with ``null`` among the enum values), and generated clients turn such an enum into several
duplicate classes. An absent optional parameter is simply left out of the URL, so the document
states the plain type; the Python side keeps ``None`` for "not given"."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar.openapi.spec import OpenAPIType

__all__ = ["INT64_MAX", "not_null"]

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
