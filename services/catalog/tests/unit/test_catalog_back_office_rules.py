"""The back office's pure rules: field masks, etags, origins, image URLs, amenities."""

import pytest

from catalog.domain import back_office
from plumbing.errors import Conflict, InvalidArgument


def test_a_mask_names_known_fields_at_least_one_and_each_once():
    assert back_office.update_mask(["name", "capacity", "name"], back_office.RESOURCE_FIELDS) == (
        "name",
        "capacity",
    )
    for paths in ([], ["id"], ["name", "version"]):
        with pytest.raises(InvalidArgument) as refused:
            back_office.update_mask(paths, back_office.RESOURCE_FIELDS)
        assert refused.value.reason == "INVALID_UPDATE_MASK"


def test_an_etag_is_the_version_and_one_we_never_issued_is_stale():
    assert back_office.expected_version(back_office.etag(7)) == 7
    assert back_office.expected_version("") is None
    for forged in ("abc", "-1", "٣", "9" * 40):
        with pytest.raises(Conflict) as refused:
            back_office.expected_version(forged)
        assert refused.value.reason == "ETAG_MISMATCH"


def test_origins_are_scheme_host_and_port_only_lower_cased_and_unique():
    given = ["https://Shop.Example.com", "http://localhost:5173", "https://shop.example.com"]
    assert back_office.company_values(["allowed_origins"], {"allowed_origins": given}) == {
        "allowed_origins": ("https://shop.example.com", "http://localhost:5173")
    }
    for bad in (
        "https://shop.example.com/",
        "ftp://x.example",
        "https://",
        "https://a b.example",
        "https://x:0",
    ):
        with pytest.raises(InvalidArgument) as refused:
            back_office.company_values(["allowed_origins"], {"allowed_origins": [bad]})
        assert (refused.value.reason, refused.value.field) == ("INVALID_ORIGIN", "allowed_origins[0]")


def test_images_are_absolute_http_urls_and_amenities_short_non_blank_words():
    values = back_office.resource_values(
        ["image_urls", "amenities"],
        {"image_urls": ["https://img.example.com/a.jpg?w=800"], "amenities": [" wifi ", "sauna", "wifi"]},
    )
    assert values == {"image_urls": ("https://img.example.com/a.jpg?w=800",), "amenities": ("wifi", "sauna")}
    with pytest.raises(InvalidArgument) as refused:
        back_office.resource_values(["image_urls"], {"image_urls": ["javascript:alert(1)"]})
    assert refused.value.reason == "INVALID_IMAGE_URL"
    with pytest.raises(InvalidArgument) as refused:
        back_office.resource_values(["amenities"], {"amenities": ["  "]})
    assert (refused.value.reason, refused.value.field) == ("INVALID_AMENITIES", "amenities[0]")
    with pytest.raises(InvalidArgument):
        back_office.resource_values(["image_urls"], {"image_urls": ["https://x.example/a"] * 21})
