"""The listing form: its fields as the API names them, read into the API's own Structs.

Each input is named by the field's path in the API (``quantity.amount``, ``origin.city``), so an
error the API's rules give (``ListingCreate``, then the service's checks) lands at its input.
A form can only send text, so numbers, lists and empty optional groups are shaped first; then
the same decoding and checks as ``POST /v1/listings`` run, nothing of their own.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, TypeVar

import msgspec

from market.errors import InvalidInput, field_error
from schemas.common import FieldError
from schemas.listings import Listing
from schemas.organizations import OrganizationCreate

__all__ = [
    "FORM_FIELDS",
    "decode_form",
    "decode_or_refuse",
    "every",
    "form_body",
    "form_values",
    "given_values",
]

SCALARS = (
    "side",
    "status",
    "title",
    "description",
    "hs_code",
    "quantity.amount",
    "quantity.unit",
    "min_order.amount",
    "min_order.unit",
    "price.amount",
    "price.currency",
    "price.per",
    "incoterm",
    "incoterm_place",
    "origin.country",
    "origin.city",
    "destination.country",
    "destination.city",
    "available_from",
    "available_until",
)
LISTS = ("target_countries", "transport_modes", "certifications")
FORM_FIELDS = (*SCALARS, *LISTS)
_NUMBERS = ("quantity.amount", "min_order.amount")
_GROUPS = {"min_order": "amount", "price": "amount", "origin": "country", "destination": "country"}
"""An optional group is sent only when its main field is filled in (a unit alone is no order)."""
_MAX_ROUNDS = 30
T = TypeVar("T")


def number_of(text: str) -> float | str:
    """A number as people type it: "1 250,5" or "1,250.5"; anything else stays text (and is refused)."""
    cleaned = text.replace("\u00a0", "").replace(" ", "")
    if re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d+)?", cleaned):
        cleaned = cleaned.replace(",", "")
    cleaned = cleaned.replace(",", ".")
    try:
        return float(cleaned)
    except ValueError:
        return text


def every(form: Any, name: str) -> list[str]:
    """Every value of a repeated field (checkboxes), none if it was not sent."""
    getall = getattr(form, "getall", None)
    return [str(v) for v in getall(name, [])] if getall else []


def given_values(form: Any) -> dict[str, str]:
    """What the form sent, one string per field (the checkboxes joined), as the inputs show it."""
    return {
        **{k: str(v) for k, v in dict(form).items()},
        "transport_modes": ",".join(every(form, "transport_modes")),
    }


def form_body(form: Any) -> dict[str, Any]:
    """The JSON body the form stands for."""
    body: dict[str, Any] = {}
    for name in SCALARS:
        value = str(form.get(name) or "").strip()
        if not value:
            continue
        group, _, leaf = name.partition(".")
        typed: Any = number_of(value) if name in _NUMBERS else value
        if leaf:
            body.setdefault(group, {})[leaf] = typed
        else:
            body[name] = typed
    if "hs_code" not in body and str(form.get("hs_code_choice") or "").strip():  # picked from suggestions
        body["hs_code"] = str(form.get("hs_code_choice")).strip()
    for group, main in _GROUPS.items():
        if group in body and main not in body[group]:
            del body[group]
    countries = re.split(r"[\s,;]+", str(form.get("target_countries") or "").upper())
    body["target_countries"] = [c for c in countries if c]
    body["transport_modes"] = every(form, "transport_modes")
    certifications = str(form.get("certifications") or "")
    body["certifications"] = [c.strip() for c in certifications.split(",") if c.strip()]
    return body


def decode_form(body: dict[str, Any], into: type[Any]) -> tuple[Any | None, dict[str, str]]:
    """``body`` decoded into ``into`` by the API's rules, or None and a message per field.

    msgspec names one error at a time; each field it names is taken out and the body tried
    again, so the form shows every field that is wrong at once, not one per submission."""
    errors: dict[str, str] = {}
    trial = msgspec.json.decode(msgspec.json.encode(body))
    for _ in range(_MAX_ROUNDS):
        try:
            decoded = msgspec.convert(trial, into)
        except msgspec.ValidationError as exc:
            error = field_error({"message": str(exc)})
            if error.field in errors:  # a group left without its required field: drop the group
                parent = error.field.rpartition(".")[0]
                if parent and _drop(trial, parent):
                    continue
                return None, errors
            errors[error.field] = error.message
            if not _drop(trial, error.field):  # missing, not wrong: nothing to take out
                return None, errors
            continue
        return (None, errors) if errors else (decoded, errors)
    return None, errors


def organization_from_form(form: Any, country: str) -> OrganizationCreate:
    """The organization a registration form describes (the admin's or a chamber's), by the
    rules of ``POST /v1/organizations``."""
    text = {k: str(form.get(k) or "").strip() for k in ("name", "kind", "city", "email", "phone")}
    body = {
        "name": text["name"],
        "kind": text["kind"] or "exporter",
        "country": country.strip().upper(),
        "city": text["city"],
        "contact": {k: text[k] for k in ("email", "phone") if text[k]},
    }
    return decode_or_refuse(body, OrganizationCreate)


def decode_or_refuse(body: dict[str, Any], into: type[T]) -> T:
    """``body`` decoded into ``into`` by the API's rules, or InvalidInput naming every wrong field
    (for a small form whose refusal is shown as a page, not at its fields)."""
    decoded, errors = decode_form(body, into)
    if decoded is None:
        fields = [FieldError(field=field, message=message) for field, message in errors.items()]
        raise InvalidInput("; ".join(f"{e.field}: {e.message}" for e in fields), fields)
    return decoded


def _drop(body: dict[str, Any], path: str) -> bool:
    """Remove the value at a dotted path (``quantity.amount``, ``target_countries.1``)."""
    *parents, leaf = path.split(".")
    node: Any = body
    for part in parents:
        node = node[int(part)] if isinstance(node, list) and part.isdigit() else node.get(part)
        if node is None:
            return False
    if isinstance(node, list) and leaf.isdigit() and int(leaf) < len(node):
        node.pop(int(leaf))
        return True
    if isinstance(node, dict) and leaf in node:
        del node[leaf]
        return True
    return False


def form_values(listing: Listing | None = None, given: Mapping[str, Any] | None = None) -> dict[str, str]:
    """What each input shows: what was typed (``given``), else the listing's value, else nothing."""
    values = dict.fromkeys(FORM_FIELDS, "")
    if listing is not None:
        data = msgspec.to_builtins(listing)
        for name in SCALARS:
            group, _, leaf = name.partition(".")
            value = (data.get(group) or {}).get(leaf) if leaf else data.get(name)
            values[name] = "" if value is None else str(value)
        values["target_countries"] = ", ".join(data.get("target_countries") or [])
        values["certifications"] = ", ".join(data.get("certifications") or [])
        values["transport_modes"] = ",".join(data.get("transport_modes") or [])
        if (
            isinstance(data.get("quantity", {}).get("amount"), float)
            and data["quantity"]["amount"].is_integer()
        ):
            values["quantity.amount"] = str(int(data["quantity"]["amount"]))
    for name in FORM_FIELDS:
        if given is not None and name in given:
            values[name] = str(given.get(name) or "")
    return values
