from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.price_in import PriceIn


T = TypeVar("T", bound="UpdatePassProductBody")


@_attrs_define
class UpdatePassProductBody:
    """Only the fields given change; passes granted before keep what they were granted.

    Attributes:
        credits_ (int | None | Unset):
        name (None | str | Unset):
        price (None | PriceIn | Unset):
        resource_ids (list[UUID] | None | Unset): The resources the pass is for; [] = every resource.
        validity_days (int | None | Unset):
    """

    credits_: int | None | Unset = UNSET
    name: None | str | Unset = UNSET
    price: None | PriceIn | Unset = UNSET
    resource_ids: list[UUID] | None | Unset = UNSET
    validity_days: int | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.price_in import PriceIn

        credits_: int | None | Unset
        if isinstance(self.credits_, Unset):
            credits_ = UNSET
        else:
            credits_ = self.credits_

        name: None | str | Unset
        if isinstance(self.name, Unset):
            name = UNSET
        else:
            name = self.name

        price: dict[str, Any] | None | Unset
        if isinstance(self.price, Unset):
            price = UNSET
        elif isinstance(self.price, PriceIn):
            price = self.price.to_dict()
        else:
            price = self.price

        resource_ids: list[str] | None | Unset
        if isinstance(self.resource_ids, Unset):
            resource_ids = UNSET
        elif isinstance(self.resource_ids, list):
            resource_ids = []
            for resource_ids_type_0_item_data in self.resource_ids:
                resource_ids_type_0_item = str(resource_ids_type_0_item_data)
                resource_ids.append(resource_ids_type_0_item)

        else:
            resource_ids = self.resource_ids

        validity_days: int | None | Unset
        if isinstance(self.validity_days, Unset):
            validity_days = UNSET
        else:
            validity_days = self.validity_days

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if credits_ is not UNSET:
            field_dict["credits"] = credits_
        if name is not UNSET:
            field_dict["name"] = name
        if price is not UNSET:
            field_dict["price"] = price
        if resource_ids is not UNSET:
            field_dict["resource_ids"] = resource_ids
        if validity_days is not UNSET:
            field_dict["validity_days"] = validity_days

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.price_in import PriceIn

        d = dict(src_dict)

        def _parse_credits_(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        credits_ = _parse_credits_(d.pop("credits", UNSET))

        def _parse_name(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        name = _parse_name(d.pop("name", UNSET))

        def _parse_price(data: object) -> None | PriceIn | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                price_type_0 = PriceIn.from_dict(data)

                return price_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | PriceIn | Unset, data)

        price = _parse_price(d.pop("price", UNSET))

        def _parse_resource_ids(data: object) -> list[UUID] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                resource_ids_type_0 = []
                _resource_ids_type_0 = data
                for resource_ids_type_0_item_data in _resource_ids_type_0:
                    resource_ids_type_0_item = UUID(resource_ids_type_0_item_data)

                    resource_ids_type_0.append(resource_ids_type_0_item)

                return resource_ids_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[UUID] | None | Unset, data)

        resource_ids = _parse_resource_ids(d.pop("resource_ids", UNSET))

        def _parse_validity_days(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        validity_days = _parse_validity_days(d.pop("validity_days", UNSET))

        update_pass_product_body = cls(
            credits_=credits_,
            name=name,
            price=price,
            resource_ids=resource_ids,
            validity_days=validity_days,
        )

        return update_pass_product_body
