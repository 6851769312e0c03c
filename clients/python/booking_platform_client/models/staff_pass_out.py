from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.money import Money


T = TypeVar("T", bound="StaffPassOut")


@_attrs_define
class StaffPassOut:
    """
    Attributes:
        company_id (str):
        credits_available (int): credits_total - credits_used - credits_held
        credits_held (int):
        credits_total (int):
        credits_used (int):
        customer_id (str):
        id (str):
        issued_by_user_id (None | str):
        paid (Money | None): Paid at the desk; null for a grant.
        product_id (str):
        sale (None | str):
        valid_from_time (datetime.datetime | None):
        valid_until_time (datetime.datetime | None):
    """

    company_id: str
    credits_available: int
    credits_held: int
    credits_total: int
    credits_used: int
    customer_id: str
    id: str
    issued_by_user_id: None | str
    paid: Money | None
    product_id: str
    sale: None | str
    valid_from_time: datetime.datetime | None
    valid_until_time: datetime.datetime | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.money import Money

        company_id = self.company_id

        credits_available = self.credits_available

        credits_held = self.credits_held

        credits_total = self.credits_total

        credits_used = self.credits_used

        customer_id = self.customer_id

        id = self.id

        issued_by_user_id: None | str
        issued_by_user_id = self.issued_by_user_id

        paid: dict[str, Any] | None
        if isinstance(self.paid, Money):
            paid = self.paid.to_dict()
        else:
            paid = self.paid

        product_id = self.product_id

        sale: None | str
        sale = self.sale

        valid_from_time: None | str
        if isinstance(self.valid_from_time, datetime.datetime):
            valid_from_time = self.valid_from_time.isoformat()
        else:
            valid_from_time = self.valid_from_time

        valid_until_time: None | str
        if isinstance(self.valid_until_time, datetime.datetime):
            valid_until_time = self.valid_until_time.isoformat()
        else:
            valid_until_time = self.valid_until_time

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "company_id": company_id,
                "credits_available": credits_available,
                "credits_held": credits_held,
                "credits_total": credits_total,
                "credits_used": credits_used,
                "customer_id": customer_id,
                "id": id,
                "issued_by_user_id": issued_by_user_id,
                "paid": paid,
                "product_id": product_id,
                "sale": sale,
                "valid_from_time": valid_from_time,
                "valid_until_time": valid_until_time,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.money import Money

        d = dict(src_dict)
        company_id = d.pop("company_id")

        credits_available = d.pop("credits_available")

        credits_held = d.pop("credits_held")

        credits_total = d.pop("credits_total")

        credits_used = d.pop("credits_used")

        customer_id = d.pop("customer_id")

        id = d.pop("id")

        def _parse_issued_by_user_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        issued_by_user_id = _parse_issued_by_user_id(d.pop("issued_by_user_id"))

        def _parse_paid(data: object) -> Money | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                paid_type_0 = Money.from_dict(data)

                return paid_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(Money | None, data)

        paid = _parse_paid(d.pop("paid"))

        product_id = d.pop("product_id")

        def _parse_sale(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        sale = _parse_sale(d.pop("sale"))

        def _parse_valid_from_time(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                valid_from_time_type_0 = datetime.datetime.fromisoformat(data)

                return valid_from_time_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        valid_from_time = _parse_valid_from_time(d.pop("valid_from_time"))

        def _parse_valid_until_time(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                valid_until_time_type_0 = datetime.datetime.fromisoformat(data)

                return valid_until_time_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        valid_until_time = _parse_valid_until_time(d.pop("valid_until_time"))

        staff_pass_out = cls(
            company_id=company_id,
            credits_available=credits_available,
            credits_held=credits_held,
            credits_total=credits_total,
            credits_used=credits_used,
            customer_id=customer_id,
            id=id,
            issued_by_user_id=issued_by_user_id,
            paid=paid,
            product_id=product_id,
            sale=sale,
            valid_from_time=valid_from_time,
            valid_until_time=valid_until_time,
        )

        staff_pass_out.additional_properties = d
        return staff_pass_out

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
