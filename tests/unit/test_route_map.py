"""The route drawing: every place inside the box, the ends and the crossings marked."""

from __future__ import annotations

import msgspec

from market.routes import load_network, plan_routes
from market.web.route_map import HEIGHT, MARGIN, WIDTH, draw_route


def test_a_route_between_towns_is_drawn_inside_the_box() -> None:
    network = load_network()
    route = plan_routes(network, "UZKOK", "KZKGF", k=1)[0]  # Kokand -> Karaganda
    drawing = draw_route(network, route, {"UZKOK": "Коканд"})
    assert drawing is not None
    for mark in drawing.marks:
        assert (
            MARGIN - 0.1 <= mark.x <= WIDTH - MARGIN + 0.1 and MARGIN - 0.1 <= mark.y <= HEIGHT - MARGIN + 0.1
        )
    ends = {m.name for m in drawing.marks if m.kind == "end"}
    assert ends == {"Коканд", "Karaganda"}
    crossings = [m for m in drawing.marks if m.kind in ("open", "restricted", "closed")]
    assert len(crossings) == len(route.crossings) >= 1
    assert len(drawing.strokes) == len([leg for leg in route.legs if leg.from_ != leg.to])
    assert drawing.strokes[0].access  # Kokand is off the network: an estimated first mile
    assert not any(s.access for s in drawing.strokes[1:-1])  # Karaganda is a hub: no last mile
    # North is up: Karaganda (49.8 N) is drawn above Kokand (40.5 N).
    y = {m.name: m.y for m in drawing.marks}
    assert y["Karaganda"] < y["Коканд"]


def test_a_place_without_coordinates_draws_nothing() -> None:
    network = load_network()
    route = plan_routes(network, "KZALA", "UZTAS", k=1)[0]
    legs = [msgspec.structs.replace(route.legs[0], from_="X-NOWHERE"), *route.legs[1:]]
    assert draw_route(network, msgspec.structs.replace(route, legs=tuple(legs))) is None
