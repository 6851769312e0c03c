from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar
from uuid import UUID

from attrs import define as _attrs_define

from ..models.issue_pass_body_sale import IssuePassBodySale

T = TypeVar("T", bound="IssuePassBody")


@_attrs_define
class IssuePassBody:
    """
    Attributes:
        product_id (UUID):
        sale (IssuePassBodySale): GRANT: free. CASH or EXTERNAL: sold at the desk for the product's price, paid outside
            the platform (no card, no wallet).
    """

    product_id: UUID
    sale: IssuePassBodySale

    def to_dict(self) -> dict[str, Any]:
        product_id = str(self.product_id)

        sale = self.sale.value

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "product_id": product_id,
                "sale": sale,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        product_id = UUID(d.pop("product_id"))

        sale = IssuePassBodySale(d.pop("sale"))

        issue_pass_body = cls(
            product_id=product_id,
            sale=sale,
        )

        return issue_pass_body
