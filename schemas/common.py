"""Reusable constrained types and the error document shared by every endpoint."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

__all__ = [
    "COUNTRY_PATTERN",
    "EXTERNAL_REF_PATTERN",
    "HS_PREFIX_PATTERN",
    "INCOTERM_PATTERN",
    "NEAR_PATTERN",
    "PLACE_ID_PATTERN",
    "SPACE_OR_CONTROL",
    "TEXT_PATTERN",
    "CityName",
    "CountryCode",
    "CurrencyCode",
    "DecimalString",
    "FieldError",
    "HsCode",
    "HsPrefix",
    "IncotermCode",
    "PlaceId",
    "Problem",
    "ShortText",
    "TransportMode",
    "UnitCode",
    "full_match",
]


def full_match(body: str) -> str:
    """A pattern that accepts only values the whole of which ``body`` matches.

    msgspec and Litestar validate with ``re.search``, where ``$`` also matches before a final
    "\\n", so ``^[0-9]{2}$`` would take "12\\n". ``\\Z`` would fix that but is not ECMA-262, and
    the OpenAPI document is read by JavaScript and other clients, so the guard is a lookahead
    after ``$`` that both dialects read alike: in ECMA-262 ``$`` is the end already and the
    lookahead is a no-op. Digits are written ``[0-9]`` because Python's ``\\d`` also matches
    Arabic-Indic, fullwidth and other decimal digits.
    """
    return f"^(?:{body})$(?!\\n)"


SPACE_OR_CONTROL = r"\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
"""For a character class: every character Python's or ECMA-262's ``\\s`` calls space (they differ:
Python's takes U+001C-U+001F and U+0085, ECMA-262's U+FEFF), and the C0 and C1 controls. Patterns
write this instead of ``\\s`` so that clients and the server refuse the same values."""

HS_PREFIX_PATTERN = full_match("[0-9]{2}(?:[0-9]{2}){0,2}")
"""HS chapter, heading or subheading: 2, 4 or 6 ASCII digits."""
COUNTRY_PATTERN = full_match("[A-Z]{2}")
INCOTERM_PATTERN = full_match("[A-Z]{3}")
EXTERNAL_REF_PATTERN = full_match("[A-Za-z0-9._:/-]{1,100}")
"""The caller's own id of a listing; the path parameter of ``/by-ref/`` uses it too."""

_DECIMALS = r"(?:\.[0-9]{1,8})?"
_LATITUDE = rf"-?(?:90(?:\.0{{1,8}})?|[0-8]?[0-9]{_DECIMALS})"
_LONGITUDE = rf"-?(?:180(?:\.0{{1,8}})?|(?:1[0-7][0-9]|[0-9]?[0-9]){_DECIMALS})"
_RADIUS_KM = (  # over 0 and at most 5000, up to 3 decimals: 5000, 1..4999.999, or 0.001..0.999
    r"(?:5000(?:\.0{1,3})?|(?:[1-4][0-9]{3}|[1-9][0-9]{0,2})(?:\.[0-9]{1,3})?"
    r"|0\.(?:[1-9][0-9]{0,2}|0[1-9][0-9]?|00[1-9]))"
)
NEAR_PATTERN = full_match(f"{_LATITUDE},{_LONGITUDE},{_RADIUS_KM}")
"""``lat,lon,km`` in plain ASCII decimals, the ranges included: latitude -90..90, longitude
-180..180, a radius over 0 and at most 5000 km (the pattern is what the server checks)."""

PLACE_ID_PATTERN = full_match("[A-Za-z0-9-]{2,40}")
"""A place id: a UN/LOCODE (``UZTAS``), ``GN-<geonameid>``, or an id of the earlier gazetteer."""

HsCode = Annotated[
    str,
    msgspec.Meta(
        pattern=full_match("[0-9]{4}(?:[0-9]{2})?"),
        description="Harmonized System heading (4 digits) or subheading (6 digits).",
        examples=["691200"],
    ),
]
HsPrefix = Annotated[
    str,
    msgspec.Meta(
        pattern=HS_PREFIX_PATTERN,
        description="HS chapter, heading or subheading: 2, 4 or 6 digits.",
        examples=["69"],
    ),
]
CountryCode = Annotated[
    str,
    msgspec.Meta(pattern=COUNTRY_PATTERN, description="ISO 3166-1 alpha-2 country code.", examples=["UZ"]),
]
CurrencyCode = Annotated[
    str, msgspec.Meta(pattern=full_match("[A-Z]{3}"), description="ISO 4217 currency code.", examples=["USD"])
]
UnitCode = Annotated[
    str,
    msgspec.Meta(
        pattern=full_match("[A-Z0-9]{2,3}"),
        description="UN/CEFACT Recommendation 20 unit code (TNE, KGM, H87, ...).",
        examples=["TNE"],
    ),
]
IncotermCode = Annotated[
    str,
    msgspec.Meta(
        pattern=INCOTERM_PATTERN, description="Incoterms 2020 rule (EXW, FCA, DAP, ...).", examples=["DAP"]
    ),
]
DecimalString = Annotated[
    str,
    msgspec.Meta(
        pattern=full_match(r"[0-9]{1,13}(?:\.[0-9]{1,4})?"),
        description="A non-negative decimal number written as a string (money is never a float).",
        examples=["235.00"],
    ),
]
TEXT_PATTERN = full_match(r"[^\x00]*")
"""Free text: anything but NUL, which PostgreSQL cannot keep in text or JSON."""
ShortText = Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=TEXT_PATTERN)]
CityName = Annotated[
    str, msgspec.Meta(min_length=1, max_length=100, pattern=TEXT_PATTERN, examples=["Tashkent"])
]
PlaceId = Annotated[
    str,
    msgspec.Meta(
        pattern=PLACE_ID_PATTERN,
        description="A place id from GET /v1/places: a UN/LOCODE, or GN-<geonameid> where there is none",
        examples=["UZKOK"],
    ),
]
TransportMode = Literal["road", "rail", "air", "multimodal"]


class FieldError(msgspec.Struct, kw_only=True):
    """One problem with one field of the request."""

    field: str
    """Where the problem is: a JSON path into the body, or the parameter's name."""
    message: str
    """What is wrong and how to fix it."""


class Problem(msgspec.Struct, kw_only=True, omit_defaults=True):
    """RFC 9457 problem details."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[FieldError] | None = None
    current_status: str | None = None
    """A 409 about an object's state: the state it is in (say, ``declined``)."""
    existing_id: str | None = None
    """A 409 about a duplicate: the id of the object already there."""
