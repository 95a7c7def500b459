"""Property tests of the filter builder: whatever a value holds, it stays one quoted literal.

Each generated filter is split the way Meilisearch's filter parser reads it (a double quote opens a
literal; inside, a backslash takes the next character with it; the next bare double quote closes
it). What is left outside the literals must be exactly the builder's own structure: one
parenthesised comparison per requested parameter, joined by AND. Unescaping each literal must
give the caller's value back. No quote, backslash, keyword (OR, AND, NOT, TO, EXISTS, IS NULL),
bracket, control character or Unicode trick (RTL and zero-width marks, emoji) changes that.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, replace

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from search.filters import FILTERABLE, FilterBuilder, quote
from search.queries import ListingQuery, build_listing_filter, listing_search_body
from tests.hostile import hostile_text

__all__: list[str] = []

PROPERTY_SETTINGS = settings(max_examples=150, deadline=None, database=None)

_NUMBER = r"-?\d+(?:\.\d+)?(?:e[+-]?\d+)?"
_CLAUSE = re.compile(
    r"^\((?P<name>[a-z_]+) (?P<op>=|!=|>|IN) (?P<operand>\?|\[\?(?:, \?)*\]|" + _NUMBER + r")\)$"
)


@dataclass(frozen=True)
class Parsed:
    skeleton: str
    """The filter with every literal replaced by ``?``: the part a value must never change."""
    literals: list[str]
    """Each literal's raw text between its quotes, in order."""


def split_literals(filter_: str) -> Parsed:
    """Read the filter as Meilisearch's parser does; fail on a literal that never closes."""
    skeleton: list[str] = []
    literals: list[str] = []
    i = 0
    while i < len(filter_):
        char = filter_[i]
        if char != '"':
            skeleton.append(char)
            i += 1
            continue
        start = i = i + 1
        while True:
            assert i < len(filter_), f"unterminated literal in {filter_!r}"
            if filter_[i] == "\\":
                assert i + 1 < len(filter_), f"dangling backslash in {filter_!r}"
                i += 2
            elif filter_[i] == '"':
                break
            else:
                i += 1
        literals.append(filter_[start:i])
        skeleton.append("?")
        i += 1
    return Parsed("".join(skeleton), literals)


def unescape(raw: str) -> str:
    """Undo ``quote``: a backslash stands for the character after it."""
    return re.sub(r"\\(.)", r"\1", raw, flags=re.DOTALL)


def list_shape(n: int) -> str:
    """How a list of ``n`` literals looks once each literal is replaced by ``?``."""
    return "[" + ", ".join(["?"] * n) + "]"


def clauses(filter_: str) -> tuple[Counter[tuple[str, str, str]], list[str]]:
    """The comparisons of a built filter as (attribute, operator, operand shape), and its values."""
    parsed = split_literals(filter_)
    found: Counter[tuple[str, str, str]] = Counter()
    for clause in parsed.skeleton.split(" AND "):
        match = _CLAUSE.match(clause)
        assert match, f"{clause!r} is not one of the builder's comparisons (filter: {filter_!r})"
        operand = match["operand"] if "?" in match["operand"] else "number"
        found[(match["name"], match["op"], operand)] += 1
    return found, [unescape(raw) for raw in parsed.literals]


# --------------------------------------------------------------------------------------------
# quote() and FilterBuilder


@PROPERTY_SETTINGS
@given(hostile_text)
def test_a_quoted_value_is_one_literal_that_gives_the_value_back(value: str) -> None:
    parsed = split_literals(quote(value))
    assert parsed.skeleton == "?"
    assert [unescape(raw) for raw in parsed.literals] == [value]


@PROPERTY_SETTINGS
@given(hostile_text.filter(lambda v: "\\" not in v))
def test_without_backslashes_meilisearch_reads_back_the_same_value(value: str) -> None:
    """Meilisearch unescapes only ``\\"`` inside a literal; for values without backslashes
    (every value the API lets through) that is exactly the caller's value."""
    (raw,) = split_literals(quote(value)).literals
    assert raw.replace('\\"', '"') == value


STRING_ATTRIBUTES = sorted(name for name, kind in FILTERABLE.items() if kind == "string")
NUMBER_ATTRIBUTES = sorted(name for name, kind in FILTERABLE.items() if kind == "number")

string_clause = st.one_of(
    st.tuples(st.sampled_from(STRING_ATTRIBUTES), st.just("="), hostile_text.map(lambda v: [v])),
    st.tuples(st.sampled_from(STRING_ATTRIBUTES), st.just("!="), hostile_text.map(lambda v: [v])),
    st.tuples(
        st.sampled_from(STRING_ATTRIBUTES), st.just("IN"), st.lists(hostile_text, min_size=1, max_size=5)
    ),
)


