from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.resource_out_booking_model import ResourceOutBookingModel

if TYPE_CHECKING:
    from ..models.money import Money
    from ..models.policy import Policy


T = TypeVar("T", bound="ResourceOut")


@_attrs_define
class ResourceOut:
    """
    Attributes:
        amenities (list[str]):
        archive_time (datetime.datetime | None):
        archived (bool):
        booking_model (ResourceOutBookingModel):
        capacity (int): How many people it holds (0 = not stated).
        company_id (str):
        description (str):
        etag (str): Send it back in If-Match to change the resource.
        hourly_rate (Money | None): INTERVAL: the price of one hour.
        id (str):
        image_urls (list[str]):
        name (str):
        policy (Policy): The booking rules (catalog's README, Policy): 0 = no limit / not used. Rules of another
            booking model (e.g. `min_nights` on an INTERVAL resource) are refused (400 INVALID_POLICY).
        version (int):
    """

    amenities: list[str]
    archive_time: datetime.datetime | None
    archived: bool
    booking_model: ResourceOutBookingModel
    capacity: int
    company_id: str
    description: str
    etag: str
    hourly_rate: Money | None
    id: str
    image_urls: list[str]
    name: str
    policy: Policy
    version: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.money import Money

        amenities = self.amenities

        archive_time: None | str
        if isinstance(self.archive_time, datetime.datetime):
            archive_time = self.archive_time.isoformat()
        else:
            archive_time = self.archive_time

        archived = self.archived

        booking_model = self.booking_model.value

        capacity = self.capacity

        company_id = self.company_id

        description = self.description

        etag = self.etag

        hourly_rate: dict[str, Any] | None
        if isinstance(self.hourly_rate, Money):
            hourly_rate = self.hourly_rate.to_dict()
        else:
            hourly_rate = self.hourly_rate

        id = self.id

        image_urls = self.image_urls

        name = self.name

        policy = self.policy.to_dict()

        version = self.version

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "amenities": amenities,
                "archive_time": archive_time,
                "archived": archived,
                "booking_model": booking_model,
                "capacity": capacity,
                "company_id": company_id,
                "description": description,
                "etag": etag,
                "hourly_rate": hourly_rate,
                "id": id,
                "image_urls": image_urls,
                "name": name,
                "policy": policy,
                "version": version,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.money import Money
        from ..models.policy import Policy

        d = dict(src_dict)
        amenities = cast(list[str], d.pop("amenities"))

        def _parse_archive_time(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                archive_time_type_0 = datetime.datetime.fromisoformat(data)

                return archive_time_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        archive_time = _parse_archive_time(d.pop("archive_time"))

        archived = d.pop("archived")

        booking_model = ResourceOutBookingModel(d.pop("booking_model"))

        capacity = d.pop("capacity")

        company_id = d.pop("company_id")

        description = d.pop("description")

        etag = d.pop("etag")

        def _parse_hourly_rate(data: object) -> Money | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                hourly_rate_type_0 = Money.from_dict(data)

                return hourly_rate_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(Money | None, data)

        hourly_rate = _parse_hourly_rate(d.pop("hourly_rate"))

        id = d.pop("id")

        image_urls = cast(list[str], d.pop("image_urls"))

        name = d.pop("name")

        policy = Policy.from_dict(d.pop("policy"))

        version = d.pop("version")

        resource_out = cls(
            amenities=amenities,
            archive_time=archive_time,
            archived=archived,
            booking_model=booking_model,
            capacity=capacity,
            company_id=company_id,
            description=description,
            etag=etag,
            hourly_rate=hourly_rate,
            id=id,
            image_urls=image_urls,
            name=name,
            policy=policy,
            version=version,
        )

        resource_out.additional_properties = d
        return resource_out

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
