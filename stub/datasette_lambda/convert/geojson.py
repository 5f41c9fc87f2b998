"""GeoJSON features as rows: the feature's properties as columns, its geometry as GeoJSON
text in `geometry`, and for a Point its coordinates in `latitude` and `longitude`, the
column names datasette-cluster-map looks for (RFC 7946: a Point's coordinates are
[longitude, latitude, optional altitude]). Pure.
"""

from __future__ import annotations

import json
from typing import Any, TypeGuard


def is_feature(value: object) -> TypeGuard[dict[str, Any]]:
    """A GeoJSON Feature: {"type": "Feature", "geometry": ..., "properties": ...}."""
    return isinstance(value, dict) and value.get("type") == "Feature" and ("geometry" in value or "properties" in value)


def feature_record(feature: dict[str, Any]) -> list[tuple[str, Any]]:
    """The row of one feature, as (column, value) pairs in column order.

    Its properties first, then the feature's id as `id` (when it has one), `geometry`
    and, for a Point, `latitude` and `longitude`. A property of one of those names keeps
    it, and the feature's own column is suffixed (id_2, geometry_2...).
    """
    properties = feature.get("properties")
    pairs = [(str(key), value) for key, value in properties.items()] if isinstance(properties, dict) else []
    if "id" in feature:
        pairs.append(("id", feature["id"]))
    geometry = feature.get("geometry")
    pairs.append(("geometry", None if geometry is None else json.dumps(geometry, separators=(",", ":"))))
    point = _point(geometry)
    if point is not None:
        pairs += [("latitude", point[1]), ("longitude", point[0])]
    return pairs


def _point(geometry: object) -> tuple[float, float] | None:
    """(longitude, latitude) of a Point geometry, or None."""
    if not isinstance(geometry, dict) or geometry.get("type") != "Point":
        return None
    coordinates = geometry.get("coordinates")
    if not isinstance(coordinates, list) or len(coordinates) < 2:
        return None
    longitude, latitude = coordinates[0], coordinates[1]
    numbers = all(isinstance(c, (int, float)) and not isinstance(c, bool) for c in (longitude, latitude))
    return (float(longitude), float(latitude)) if numbers else None
