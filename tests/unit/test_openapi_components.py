"""The document's schemas say what the Structs enforce: msgspec validates every body, so every
constraint msgspec's own JSON Schema states for a Struct must be in the published component, and a
Struct that refuses unknown fields is published with ``additionalProperties: false``."""

from __future__ import annotations

import json
from typing import Any

import msgspec
import pytest

from market.app import create_app
from market.contract import document_structs

COMPONENTS: dict[str, Any] = create_app().openapi_schema.to_schema()["components"]["schemas"]
STRUCTS = {name: struct for name, struct in document_structs().items() if name in COMPONENTS}
_, EXACT = msgspec.json.schema_components(STRUCTS.values(), ref_template="#/components/schemas/{name}")
CONSTRAINTS = {
    "pattern",
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minItems",
    "maxItems",
    "enum",
    "const",
    "format",
    "multipleOf",
    "additionalProperties",
    "required",
}


def _normal(value: Any) -> str:
    if isinstance(value, list):
        value = sorted(value, key=json.dumps)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return json.dumps(value, sort_keys=True)


def constraints(node: Any, where: str = "") -> set[tuple[str, str, str]]:
    """Every constraint in a schema, by where it applies; alternatives (anyOf/oneOf) count as one
    place, so that ``T | None`` written either way compares equal."""
    found: set[tuple[str, str, str]] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key in CONSTRAINTS and not isinstance(value, dict):
                if key in ("enum", "const"):  # a one-value enum is a const; null is the alternative's
                    key, value = "enum", [v for v in (value if key == "enum" else [value]) if v is not None]
                found.add((where, key, _normal(value)))
            elif key in ("anyOf", "oneOf"):
                for alternative in value:
                    found |= constraints(alternative, where)
            elif key in ("properties", "items"):
                found |= (
                    constraints(value, f"{where}/items")
                    if key == "items"
                    else {c for name, sub in value.items() for c in constraints(sub, f"{where}.{name}")}
                )
    return found


def test_the_structs_behind_the_components_are_found() -> None:
    # guards the enumeration: every component, from schemas/ and market/ alike (Place is also
    # the name of a gazetteer Struct)
    assert set(STRUCTS) == set(COMPONENTS), sorted(set(COMPONENTS) - set(STRUCTS))
    assert STRUCTS["Place"].__module__ == "schemas.listings"


@pytest.mark.parametrize("name", sorted(STRUCTS))
def test_component_states_every_constraint_msgspec_checks(name: str) -> None:
    missing = constraints(EXACT[name]) - constraints(COMPONENTS[name])
    assert not missing, sorted(missing)


@pytest.mark.parametrize("name", sorted(STRUCTS))
def test_component_refuses_unknown_fields_exactly_when_its_struct_does(name: str) -> None:
    forbids = STRUCTS[name].__struct_config__.forbid_unknown_fields
    assert COMPONENTS[name].get("additionalProperties", True) is (not forbids), name
