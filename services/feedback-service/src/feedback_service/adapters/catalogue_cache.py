"""Known service points kept in memory for a short while: every rating looks its point up.

Only points that exist are cached, so a point imported a moment ago is found as soon as the
projection has it; a change to a known point (its department, its services) shows within the TTL.
"""

from cachetools import TTLCache
from citizeninfo_shared.catalogue_projection import CatalogueProjection, ServicePointRef


class CachedCatalogue:
    def __init__(self, projection: CatalogueProjection, *, ttl_seconds: float, max_points: int) -> None:
        self._projection = projection
        self._points: TTLCache[str, ServicePointRef] = TTLCache(maxsize=max_points, ttl=ttl_seconds)

    async def service_point(self, service_point_id: str) -> ServicePointRef | None:
        point = self._points.get(service_point_id)
        if point is None:
            point = await self._projection.service_point(service_point_id)
            if point is not None:
                self._points[service_point_id] = point
        return point
