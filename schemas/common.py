"""Reusable constrained types and the error document shared by every endpoint."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

__all__ = [
    "TEXT_PATTERN",
    "CityName",
    "CountryCode",
    "CurrencyCode",
    "DecimalString",
    "FieldError",
    "HsCode",
    "HsPrefix",
    "IncotermCode",
    "Problem",
    "ShortText",
    "TransportMode",
    "UnitCode",
]

HsCode = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^\d{4}(\d{2})?$",
        description="Harmonized System heading (4 digits) or subheading (6 digits).",
        examples=["691200"],
    ),
]
HsPrefix = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^\d{2}(\d{2}){0,2}$",
        description="HS chapter, heading or subheading: 2, 4 or 6 digits.",
        examples=["69"],
    ),
]
CountryCode = Annotated[
    str,
    msgspec.Meta(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2 country code.", examples=["UZ"]),
]
CurrencyCode = Annotated[
    str, msgspec.Meta(pattern=r"^[A-Z]{3}$", description="ISO 4217 currency code.", examples=["USD"])
]
UnitCode = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^[A-Z0-9]{2,3}$",
        description="UN/CEFACT Recommendation 20 unit code (TNE, KGM, H87, ...).",
        examples=["TNE"],
    ),
]
IncotermCode = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^[A-Z]{3}$", description="Incoterms 2020 rule (EXW, FCA, DAP, ...).", examples=["DAP"]
    ),
]
DecimalString = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^\d{1,13}(\.\d{1,4})?$",
        description="A non-negative decimal number written as a string (money is never a float).",
        examples=["235.00"],
    ),
]
TEXT_PATTERN = r"^[^\x00]*$"
"""Free text: anything but NUL, which PostgreSQL cannot keep in text or JSON."""
ShortText = Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=TEXT_PATTERN)]
CityName = Annotated[
    str, msgspec.Meta(min_length=1, max_length=100, pattern=TEXT_PATTERN, examples=["Tashkent"])
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
