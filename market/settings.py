"""Settings: one frozen Struct built from the environment, loaded once."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

import msgspec

__all__ = ["Settings", "get_settings", "settings_from_env", "settings_to_env"]

_ENV_PREFIXES = ("MARKET_",)
_PLAIN_NAMES = {
    "DATABASE_URL": "database_url",
    "MEILI_URL": "meili_url",
    "MEILI_API_KEY": "meili_api_key",
    "MEILI_BINARY": "meili_binary",
    "FORWARDED_ALLOW_IPS": "forwarded_allow_ips",  # uvicorn's own name for it
}
_PLAIN_SPELLINGS = {
    field: name for name, field in _PLAIN_NAMES.items() if name.startswith(("DATABASE_", "MEILI_"))
}


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    """Runtime configuration. Every field comes from an environment variable."""

    database_url: str | None = None
    """PostgreSQL DSN (``DATABASE_URL``). Unset in dev: an embedded server is started."""
    meili_url: str | None = None
    """Meilisearch base URL (``MEILI_URL``). Unset in dev: the pinned binary is started."""
    meili_api_key: str | None = None
    """Meilisearch key with admin rights on the app's indexes (``MEILI_API_KEY``)."""
    meili_binary: str | None = None
    """Path to a Meilisearch binary to use instead of fetching one (``MEILI_BINARY``)."""
    admin_token: str | None = None
    """Platform admin bearer token (``MARKET_ADMIN_TOKEN``). Dev generates one when unset."""
    env: Literal["dev", "prod"] = "dev"
    """``dev`` may start embedded services and generate secrets; ``prod`` never does."""
    state_dir: str = ".market"
    """Where the embedded services keep their data (``MARKET_STATE_DIR``)."""
    docs_ui_dir: str | None = None
    """Where the pinned Swagger UI files of ``/docs`` are (``MARKET_DOCS_UI_DIR``); default: a
    directory under ``state_dir``. ``market docs fetch`` fills it; dev fills it at start."""
    web_assets_dir: str | None = None
    """Where the pinned htmx of the web pages is (``MARKET_WEB_ASSETS_DIR``); default: a directory
    under ``state_dir``. ``market docs fetch`` fills it; dev fills it at start."""
    secret_key: str | None = None
    """Signs the web pages' form (CSRF) tokens (``MARKET_SECRET_KEY``): the same in every process
    of a deployment. Dev generates one under ``state_dir``; prod must set it."""
    index_prefix: str = "market"
    """Prefix of the Meilisearch index names (``MARKET_INDEX_PREFIX``)."""
    run_indexer: bool = True
    """Run the outbox indexer inside the API process (``MARKET_RUN_INDEXER``)."""
    expiry_interval_seconds: float = 60.0
    """How often the listing expiry job runs (``MARKET_EXPIRY_INTERVAL_SECONDS``)."""
    pool_min_size: int = 2
    """Smallest asyncpg pool size (``MARKET_POOL_MIN_SIZE``)."""
    pool_max_size: int = 10
    """Largest asyncpg pool size (``MARKET_POOL_MAX_SIZE``)."""
    max_body_bytes: int = 1_048_576
    """Largest accepted request body in bytes (``MARKET_MAX_BODY_BYTES``)."""
    webhook_allow_loopback: bool = False
    """Dev and tests: webhooks may go to loopback receivers, over http too; never to private or
    link-local addresses, and ignored when ``env`` is prod (``MARKET_WEBHOOK_ALLOW_LOOPBACK``)."""
    webhook_timeout_seconds: float = 10.0
    """Time allowed for one webhook attempt, start to finish (``MARKET_WEBHOOK_TIMEOUT_SECONDS``)."""
    webhook_retry_scale: float = 1.0
    """Multiplies the webhook retry waits: 5 s, 30 s, 2 min... (``MARKET_WEBHOOK_RETRY_SCALE``)."""
    introduction_daily_budget: Annotated[int, msgspec.Meta(ge=0)] = 10
    """New introduction requests an organization may send in any 24 hours
    (``MARKET_INTRODUCTION_DAILY_BUDGET``)."""
    introduction_daily_budget_verified: Annotated[int, msgspec.Meta(ge=0)] = 50
    """The same for an organization its chamber has verified
    (``MARKET_INTRODUCTION_DAILY_BUDGET_VERIFIED``)."""
    introduction_messages_per_hour: Annotated[int, msgspec.Meta(ge=1)] = 30
    """Messages one side of an introduction may post in any hour
    (``MARKET_INTRODUCTION_MESSAGES_PER_HOUR``)."""
    smtp_url: str | None = None
    """Where email goes: ``smtp://host:port`` (STARTTLS when the server offers it) or
    ``smtps://user:password@host:port`` (``MARKET_SMTP_URL``). Unset: each message is written as
    an ``.eml`` file under ``<state_dir>/mail/`` instead."""
    mail_from: str = "market <no-reply@market.localhost>"
    """The From address of the email market sends (``MARKET_MAIL_FROM``)."""
    send_mail: bool = True
    """Run the mail sender among the background loops (``MARKET_SEND_MAIL``). False leaves email
    queued in the outbox, unsent: a staging copy of production data, or a test suite that runs
    senders of its own."""
    forwarded_allow_ips: str = ""
    """Reverse proxies whose ``X-Forwarded-For`` and ``X-Forwarded-Proto`` are believed: addresses
    or networks, comma-separated, or ``*`` (``MARKET_FORWARDED_ALLOW_IPS``, or uvicorn's
    ``FORWARDED_ALLOW_IPS``). Empty: none, and the client address is the connection's."""
    limit_concurrency: Annotated[int, msgspec.Meta(ge=1)] = 1000
    """Open connections (or requests in flight) per process beyond which uvicorn answers 503 at
    once instead of queueing (``MARKET_LIMIT_CONCURRENCY``)."""
    keep_alive_seconds: Annotated[int, msgspec.Meta(ge=1)] = 5
    """An idle keep-alive connection is closed after this many seconds
    (``MARKET_KEEP_ALIVE_SECONDS``)."""
    rate_limit_enabled: bool = True
    """Apply the rate limits below (``MARKET_RATE_LIMIT_ENABLED``)."""
    rate_limit_key: str = "1200/minute"
    """Requests per API key, in the ``limits`` notation (``MARKET_RATE_LIMIT_KEY``)."""
    rate_limit_anonymous: str = "300/minute"
    """Requests per client address without a key (``MARKET_RATE_LIMIT_ANONYMOUS``)."""
    rate_limit_auth_failures: str = "30/minute"
    """Failed authentications per client address before it is refused
    (``MARKET_RATE_LIMIT_AUTH_FAILURES``)."""
    failpoint: Literal["indexer_after_task_succeeded"] | None = None
    """Fault-injection tests only: the process running the indexer (``market worker``, or the API
    with ``MARKET_RUN_INDEXER``) exits at once (status 137) at this point (``MARKET_FAILPOINT``;
    docs/reliability.md). Never set it in production."""
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    """Log level (``MARKET_LOG_LEVEL``)."""
    log_format: Literal["json", "console"] = "json"
    """``json`` for machines, ``console`` for people (``MARKET_LOG_FORMAT``)."""

    @property
    def state_path(self) -> Path:
        return Path(self.state_dir).resolve()

    @property
    def listings_index(self) -> str:
        return f"{self.index_prefix}_listings"

    @property
    def commodities_index(self) -> str:
        return f"{self.index_prefix}_commodities"


