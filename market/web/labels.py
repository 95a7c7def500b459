"""The words pages show for the API's codes (sides, modes, units, facets), and how a place is named.

Each label is English, marked with ``N_`` so that ``make messages`` extracts it; a template
translates it where it shows it (``{{ _(label) }}``), so one table serves every language.
"""

from __future__ import annotations

from functools import cache
from types import MappingProxyType
from typing import Any

from market.web import i18n
from schemas.code_tables import INCOTERMS

__all__ = [
    "COUNTRIES",
    "CROSSING_STATUS_NAMES",
    "DECLINE_REASONS",
    "DELIVERY_STATUS_NAMES",
    "FACET_TITLES",
    "FILTER_TITLES",
    "INCOTERM_CODES",
    "INTRODUCTION_STATUS_NAMES",
    "KIND_NAMES",
    "LISTING_STATUS_NAMES",
    "MODE_NAMES",
    "N_",
    "PART_TITLES",
    "SIDE_NAMES",
    "SORT_NAMES",
    "UNIT_NAMES",
    "place_label",
    "vocabulary",
]


def N_(message: str) -> str:
    """Marks a message for extraction; it is translated where it is shown."""
    return message


SIDE_NAMES = {"offer": N_("Export offer"), "demand": N_("Import demand")}
MODE_NAMES = {"road": N_("Road"), "rail": N_("Rail"), "air": N_("Air"), "multimodal": N_("Multimodal")}
SORT_NAMES = {
    "": N_("Best match"),
    "created_at": N_("Newest first"),
    "price": N_("Price, lowest first"),
    "-price": N_("Price, highest first"),
}
FACET_TITLES = {
    "side": N_("Side"),
    "hs_chapter": N_("HS chapter"),
    "origin_country": N_("From"),
    "destination_country": N_("To"),
    "incoterm": N_("Incoterm"),
    "transport_modes": N_("Transport"),
}
FILTER_TITLES = {
    "q": N_("Words"),
    "side": N_("Side"),
    "hs_code": N_("HS code"),
    "origin_country": N_("From"),
    "destination_country": N_("To"),
    "origin_place": N_("From the place"),
    "destination_place": N_("To the place"),
    "incoterm": N_("Incoterm"),
    "transport_mode": N_("Transport"),
    "near": N_("Near"),
}
UNIT_NAMES = {
    "TNE": N_("t"),
    "KGM": N_("kg"),
    "GRM": N_("g"),
    "H87": N_("pcs"),
    "C62": N_("units"),
    "NAR": N_("articles"),
    "PR": N_("pairs"),
    "SET": N_("sets"),
    "DZN": N_("dozen"),
    "LTR": N_("l"),
    "MTQ": N_("m³"),
    "MTK": N_("m²"),
    "MTR": N_("m"),
    "KMT": N_("km"),
    "BLL": N_("barrels"),
    "KWH": N_("kWh"),
    "MWH": N_("MWh"),
    "20": N_("20 ft containers"),
    "21": N_("40 ft containers"),
}
LISTING_STATUS_NAMES = {
    "draft": N_("Draft"),
    "active": N_("Active"),
    "paused": N_("Paused"),
    "closed": N_("Closed"),
    "expired": N_("Expired"),
}
CROSSING_STATUS_NAMES = {"open": N_("open"), "restricted": N_("restricted"), "closed": N_("closed")}
DELIVERY_STATUS_NAMES = {
    "pending": N_("Waiting to be sent"),
    "delivered": N_("Delivered"),
    "failed": N_("Failed"),
}
KIND_NAMES = {
    "exporter": N_("Exporter"),
    "importer": N_("Importer"),
    "trader": N_("Trader"),
    "chamber": N_("Chamber of commerce"),
}
INTRODUCTION_STATUS_NAMES = {
    "requested": N_("Waiting for an answer"),
    "accepted": N_("Accepted"),
    "declined": N_("Declined"),
    "withdrawn": N_("Withdrawn"),
    "expired": N_("Expired unanswered"),
}
DECLINE_REASONS = {
    "not_interested": N_("Not interested"),
    "price": N_("The price"),
    "quantity": N_("The quantity"),
    "timing": N_("The dates"),
    "route": N_("The route"),
    "other": N_("Another reason"),
}
PART_TITLES = {
    "commodity": N_("Goods"),
    "route": N_("Route"),
    "quantity": N_("Quantity"),
    "price": N_("Price"),
    "timing": N_("Dates"),
    "trust": N_("Verified"),
    "freshness": N_("Freshness"),
    "responsiveness": N_("Answers requests"),
}
COUNTRIES = ("KZ", "UZ", "TJ", "KG", "TM", "AF", "CN", "RU", "TR", "IR", "AZ")
"""The countries the search form offers, the region's first (any code works in the URL)."""
INCOTERM_CODES = tuple(INCOTERMS)


def place_label(location: Any, language: str) -> str:
    """ "Kokand, Uzbekistan" in the page's language: the gazetteer's name where the listing's
    place resolved, else the city as written; the country alone when there is no city."""
    country = i18n.country_name(location.country, language)
    place = getattr(location, "place", None)
    name = location.city
    if place is not None:
        names = place.names
        if language == "ru" and names.ru:
            name = names.ru
        elif language == "uz" and location.country == "UZ" and names.local:
            name = names.local
        else:
            name = names.en
    return f"{name}, {country}" if name else country


@cache
def vocabulary(language: str) -> dict[str, Any]:
    """The tables a template looks labels up in, translated into ``language`` once (a page shows
    dozens of labels: looking each up in the catalog while rendering cost a tenth of a page)."""
    translate = i18n.catalog(language).gettext
    tables = {
        "side_names": SIDE_NAMES,
        "mode_names": MODE_NAMES,
        "sort_names": SORT_NAMES,
        "facet_titles": FACET_TITLES,
        "filter_titles": FILTER_TITLES,
        "unit_names": UNIT_NAMES,
        "listing_status_names": LISTING_STATUS_NAMES,
        "status_names": CROSSING_STATUS_NAMES,
        "part_titles": PART_TITLES,
        "introduction_status_names": INTRODUCTION_STATUS_NAMES,
        "decline_reasons": DECLINE_REASONS,
        "kind_names": KIND_NAMES,
        "delivery_status_names": DELIVERY_STATUS_NAMES,
    }
    return {
        **{
            name: MappingProxyType({k: translate(v) for k, v in table.items()})
            for name, table in tables.items()
        },
        "countries": COUNTRIES,
        "incoterms": INCOTERM_CODES,
        "incoterm_options": [(code, f"{code} · {name}") for code, name in INCOTERMS.items()],
    }
