"""The column list of a listing write agrees with the ``listings`` table the migrations make."""

from __future__ import annotations

from market.listings.columns import LISTING_COLUMNS

TYPE_SQL = """
SELECT a.atttypid = to_regtype($2) FROM pg_attribute a
WHERE a.attrelid = 'listings'::regclass AND a.attname = $1 AND NOT a.attisdropped
"""


async def test_every_written_column_exists_with_its_type(app) -> None:
    async with app.state.pool.acquire() as conn:
        matches = {c.name: await conn.fetchval(TYPE_SQL, c.name, c.pg_type) for c in LISTING_COLUMNS}
    assert matches == {c.name: True for c in LISTING_COLUMNS}
