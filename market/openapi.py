"""Small corrections to the OpenAPI operations Litestar generates."""

from __future__ import annotations

from dataclasses import dataclass

from litestar.openapi.spec import Operation, RequestBody

__all__ = ["OptionalBody"]


@dataclass
class OptionalBody(Operation):
    """Litestar documents every request body as required; this operation's may be left out."""

    def __post_init__(self) -> None:
        if isinstance(self.request_body, RequestBody):
            self.request_body.required = False
