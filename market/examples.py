"""Request bodies shown in the OpenAPI docs: real trade lines of the region."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from litestar.openapi.spec import Example
from litestar.params import Body

__all__ = [
    "FLOUR_DEMAND",
    "UZ_PLATES_OFFER",
    "DeclineBody",
    "IntroductionBody",
    "ListingBody",
    "MessageBody",
    "OrganizationBody",
    "OutcomeBody",
    "example_body",
]

T = TypeVar("T")

UZ_PLATES_OFFER: dict[str, Any] = {
    "side": "offer",
    "title": "Ceramic plates, glazed, 27 cm",
    "description": "Glazed stoneware dinner plates from Rishtan, packed in cartons.",
    "hs_code": "691200",
    "quantity": {"amount": 20000, "unit": "H87"},
    "min_order": {"amount": 2000, "unit": "H87"},
    "price": {"amount": "1.80", "currency": "USD", "per": "H87"},
    "incoterm": "DAP",
    "incoterm_place": "Almaty",
    "origin": {"country": "UZ", "city": "Tashkent"},
    "destination": {"country": "KZ", "city": "Almaty"},
    "target_countries": ["KZ"],
    "transport_modes": ["road"],
    "available_from": "2027-01-10",
    "available_until": "2027-06-30",
    "certifications": ["ISO 9001"],
}
FLOUR_DEMAND: dict[str, Any] = {
    "side": "demand",
    "title": "Пшеничная мука высшего сорта",
    "description": "Нужна мука пшеничная, мешки по 50 кг, поставка в Самарканд.",
    "hs_code": "110100",
    "quantity": {"amount": 500, "unit": "TNE"},
    "price": {"amount": "310.00", "currency": "USD", "per": "TNE"},
    "incoterm": "DAP",
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

EXAMPLE_LISTING_ID = "0b6f3c1e-5d2a-4f8e-9c47-2a1d3e4f5a6b"
INTRODUCTION_REQUEST: dict[str, Any] = {
    "listing_id": EXAMPLE_LISTING_ID,
    "message": "We supply glazed plates from Rishtan to Almaty by road; could we send you samples?",
    "proposal": {
        "quantity": {"amount": 5000, "unit": "H87"},
        "price": {"amount": "1.75", "currency": "USD", "per": "H87"},
        "incoterm": "DAP",
        "incoterm_place": "Almaty",
    },
}
QUOTE_MESSAGE: dict[str, Any] = {
    "text": "Our quote for the first lot, valid to the end of the month.",
    "quote": {
        "quantity": {"amount": 20, "unit": "H87"},
        "price": {"amount": "14500.00", "currency": "USD", "per": "H87"},
        "incoterm": "CPT",
        "incoterm_place": "Dushanbe",
        "valid_until": "2027-01-31",
    },
}
IntroductionBody = Annotated[T, example_body(("Plates offered to a buyer in Almaty", INTRODUCTION_REQUEST))]
MessageBody = Annotated[T, example_body(("A quote for cars to Dushanbe", QUOTE_MESSAGE))]
DeclineBody = Annotated[
    T,
    example_body(
        ("Too dear", {"reason": "price", "note": "We buy at up to 1.60 USD a plate delivered."}),
        ("Not now", {"reason": "timing"}),
    ),
]
OutcomeBody = Annotated[T, example_body(("A contract was signed", {"outcome": "deal"}))]
