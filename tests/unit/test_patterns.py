"""Every pattern the API publishes or validates with matches whole values of ASCII digits.

msgspec and Litestar validate with ``re.search``, so the property is stated in those terms: a
value with a newline appended is accepted only if the pattern matches it whole (free text
does), and a value with one of its ASCII digits swapped for another script's digit is refused
unless the pattern takes any character but a few (free text again)."""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Iterator
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import schemas
from market.app import create_app

FOREIGN_DIGITS = ["\u0661", "\u00b2", "\uff11", "\u0967"]  # Arabic-Indic, superscript, fullwidth, Devanagari


def _patterns_in(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "pattern" and isinstance(value, str):
                yield value
            else:
                yield from _patterns_in(value)
    elif isinstance(node, list):
        for item in node:
            yield from _patterns_in(item)


def _schema_structs() -> list[type[msgspec.Struct]]:
    found: list[type[msgspec.Struct]] = []
    for info in pkgutil.iter_modules(schemas.__path__):
        module = importlib.import_module(f"schemas.{info.name}")
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name)
            if isinstance(obj, type) and issubclass(obj, msgspec.Struct):
                found.append(obj)
    return found


def all_patterns() -> list[str]:
    _, components = msgspec.json.schema_components(_schema_structs())
    document = create_app().openapi_schema.to_schema()
    return sorted(set(_patterns_in(components)) | set(_patterns_in(document)))


PATTERNS = all_patterns()


def test_the_enumeration_finds_the_known_patterns() -> None:
    # guards the enumeration itself: query, path and body patterns must all be in it
    assert len(PATTERNS) >= 10, PATTERNS
    assert any("[0-9]{1,18}" in p for p in PATTERNS), PATTERNS  # the matches cursor (query)
    assert any("[A-Za-z0-9._:/-]" in p for p in PATTERNS), PATTERNS  # by-ref path and body


@pytest.mark.parametrize("pattern", PATTERNS)
def test_no_pattern_uses_unicode_digit_class(pattern: str) -> None:
    assert "\\d" not in pattern, f"{pattern!r}: write [0-9]; Python's \\d takes any script's digits"


@pytest.mark.parametrize("pattern", PATTERNS)
def test_no_pattern_uses_a_class_escape_the_dialects_read_apart(pattern: str) -> None:
    # \s, \w and \b mean more in Python than in ECMA-262 (\s takes U+001C-U+001F there), so a
    # client's validator and the server's would disagree on a value: write the class out
    found = re.findall(r"(?<!\\)\\[sSwWbB]", pattern)
    assert not found, f"{pattern!r} uses {found}: write the characters out (schemas.common.SPACE_OR_CONTROL)"


@pytest.mark.parametrize("pattern", PATTERNS)
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_pattern_refuses_a_trailing_newline_and_foreign_digits(pattern: str, data: st.DataObject) -> None:
    value = data.draw(st.from_regex(pattern, fullmatch=True))
    assert re.search(pattern, value), value
    # what the validators accept (search) must be exactly what the pattern matches whole
    newline = value + "\n"
    assert (re.search(pattern, newline) is None) == (re.fullmatch(pattern, newline) is None), newline
    positions = [i for i, ch in enumerate(value) if ch in "0123456789"]
    if positions and "[^" not in pattern:
        i = data.draw(st.sampled_from(positions))
        foreign = data.draw(st.sampled_from(FOREIGN_DIGITS))
        swapped = value[:i] + foreign + value[i + 1 :]
        assert re.search(pattern, swapped) is None, f"{pattern!r} took {swapped!r}"


def _parameters() -> list[tuple[str, dict[str, Any]]]:
    document = create_app().openapi_schema.to_schema()
    return [
        (f"{method.upper()} {path} {param['name']}", param)
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        if isinstance(operation, dict)
        for param in operation.get("parameters", [])
    ]


def test_no_parameter_is_documented_as_nullable() -> None:
    # a nullable enum becomes several duplicate enum classes in generated clients
    nullable = [
        where
        for where, param in _parameters()
        if "oneOf" in param["schema"]
        or "anyOf" in param["schema"]
        or isinstance(param["schema"].get("type"), list)
        or None in param["schema"].get("enum", [])
    ]
    assert len(_parameters()) > 20 and not nullable, nullable


def test_parameters_state_the_bounds_the_server_enforces() -> None:
    params = dict(_parameters())
    max_days = params["GET /v1/listings/{listing_id}/matches max_days"]["schema"]
    assert max_days["exclusiveMinimum"] == 0 and max_days["maximum"] == 60, max_days
    delivery = params["POST /v1/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver delivery_id"][
        "schema"
    ]
    assert delivery["maximum"] == 2**63 - 1 and isinstance(delivery["maximum"], int), delivery
    near = params["GET /v1/listings near"]
    assert re.search(near["schema"]["pattern"], "41.31,69.28,300") and "lat,lon,km" in near["description"]


def test_certification_items_state_their_length() -> None:
    components = create_app().openapi_schema.to_schema()["components"]["schemas"]
    for name in ("ListingCreate", "ListingPatch"):
        items = components[name]["properties"]["certifications"]["items"]
        assert items["minLength"] == 1 and items["maxLength"] == 100 and "pattern" in items, (name, items)
