from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.policy import Policy
    from ..models.price_in import PriceIn


T = TypeVar("T", bound="UpdateResourceBody")


@_attrs_define
class UpdateResourceBody:
    """Only the fields given change; `policy` replaces the whole policy.

    Attributes:
        amenities (list[str] | None | Unset):
        capacity (int | None | Unset):
        description (None | str | Unset):
        hourly_rate (None | PriceIn | Unset): INTERVAL only.
        image_urls (list[str] | None | Unset):
        name (None | str | Unset):
        policy (None | Policy | Unset):
    """

    amenities: list[str] | None | Unset = UNSET
    capacity: int | None | Unset = UNSET
    description: None | str | Unset = UNSET
    hourly_rate: None | PriceIn | Unset = UNSET
    image_urls: list[str] | None | Unset = UNSET
    name: None | str | Unset = UNSET
    policy: None | Policy | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.policy import Policy
        from ..models.price_in import PriceIn

        amenities: list[str] | None | Unset
        if isinstance(self.amenities, Unset):
            amenities = UNSET
        elif isinstance(self.amenities, list):
            amenities = self.amenities

        else:
            amenities = self.amenities

        capacity: int | None | Unset
        if isinstance(self.capacity, Unset):
            capacity = UNSET
        else:
            capacity = self.capacity

        description: None | str | Unset
        if isinstance(self.description, Unset):
            description = UNSET
        else:
            description = self.description

        hourly_rate: dict[str, Any] | None | Unset
        if isinstance(self.hourly_rate, Unset):
            hourly_rate = UNSET
        elif isinstance(self.hourly_rate, PriceIn):
            hourly_rate = self.hourly_rate.to_dict()
        else:
            hourly_rate = self.hourly_rate

        image_urls: list[str] | None | Unset
        if isinstance(self.image_urls, Unset):
            image_urls = UNSET
        elif isinstance(self.image_urls, list):
            image_urls = self.image_urls

        else:
            image_urls = self.image_urls

        name: None | str | Unset
        if isinstance(self.name, Unset):
            name = UNSET
        else:
            name = self.name

        policy: dict[str, Any] | None | Unset
        if isinstance(self.policy, Unset):
            policy = UNSET
        elif isinstance(self.policy, Policy):
            policy = self.policy.to_dict()
        else:
            policy = self.policy

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if amenities is not UNSET:
            field_dict["amenities"] = amenities
        if capacity is not UNSET:
            field_dict["capacity"] = capacity
        if description is not UNSET:
            field_dict["description"] = description
        if hourly_rate is not UNSET:
            field_dict["hourly_rate"] = hourly_rate
        if image_urls is not UNSET:
            field_dict["image_urls"] = image_urls
        if name is not UNSET:
            field_dict["name"] = name
        if policy is not UNSET:
            field_dict["policy"] = policy

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.policy import Policy
        from ..models.price_in import PriceIn

        d = dict(src_dict)

        def _parse_amenities(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                amenities_type_0 = cast(list[str], data)

                return amenities_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        amenities = _parse_amenities(d.pop("amenities", UNSET))

        def _parse_capacity(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        capacity = _parse_capacity(d.pop("capacity", UNSET))

        def _parse_description(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        description = _parse_description(d.pop("description", UNSET))

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

        def _parse_image_urls(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                image_urls_type_0 = cast(list[str], data)

                return image_urls_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        image_urls = _parse_image_urls(d.pop("image_urls", UNSET))

        def _parse_name(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        name = _parse_name(d.pop("name", UNSET))

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

        update_resource_body = cls(
            amenities=amenities,
            capacity=capacity,
            description=description,
            hourly_rate=hourly_rate,
            image_urls=image_urls,
            name=name,
            policy=policy,
        )

        return update_resource_body
