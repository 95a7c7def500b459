"""Request bodies shown in the OpenAPI docs: real trade lines of the region."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from litestar.openapi.spec import Example
from litestar.params import Body

__all__ = ["ListingBody", "OrganizationBody", "example_body"]

T = TypeVar("T")

UZ_PLATES_OFFER: dict[str, Any] = {
    "side": "offer",
    "title": "Glazed ceramic plates, 27 cm",
    "description": "Stoneware dinner plates from Rishtan, 24 per carton, palletised.",
    "hs_code": "691200",
    "quantity": {"amount": 20000, "unit": "H87"},
    "min_order": {"amount": 2000, "unit": "H87"},
    "price": {"amount": "1.80", "currency": "USD", "per": "H87"},
    "incoterm": "DAP",
    "incoterm_place": "Almaty",
    "origin": {"country": "UZ", "city": "Fergana"},
    "target_countries": ["KZ"],
    "transport_modes": ["road"],
    "available_from": "2027-01-10",
    "available_until": "2027-06-30",
    "external_ref": "UZ-CER-2027-001",
}
FLOUR_DEMAND: dict[str, Any] = {
    "side": "demand",
    "title": "Мука пшеничная первого сорта",
    "hs_code": "110100",
    "quantity": {"amount": 500, "unit": "TNE"},
    "price": {"amount": "310.00", "currency": "USD", "per": "TNE"},
    "incoterm": "CPT",
    "incoterm_place": "Samarkand",
    "destination": {"country": "UZ", "city": "Samarkand"},
    "target_countries": ["KZ"],
    "transport_modes": ["rail"],
}
EXPORTER: dict[str, Any] = {
    "name": "Kostanai Auto Assembly LLP",
    "kind": "exporter",
    "country": "KZ",
    "city": "Kostanai",
    "contact": {"email": "export@example.kz", "phone": "+7 7142 000000"},
}


def example_body(*examples: tuple[str, dict[str, Any]]) -> Any:
    """A JSON body marker carrying named examples for the docs."""
    return Body(examples=[Example(summary=summary, value=value) for summary, value in examples])


ListingBody = Annotated[
    T,
    example_body(
        ("Uzbek ceramic plates offered to Kazakhstan", UZ_PLATES_OFFER),
        ("Flour wanted in Samarkand", FLOUR_DEMAND),
    ),
]
OrganizationBody = Annotated[T, example_body(("A Kazakh car exporter", EXPORTER))]
