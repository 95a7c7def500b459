"""A handler that takes the caller's organization is declared ``requires(..., organization=True)``,
so the scope guard has refused every other caller before its dependencies are resolved."""

from __future__ import annotations

from litestar.handlers import HTTPRouteHandler

from market.access import AS_ORGANIZATION, REQUIRES
from market.app import create_app


def test_every_handler_taking_the_callers_organization_declares_it() -> None:
    handlers = [
        handler
        for route in create_app().routes
        for handler in getattr(route, "route_handlers", ())
        if isinstance(handler, HTTPRouteHandler)
    ]
    taking = [h for h in handlers if "caller_organization" in h.parsed_fn_signature.parameters]
    assert taking, "no handler takes caller_organization"
    undeclared = [h.handler_name for h in taking if not (h.opt.get(AS_ORGANIZATION) and REQUIRES in h.opt)]
    assert undeclared == []
