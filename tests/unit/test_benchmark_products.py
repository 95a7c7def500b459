"""The benchmarks' goods (benchmarks/products.json) are listings the app would take."""

from __future__ import annotations

import msgspec

from benchmarks.vocab import LOCAL_CURRENCY, PRODUCTS_FILE, load_products
from market.code_lookups import hs_entry, is_unit
from market.matching.scoring import rates
from schemas.common import HsCode


def test_the_file_loads_and_every_row_has_a_valid_hs_code_and_unit() -> None:
    products = load_products(PRODUCTS_FILE)
    assert len(products) >= 40
    for product in products:
        msgspec.convert(product.hs_code, HsCode)  # the API's own pattern
        assert hs_entry(product.hs_code) is not None, product.hs_code
        assert is_unit(product.unit), (product.hs_code, product.unit)
        assert product.en and product.ru and product.origins, product.hs_code
        assert 0 < product.price[0] <= product.price[1], product.hs_code


def test_every_currency_a_price_is_in_is_in_the_rates_table() -> None:
    currencies = {"USD", *LOCAL_CURRENCY.values()}
    assert currencies <= set(rates().per_usd)
