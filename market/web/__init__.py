"""Web pages for people: the same services as the API, rendered on the server.

Pages work as plain links and forms; htmx (pinned, served from here) only swaps results in
place. Every page is in English, Russian or Uzbek (``market.web.i18n``), sends a strict Content
Security Policy (``market.web.rendering``), and every form carries a CSRF token (Litestar's
CSRF middleware, on these routes only: the API takes keys, never cookies). A person signs in by
pasting an API key (``market.web.account``), which opens a server-side session.
"""
