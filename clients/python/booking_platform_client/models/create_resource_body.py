from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define

from ..models.create_resource_body_booking_model import CreateResourceBodyBookingModel
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.policy import Policy
    from ..models.price_in import PriceIn


T = TypeVar("T", bound="CreateResourceBody")


@_attrs_define
class CreateResourceBody:
    """
    Attributes:
        booking_model (CreateResourceBodyBookingModel):
        name (str):
        amenities (list[str] | Unset):
        capacity (int | Unset):  Default: 0.
        company_id (None | Unset | UUID): Platform admins: the company.
        description (str | Unset):  Default: ''.
        hourly_rate (None | PriceIn | Unset): INTERVAL only.
        image_urls (list[str] | Unset):
        policy (None | Policy | Unset): Omitted: the default policy.
    """

    booking_model: CreateResourceBodyBookingModel
    name: str
    amenities: list[str] | Unset = UNSET
    capacity: int | Unset = 0
    company_id: None | Unset | UUID = UNSET
    description: str | Unset = ""
    hourly_rate: None | PriceIn | Unset = UNSET
    image_urls: list[str] | Unset = UNSET
    policy: None | Policy | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.policy import Policy
        from ..models.price_in import PriceIn

        booking_model = self.booking_model.value

        name = self.name

        amenities: list[str] | Unset = UNSET
        if not isinstance(self.amenities, Unset):
            amenities = self.amenities

        capacity = self.capacity

        company_id: None | str | Unset
        if isinstance(self.company_id, Unset):
            company_id = UNSET
        elif isinstance(self.company_id, UUID):
            company_id = str(self.company_id)
        else:
            company_id = self.company_id

        description = self.description

        hourly_rate: dict[str, Any] | None | Unset
        if isinstance(self.hourly_rate, Unset):
            hourly_rate = UNSET
        elif isinstance(self.hourly_rate, PriceIn):
            hourly_rate = self.hourly_rate.to_dict()
        else:
            hourly_rate = self.hourly_rate

        image_urls: list[str] | Unset = UNSET
        if not isinstance(self.image_urls, Unset):
            image_urls = self.image_urls

        policy: dict[str, Any] | None | Unset
        if isinstance(self.policy, Unset):
            policy = UNSET
        elif isinstance(self.policy, Policy):
            policy = self.policy.to_dict()
        else:
            policy = self.policy

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "booking_model": booking_model,
                "name": name,
            }
        )
        if amenities is not UNSET:
            field_dict["amenities"] = amenities
        if capacity is not UNSET:
            field_dict["capacity"] = capacity
        if company_id is not UNSET:
            field_dict["company_id"] = company_id
        if description is not UNSET:
            field_dict["description"] = description
        if hourly_rate is not UNSET:
            field_dict["hourly_rate"] = hourly_rate
        if image_urls is not UNSET:
            field_dict["image_urls"] = image_urls
        if policy is not UNSET:
            field_dict["policy"] = policy

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.policy import Policy
        from ..models.price_in import PriceIn

        d = dict(src_dict)
        booking_model = CreateResourceBodyBookingModel(d.pop("booking_model"))

        name = d.pop("name")

        amenities = cast(list[str], d.pop("amenities", UNSET))

        capacity = d.pop("capacity", UNSET)

        def _parse_company_id(data: object) -> None | Unset | UUID:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                company_id_type_0 = UUID(data)

                return company_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UUID, data)

        company_id = _parse_company_id(d.pop("company_id", UNSET))

        description = d.pop("description", UNSET)

        def _parse_hourly_rate(data: object) -> None | PriceIn | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                hourly_rate_type_0 = PriceIn.from_dict(data)

                return hourly_rate_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | PriceIn | Unset, data)

        hourly_rate = _parse_hourly_rate(d.pop("hourly_rate", UNSET))

        image_urls = cast(list[str], d.pop("image_urls", UNSET))

        def _parse_policy(data: object) -> None | Policy | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                policy_type_0 = Policy.from_dict(data)

                return policy_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Policy | Unset, data)

        policy = _parse_policy(d.pop("policy", UNSET))

        create_resource_body = cls(
            booking_model=booking_model,
            name=name,
            amenities=amenities,
            capacity=capacity,
            company_id=company_id,
            description=description,
            hourly_rate=hourly_rate,
            image_urls=image_urls,
            policy=policy,
        )

        return create_resource_body