@PROPERTY_SETTINGS
@given(st.lists(string_clause, min_size=1, max_size=6))
def test_every_requested_comparison_and_nothing_else(requested: list[tuple[str, str, list[str]]]) -> None:
    builder = FilterBuilder()
    for name, op, values in requested:
        if op == "=":
            builder.equals(name, values[0])
        elif op == "!=":
            builder.differs(name, values[0])
        else:
            builder.one_of(name, values)
    built = builder.build()
    assert built is not None
    found, values = clauses(built)
    expected = Counter(
        (name, op, list_shape(len(vals)) if op == "IN" else "?") for name, op, vals in requested
    )
    assert found == expected
    assert values == [v for _, _, vals in requested for v in vals]


@PROPERTY_SETTINGS
@given(
    st.sampled_from(NUMBER_ATTRIBUTES),
    st.one_of(st.integers(), st.floats(allow_nan=False, allow_infinity=False)),
)
def test_a_number_is_one_number(name: str, value: float) -> None:
    built = FilterBuilder().greater_than(name, value).build()
    assert built is not None
    found, values = clauses(built)
    assert found == Counter({(name, ">", "number"): 1})
    assert values == []


@PROPERTY_SETTINGS
@given(st.one_of(st.just(float("nan")), st.just(float("inf")), st.just(float("-inf")), st.booleans()))
def test_what_is_not_a_finite_number_is_refused(value: float) -> None:
    with pytest.raises(ValueError):
        FilterBuilder().greater_than("expires_at_ts", value)


@PROPERTY_SETTINGS
@given(hostile_text, hostile_text)
def test_an_attribute_outside_the_allowlist_is_refused(name: str, value: str) -> None:
    assume(name not in FILTERABLE)
    for add in (FilterBuilder().equals, FilterBuilder().differs):
        with pytest.raises(ValueError, match="not a filterable"):
            add(name, value)
    with pytest.raises(ValueError, match="not a filterable"):
        FilterBuilder().one_of(name, [value])
    with pytest.raises(ValueError, match="not a filterable"):
        FilterBuilder().greater_than(name, 1)


# --------------------------------------------------------------------------------------------
# The listing search filter: the server part always, then one comparison per parameter

optional_text = st.none() | hostile_text
hs_prefix = st.sampled_from([2, 4, 6]).flatmap(lambda n: st.text(min_size=n, max_size=n))
listing_queries = st.builds(
    ListingQuery,
    q=hostile_text,
    side=optional_text,
    hs_code=st.none() | hs_prefix,
    origin_country=optional_text,
    destination_country=optional_text,
    incoterm=optional_text,
    transport_mode=optional_text,
    place_ids=st.none() | st.lists(hostile_text, min_size=1, max_size=4).map(tuple),
    organization_id=optional_text,
    exclude_organization_id=optional_text,
)
_HS_ATTRIBUTE = {2: "hs_chapter", 4: "hs_heading", 6: "hs_code"}


def expected_comparisons(query: ListingQuery) -> tuple[Counter[tuple[str, str, str]], list[str]]:
    """What each parameter the caller set must turn into, in the builder's order of values."""
    wanted: list[tuple[str, str, str, list[str]]] = [("status", "=", "?", ["active"])]
    equals = [
        ("side", query.side),
        (_HS_ATTRIBUTE[len(query.hs_code)] if query.hs_code else "hs_code", query.hs_code),
        ("origin_country", query.origin_country),
        ("destination_country", query.destination_country),
        ("incoterm", query.incoterm),
        ("transport_modes", query.transport_mode),
        ("organization_id", query.organization_id),
    ]
    wanted += [(name, "=", "?", [value]) for name, value in equals if value]
    if query.exclude_organization_id:
        wanted.append(("organization_id", "!=", "?", [query.exclude_organization_id]))
    if query.place_ids:
        wanted.append(("place_id", "IN", list_shape(len(query.place_ids)), list(query.place_ids)))
    counts = Counter((name, op, shape) for name, op, shape, _ in wanted)
    counts[("expires_at_ts", ">", "number")] += 1
    return counts, [value for *_, values in wanted for value in values]


@PROPERTY_SETTINGS
@given(listing_queries)
def test_listing_filter_has_one_comparison_per_parameter(query: ListingQuery) -> None:
    built = build_listing_filter(query, now=1_700_000_000)
    assert built.startswith('(status = "active") AND (expires_at_ts > 1700000000)')
    found, values = clauses(built)
    expected, expected_values = expected_comparisons(query)
    assert found == expected
    assert values == expected_values


@PROPERTY_SETTINGS
@given(listing_queries, hostile_text)
def test_free_text_never_reaches_the_filter(query: ListingQuery, q: str) -> None:
    """``q`` goes to Meilisearch as the search text; the filter is the same whatever it holds."""
    body = listing_search_body(replace(query, q=q), now=0)
    assert body["filter"] == listing_search_body(replace(query, q=""), now=0)["filter"]
    assert body.get("q", "") == q
