"""Signing in with an API key, and out.

The key is pasted once; it is checked like the ``Authorization`` header (a wrong one spends the
address's failed-authentication budget, as in the API) and a session is opened for it
(``market.sessions``): the cookie holds the session's token, HttpOnly, SameSite=Lax and Secure
over https, never the key.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

import asyncpg
from litestar import Request, Response, get, post
from litestar.datastructures import Cookie, State
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.plugins.htmx import HTMXTemplate
from litestar.response import Redirect

from market.auth import KEY_PREFIX, caller_of_key, is_admin_token
from market.errors import TooManyRequests
from market.ratelimit import Budgets
from market.sessions import SESSION_COOKIE, SESSION_HOURS, end_session, open_session
from market.web.labels import N_
from market.web.rendering import page

__all__ = ["sign_in", "sign_in_page", "sign_out"]

WRONG_KEY = N_("This API key is not valid: it is wrong, or it has been revoked.")
NOT_A_KEY = N_("Paste an organization's API key: it starts with mk_.")


def _next_path(value: str) -> str:
    """Where to go after signing in: a path on this site only (never another host)."""
    return value if value.startswith("/") and not value.startswith("//") and "\\" not in value else "/"


@get("/sign-in", name="sign-in-page", include_in_schema=False)
async def sign_in_page(request: Request[Any, Any, Any]) -> HTMXTemplate:
    """The sign-in form."""
    return page(request, "sign_in.html", error=None, next=_next_path(request.query_params.get("next", "")))


@post("/sign-in", name="sign-in", include_in_schema=False, status_code=303)
async def sign_in(
    request: Request[Any, Any, Any],
    state: State,
    pool: NamedDependency[asyncpg.Pool],
    data: Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)],
) -> Response[Any]:
    """Check the pasted key and open a session for it."""
    secret = str(data.get("api_key", "")).strip()
    next_path = _next_path(str(data.get("next", "")))
    admin_token = state.settings.admin_token
    as_admin = not secret.startswith(KEY_PREFIX)
    if (as_admin and not admin_token) or len(secret) > 200 or not secret:
        return page(request, "sign_in.html", status_code=422, error=NOT_A_KEY, next=next_path)
    budgets: Budgets = state.budgets
    address = request.client.host if request.client else "unknown"
    if budgets.enabled:
        guessing = budgets.auth_failures.hit(address)
        if not guessing.allowed:
            raise TooManyRequests(
                "too many failed sign-ins from your address", retry_after=guessing.retry_after
            )
    if as_admin:  # the platform admin's token: a session that names no key
        if not is_admin_token(secret, admin_token):
            return page(request, "sign_in.html", status_code=422, error=WRONG_KEY, next=next_path)
        key_id = None
    else:
        caller = await caller_of_key(pool, secret)
        if caller is None or caller.credential is None:
            return page(request, "sign_in.html", status_code=422, error=WRONG_KEY, next=next_path)
        key_id = UUID(caller.credential)
    if budgets.enabled:
        budgets.auth_failures.refund(address)
    token = await open_session(pool, key_id, admin_token=secret if as_admin else None)
    response = Redirect(next_path, status_code=303)
    response.cookies.append(
        Cookie(
            key=SESSION_COOKIE,
            value=token,
            max_age=SESSION_HOURS * 3600,
            path="/",
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
        )
    )
    return response


@post("/sign-out", name="sign-out", include_in_schema=False, status_code=303)
async def sign_out(request: Request[Any, Any, Any], pool: NamedDependency[asyncpg.Pool]) -> Redirect:
    """End this browser's session."""
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        await end_session(pool, token)
    response = Redirect("/", status_code=303)
    response.cookies.append(
        Cookie(key=SESSION_COOKIE, value="", max_age=0, path="/", httponly=True, samesite="lax")
    )
    return response
