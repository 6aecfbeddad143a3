"""The service point a write is about, from the local catalogue projection (404 when unknown)."""

from citizeninfo_shared.catalogue_projection import ServicePointRef
from citizeninfo_shared.problems import Problem


async def known_point(catalogue, service_point_id: str) -> ServicePointRef:
    point = await catalogue.service_point(service_point_id)
    if point is None:
        raise Problem(
            404,
            f"ไม่พบจุดให้บริการ {service_point_id} — no service point {service_point_id!r} in the catalogue.",
        )
    return point


def service_not_offered(point: ServicePointRef, service_id: str) -> Problem:
    return Problem(
        422,
        f"จุดให้บริการนี้ไม่มีบริการ {service_id} — service point {point.service_point_id!r} "
        f"does not offer service {service_id!r}.",
    )
