"""Wiring of the web pages: their routes behind the CSRF check, and their static files."""

from __future__ import annotations

from litestar import Router
from litestar.config.csrf import CSRFConfig
from litestar.middleware import DefineMiddleware
from litestar.middleware.csrf import CSRFMiddleware
from litestar.plugins.htmx import HTMXRequest

from market.settings import Settings
from market.web.account import sign_in, sign_in_page, sign_out
from market.web.admin_pages import admin_page, issue_key_form, register_organization_form
from market.web.assets import static_routers
from market.web.chamber_pages import add_member_form, chamber_page, import_file_form, verify_member_form
from market.web.inbox_pages import (
    ask_introduction,
    delete_search,
    inbox_page,
    introduction_action,
    introduction_page,
    post_message_form,
    save_search,
)
from market.web.listing_edit import edit_listing_page, listing_action, update_from_form
from market.web.listing_page import listing_page
from market.web.my_listings import create_from_form, hs_suggestions, my_listings_page, new_listing_page
from market.web.routes_page import crossings_page, place_options, routes_page, set_crossing_status_form
from market.web.search_page import search_page
from market.web.webhook_pages import (
    create_webhook_form,
    delete_webhook_form,
    redeliver_form,
    webhook_page,
    webhooks_page,
)

__all__ = ["CSRF_COOKIE", "web_routers"]

CSRF_COOKIE = "market_csrf"


def web_routers(settings: Settings, secret: str) -> list[Router]:
    """The pages (behind the CSRF check) and their static files."""
    csrf = CSRFConfig(
        secret=secret,
        cookie_name=CSRF_COOKIE,
        cookie_httponly=True,
        cookie_samesite="lax",
        header_name="x-csrftoken",
    )
    pages = Router(
        path="/",
        route_handlers=[
            search_page,
            listing_page,
            routes_page,
            crossings_page,
            set_crossing_status_form,
            place_options,
            sign_in_page,
            sign_in,
            sign_out,
            my_listings_page,
            new_listing_page,
            create_from_form,
            hs_suggestions,
            edit_listing_page,
            update_from_form,
            listing_action,
            inbox_page,
            introduction_page,
            ask_introduction,
            introduction_action,
            post_message_form,
            save_search,
            delete_search,
            chamber_page,
            add_member_form,
            verify_member_form,
            import_file_form,
            webhooks_page,
            create_webhook_form,
            webhook_page,
            delete_webhook_form,
            redeliver_form,
            admin_page,
            register_organization_form,
            issue_key_form,
        ],
        middleware=[DefineMiddleware(CSRFMiddleware, config=csrf)],
        request_class=HTMXRequest,
        include_in_schema=False,
    )
    return [pages, *static_routers(settings)]
