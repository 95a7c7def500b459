"""PostgreSQL access: the connection pool and numbered SQL migrations."""

from __future__ import annotations

from market.db.migrate import apply_migrations
from market.db.pool import connect, create_pool

__all__ = ["apply_migrations", "connect", "create_pool"]
