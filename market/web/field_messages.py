"""The API's messages about a field, in the words and the language of a person filling a form.

The rules (``ListingCreate``, ``market.listings.validation``) say what is wrong in English, for
developers ("Expected `float`, got `str`", "GET /v1/commodities?q=... suggests codes"). A form
shows the same verdict at the same field, said for people: each known message is matched here
to a translatable sentence. A message not in this table is shown as the API gives it, in English.
"""

from __future__ import annotations

import re

from market.web.i18n import catalog
from market.web.labels import N_

__all__ = ["RULES", "for_people"]

RULES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^Object missing required field"), N_("Fill this in.")),
    (
        re.compile(r"an HS code is needed to publish"),
        N_("An HS code is needed to publish: save a draft to get suggestions."),
    ),
    (
        re.compile(r"4- or 6-digit HS code|not in the HS nomenclature"),
        N_("Use a 4- or 6-digit HS code, such as 691200: type the goods in words to get suggestions."),
    ),
    (
        re.compile(r"codes in capitals, such as \[|^target_countries"),
        N_("Use two-letter country codes separated by commas, such as KZ, TJ."),
    ),
    (re.compile(r"ISO 3166-1 alpha-2"), N_("Choose a country.")),
    (re.compile(r"ISO 4217"), N_("Use a currency code such as USD, KZT or UZS.")),
    (re.compile(r"UN/CEFACT Rec 20 unit"), N_("Choose a unit.")),
    (re.compile(r"use the quantity's unit"), N_("Use the same unit as the quantity.")),
    (re.compile(r"cannot exceed the quantity"), N_("The minimum order cannot be more than the quantity.")),
    (re.compile(r"only offers have a minimum order"), N_("Only offers have a minimum order.")),
    (re.compile(r"Incoterms 2020"), N_("Choose an Incoterms 2020 rule, such as FCA, CPT or DAP.")),
    (re.compile(r"a named place needs an incoterm"), N_("A named place needs an Incoterm.")),
    (
        re.compile(r"price must be greater than zero|decimal string|positive number|`float`|`int`|`number`"),
        N_("Enter a positive number, such as 1250 or 1 250,5."),
    ),
    (re.compile(r"an offer needs an origin"), N_("An offer needs the country the goods are in.")),
    (re.compile(r"a demand needs a destination"), N_("A demand needs the country the goods go to.")),
    (re.compile(r"ends before it starts"), N_("The end date is before the start date.")),
    (re.compile(r"`date`"), N_("Enter a date.")),
    (re.compile(r"NUL character"), N_("This text contains a character that cannot be stored.")),
    (re.compile(r"length <= (?P<n>\d+)"), N_("Use at most %(n)s characters.")),
    (re.compile(r"length >= (?P<n>\d+)"), N_("Use at least %(n)s characters.")),
    (re.compile(r"Expected `str` matching regex|invalid value"), N_("This is not in the expected form.")),
    (re.compile(r"^Invalid enum value"), N_("Choose one of the options offered.")),
]


def for_people(message: str, language: str) -> str:
    """The API's message about a field, as a translated sentence where one is known."""
    for pattern, sentence in RULES:
        found = pattern.search(message)
        if found:
            return catalog(language).gettext(sentence) % found.groupdict()
    return message
