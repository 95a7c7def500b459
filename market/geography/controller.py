"""HTTP: /v1/places, the gazetteer for people typing a town's name and for clients resolving ids."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Response, get
from litestar.openapi.spec import Example
from litestar.params import PathParameter, QueryParameter

from market.contract import PLACE_CACHE_CONTROL
from market.errors import NotFound
from market.geography.index import autocomplete, place_index
from market.geography.model import GeoPlace
from market.params import not_null
from market.problems import problem_responses
from schemas.common import COUNTRY_PATTERN, PLACE_ID_PATTERN, TEXT_PATTERN
from schemas.places import PlaceNames, PlaceSuggestions, PlaceView

__all__ = ["PlaceController", "place_view"]

CACHED = {"Cache-Control": PLACE_CACHE_CONTROL}


def place_view(place: GeoPlace) -> PlaceView:
    names = place.names
    return PlaceView(
        id=place.id,
        names=PlaceNames(en=names.en, ru=names.ru, local=names.local, former=names.former),
        country=place.country,
        region=place.admin1,
        lat=place.lat,
        lon=place.lon,
        population=place.population,
        locodes=place.locodes,
        geonameid=place.geonameid,
    )


class PlaceController(Controller):
    path = "/v1/places"
    tags = ["places"]

    @get("/", operation_id="suggestPlaces", responses=problem_responses(400))
    async def suggest(
        self,
        q: Annotated[
            str,
            QueryParameter(
                min_length=1,
                max_length=100,
                pattern=TEXT_PATTERN,
                description="A town's name, or its start, in any script: Qo'qon, Коканд, Kokand, Frunze",
                examples=[
                    Example(summary="Uzbek Latin", value="Qo'qon"),
                    Example(summary="Russian", value="Коканд"),
                    Example(summary="A Soviet name", value="Leninabad"),
                    Example(summary="The start of a name", value="Karag"),
                ],
            ),
        ],
        country: Annotated[
            str | None,
            QueryParameter(
                pattern=COUNTRY_PATTERN, description="ISO 3166-1 alpha-2", schema_extra=not_null(str)
            ),
        ] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=50)] = 10,
    ) -> Response[PlaceSuggestions]:
        """Places for a partly typed name, in any script, best first (exact, then prefix, then
        near spellings); public, and the same for a day."""
        found = autocomplete(q, country, limit)
        return Response(PlaceSuggestions(places=[place_view(p) for p in found]), headers=CACHED)

    @get("/{place_id:str}", operation_id="getPlace", responses=problem_responses(400, 404))
    async def get_one(
        self,
        place_id: Annotated[
            str,
            PathParameter(
                pattern=PLACE_ID_PATTERN,
                examples=[
                    Example(summary="Tashkent", value="UZTAS"),
                    Example(summary="Astana", value="GN-1526273"),
                ],
            ),
        ],
    ) -> Response[PlaceView]:
        """One place by its UN/LOCODE, ``GN-<geonameid>`` or an id of the earlier gazetteer."""
        place = place_index().get(place_id)
        if place is None:
            raise NotFound(f"no place with id {place_id}; GET /v1/places?q=... finds one by name")
        return Response(place_view(place), headers=CACHED)
