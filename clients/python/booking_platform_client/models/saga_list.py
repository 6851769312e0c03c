from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.saga_out import SagaOut


T = TypeVar("T", bound="SagaList")


@_attrs_define
class SagaList:
    """
    Attributes:
        next_page_token (None | str):
        sagas (list[SagaOut]):
    """

    next_page_token: None | str
    sagas: list[SagaOut]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        next_page_token: None | str
        next_page_token = self.next_page_token

        sagas = []
        for sagas_item_data in self.sagas:
            sagas_item = sagas_item_data.to_dict()
            sagas.append(sagas_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "next_page_token": next_page_token,
                "sagas": sagas,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.saga_out import SagaOut

        d = dict(src_dict)

        def _parse_next_page_token(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        next_page_token = _parse_next_page_token(d.pop("next_page_token"))

        sagas = []
        _sagas = d.pop("sagas")
        for sagas_item_data in _sagas:
            sagas_item = SagaOut.from_dict(sagas_item_data)

            sagas.append(sagas_item)

        saga_list = cls(
            next_page_token=next_page_token,
            sagas=sagas,
        )

        saga_list.additional_properties = d
        return saga_list

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
