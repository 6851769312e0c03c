from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.pass_product_out import PassProductOut


T = TypeVar("T", bound="PassProductList")


@_attrs_define
class PassProductList:
    """
    Attributes:
        has_more (bool):
        next_page_token (None | str):
        products (list[PassProductOut]):
    """

    has_more: bool
    next_page_token: None | str
    products: list[PassProductOut]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        has_more = self.has_more

        next_page_token: None | str
        next_page_token = self.next_page_token

        products = []
        for products_item_data in self.products:
            products_item = products_item_data.to_dict()
            products.append(products_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "has_more": has_more,
                "next_page_token": next_page_token,
                "products": products,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.pass_product_out import PassProductOut

        d = dict(src_dict)
        has_more = d.pop("has_more")

        def _parse_next_page_token(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        next_page_token = _parse_next_page_token(d.pop("next_page_token"))

        products = []
        _products = d.pop("products")
        for products_item_data in _products:
            products_item = PassProductOut.from_dict(products_item_data)

            products.append(products_item)

        pass_product_list = cls(
            has_more=has_more,
            next_page_token=next_page_token,
            products=products,
        )

        pass_product_list.additional_properties = d
        return pass_product_list

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
