"""The batch body is counted while it is read: over 1,000 items is refused before decoding them."""

from __future__ import annotations

import tracemalloc

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from market.errors import InvalidInput, MalformedBody
from market.listings.batch_body import MAX_BATCH, NDJSON_TYPES, parse_batch_body

NDJSON = "application/x-ndjson"
FOUR_MILLION = 4_000_000


def _refusal(body: bytes, content_type: str) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        parse_batch_body(body, content_type)
    return caught.value


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"[" + b",".join([b"0"] * FOUR_MILLION) + b"]", "application/json"),
        (b"[" + b",".join([b"{}"] * (FOUR_MILLION // 2)) + b"]", "application/json"),
        (b"\n".join([b"0"] * FOUR_MILLION), NDJSON),
    ],
    ids=["json-numbers", "json-objects", "ndjson"],
)
def test_millions_of_tiny_items_are_refused_without_decoding_them(body: bytes, content_type: str) -> None:
    tracemalloc.start()
    try:
        error = _refusal(body, content_type)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert error.errors is not None and error.errors[0].field == "body"
    assert f"at most {MAX_BATCH}" in error.detail
    # Decoding every item first took about 65 bytes an item (260 MB here); counting keeps to
    # the first thousand.
    assert peak < 2_000_000, f"{peak} bytes allocated to refuse the body"


@pytest.mark.parametrize("count", [1, 2, MAX_BATCH - 1, MAX_BATCH])
@pytest.mark.parametrize("content_type", ["application/json", NDJSON])
def test_up_to_the_cap_every_item_comes_back_in_order(count: int, content_type: str) -> None:
    values = [{"n": n, "text": "a, [b] {c}\n"} for n in range(count)]
    encoded = [msgspec.json.encode(v) for v in values]
    body = b"\n".join(encoded) if content_type == NDJSON else b"[" + b",".join(encoded) + b"]"
    items = parse_batch_body(body, content_type)
    assert [msgspec.json.decode(item) for item in items] == values


@pytest.mark.parametrize("content_type", ["application/json", NDJSON])
def test_one_over_the_cap_is_refused(content_type: str) -> None:
    encoded = [b'{"n": 1}'] * (MAX_BATCH + 1)
    body = b"\n".join(encoded) if content_type == NDJSON else b"[" + b",".join(encoded) + b"]"
    assert f"at most {MAX_BATCH}" in _refusal(body, content_type).detail


@pytest.mark.parametrize(
    ("body", "fragment"),
    [(b"[]", "empty"), (b"  ", "JSON array"), (b'{"side": "offer"}', "JSON array"), (b"[1, 2", "JSON array")],
)
def test_a_body_that_is_not_a_non_empty_array_names_what_to_send(body: bytes, fragment: str) -> None:
    assert fragment in _refusal(body, "application/json").detail


def test_an_array_nested_too_deeply_is_a_bad_request() -> None:
    with pytest.raises(MalformedBody):
        parse_batch_body(b"[" * 100_000 + b"]" * 100_000, "application/json")


_LINE = st.one_of(
    st.just(b""),
    st.sampled_from([b" ", b"\t", b"\r", b"\x0b", b"\x0c", b"  \t "]),
    st.binary(min_size=1, max_size=12),
)


@given(lines=st.lists(_LINE, max_size=40), newline=st.sampled_from([b"\n", b"\r\n", b"\r"]))
def test_ndjson_keeps_exactly_the_non_blank_lines(lines: list[bytes], newline: bytes) -> None:
    """Counting lines before splitting them agrees with the split, whatever the whitespace."""
    body = newline.join(lines)
    expected = [line for line in body.splitlines() if line.strip()]
    if not expected:
        assert "empty" in _refusal(body, NDJSON).detail
    else:
        assert parse_batch_body(body, NDJSON) == expected


@given(
    st.lists(
        st.recursive(st.none() | st.integers() | st.text(), lambda c: st.lists(c, max_size=3)), max_size=30
    )
)
def test_a_json_array_comes_back_item_by_item(values: list[object]) -> None:
    body = msgspec.json.encode(values)
    if not values:
        assert "empty" in _refusal(body, "application/json").detail
    else:
        assert [msgspec.json.decode(item) for item in parse_batch_body(body, "application/json")] == values


def test_every_ndjson_content_type_is_read_line_by_line() -> None:
    for content_type in NDJSON_TYPES:
        assert len(parse_batch_body(b"{}\n{}\n", content_type)) == 2
