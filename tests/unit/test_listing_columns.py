"""The listing row has one column list: every statement and ``row_values()`` follow it."""

from __future__ import annotations

import re

import msgspec

from market.examples import UZ_PLATES_OFFER
from market.listings.columns import (
    INSERT_SQL,
    INSERT_STAGED_SQL,
    LISTING_COLUMNS,
    STAGE_COLUMNS,
    STAGE_SQL,
    UPDATE_SQL,
    row_values,
)
from schemas.listings import ListingCreate
from search.documents import LISTING_SOURCE_SELECT, ListingSource

NAMES = [c.name for c in LISTING_COLUMNS]


def test_row_values_give_every_column_but_the_writers_three() -> None:
    values = row_values(msgspec.convert(UZ_PLATES_OFFER, ListingCreate))
    assert set(NAMES) - set(values) == {"id", "organization_id", "posted_by"}
    assert set(values) <= set(NAMES)


def test_columns_copied_from_the_body_are_fields_of_listing_create() -> None:
    copied = {c.name for c in LISTING_COLUMNS if c.from_input}
    assert copied <= set(ListingCreate.__struct_fields__)


def test_statements_name_the_columns_in_one_order() -> None:
    insert_columns, staged_insert = (sql.split(")")[0] for sql in (INSERT_SQL, INSERT_STAGED_SQL))
    for listed in (insert_columns, staged_insert, STAGE_SQL):
        assert re.findall(r"\b(" + "|".join(NAMES) + r")\b", listed) == NAMES
    assert list(STAGE_COLUMNS) == NAMES
    assert INSERT_SQL.count("$") == len(NAMES)
    updated = [c.name for c in LISTING_COLUMNS if c.replaced]
    assert re.findall(r"(\w+) = \$\d+", UPDATE_SQL) == [*updated, "id", "version"]
    assert "side =" not in UPDATE_SQL and "organization_id =" not in UPDATE_SQL


def test_the_indexer_reads_every_listing_source_field_by_its_name() -> None:
    read_as = [item.split()[-1].removeprefix("l.") for item in LISTING_SOURCE_SELECT.split(",\n")]
    assert read_as == list(ListingSource.__struct_fields__)
