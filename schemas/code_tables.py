"""Code tables that no well-kept package ships: Incoterms 2020 and UN/CEFACT Rec 20 units."""

from __future__ import annotations

__all__ = ["INCOTERMS", "SEA_ONLY_INCOTERMS", "UNITS"]

#: Incoterms 2020: the eleven rules and whether each is for sea and inland waterway only.
INCOTERMS: dict[str, str] = {
    "EXW": "Ex Works",
    "FCA": "Free Carrier",
    "CPT": "Carriage Paid To",
    "CIP": "Carriage and Insurance Paid To",
    "DAP": "Delivered at Place",
    "DPU": "Delivered at Place Unloaded",
    "DDP": "Delivered Duty Paid",
    "FAS": "Free Alongside Ship",
    "FOB": "Free on Board",
    "CFR": "Cost and Freight",
    "CIF": "Cost, Insurance and Freight",
}
SEA_ONLY_INCOTERMS = frozenset({"FAS", "FOB", "CFR", "CIF"})

#: The UN/CEFACT Recommendation 20 unit codes that goods traded in the region are counted in.
UNITS: dict[str, str] = {
    "TNE": "tonne",
    "KGM": "kilogram",
    "GRM": "gram",
    "H87": "piece",
    "C62": "one (unit)",
    "NAR": "number of articles",
    "PR": "pair",
    "SET": "set",
    "DZN": "dozen",
    "LTR": "litre",
    "MTQ": "cubic metre",
    "MTK": "square metre",
    "MTR": "metre",
    "KMT": "kilometre",
    "BLL": "barrel (US)",
    "KWH": "kilowatt hour",
    "MWH": "megawatt hour",
    "20": "20 ft container",
    "21": "40 ft container",
}