def settings_from_env(environ: dict[str, str] | None = None) -> Settings:
    """Build settings from environment variables (``MARKET_*`` plus the plain service URLs)."""
    env = os.environ if environ is None else environ
    # A plain name (DATABASE_URL, FORWARDED_ALLOW_IPS...) gives way to its MARKET_ spelling.
    values = {field: env[name] for name, field in _PLAIN_NAMES.items() if name in env}
    for name, value in env.items():
        if name.startswith(_ENV_PREFIXES) and value != "":
            values[name.removeprefix("MARKET_").lower()] = value
    known = set(Settings.__struct_fields__)
    return msgspec.convert(
        {k: v for k, v in values.items() if k in known and v != ""}, Settings, strict=False
    )


def settings_to_env(settings: Settings, **overrides: Any) -> dict[str, str]:
    """The environment variables of ``settings`` (with the fields in ``overrides`` changed), the
    inverse of ``settings_from_env``: one variable for each field that differs from its default,
    so over an environment without ``MARKET_*`` ones, ``settings_from_env`` gives ``settings`` back.
    The service URLs keep their plain names (``DATABASE_URL``, ``MEILI_URL``...)."""
    if overrides:
        settings = msgspec.structs.replace(settings, **overrides)
    defaults = Settings()
    env: dict[str, str] = {}
    for field in Settings.__struct_fields__:
        value = getattr(settings, field)
        if value is None or value == getattr(defaults, field):
            continue
        name = _PLAIN_SPELLINGS.get(field) or f"MARKET_{field.upper()}"
        env[name] = str(value).lower() if isinstance(value, bool) else str(value)
    return env


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return settings_from_env()
