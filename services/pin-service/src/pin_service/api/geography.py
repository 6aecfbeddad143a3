"""Thailand's provinces and their districts by name (Thai and English) with their DOPA codes, so that
clients let people choose a place by name and still send the codes the search filters take.

Anonymous and read-only; the list changes only with a new geothai release, so answers are cached."""

from typing import Annotated

from citizeninfo_shared.problems import Problem
from fastapi import APIRouter, Path, Response
from pydantic import BaseModel, Field

from pin_service.adapters.geography import Area, district_areas, province_areas

router = APIRouter(prefix="/geography", tags=["geography"])

# A day in every cache on the way (browsers, the gateway, proxies): the list is the same for everyone.
CACHE_CONTROL = "public, max-age=86400"


class AreaOut(BaseModel):
    code: str = Field(description="DOPA code: 2 digits for a province, 4 for a district")
    name_th: str
    name_en: str

    @classmethod
    def of(cls, area: Area) -> "AreaOut":
        return cls(code=area.code, name_th=area.name_th, name_en=area.name_en)


class ProvinceList(BaseModel):
    items: list[AreaOut] = Field(description="The 77 provinces (Bangkok included), by code")


class DistrictList(BaseModel):
    province: AreaOut
    items: list[AreaOut] = Field(description="The province's districts (อำเภอ; เขต in Bangkok), by code")


@router.get("/provinces", summary="Every province with its Thai and English name (cached)")
async def provinces(response: Response) -> ProvinceList:
    response.headers["Cache-Control"] = CACHE_CONTROL
    return ProvinceList(items=[AreaOut.of(area) for area in province_areas()])


@router.get(
    "/provinces/{province_code}/districts",
    summary="A province's districts with their Thai and English names (cached)",
    responses={404: {"description": "No province has this code"}},
)
async def districts(
    province_code: Annotated[str, Path(pattern=r"^\d{2}$", description="DOPA province code, e.g. 50")],
    response: Response,
) -> DistrictList:
    areas = district_areas(province_code)
    if areas is None:
        raise Problem(404, f"No province has the code {province_code!r}.")
    province = next(area for area in province_areas() if area.code == province_code)
    response.headers["Cache-Control"] = CACHE_CONTROL
    return DistrictList(province=AreaOut.of(province), items=[AreaOut.of(area) for area in areas])
