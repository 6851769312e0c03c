"""The committed HTTP client is what the gateway's OpenAPI generates now (tools/gen_client.py)."""

from __future__ import annotations

from tools import gen_client


def test_the_committed_client_is_what_the_gateway_schema_generates() -> None:
    assert gen_client.main(["--check"]) == 0, "clients/python/ is stale: run 'make client' and commit"


def test_models_of_one_name_in_two_modules_get_distinct_titles() -> None:
    document = {
        "components": {
            "schemas": {
                "gateway__schemas__SessionOut": {"title": "SessionOut"},
                "gateway__routes__admin_sessions__SessionOut": {"title": "SessionOut"},
                "Money": {"title": "Money"},
            }
        }
    }
    schemas = gen_client.distinct_titles(document)["components"]["schemas"]
    titles = {key: schema["title"] for key, schema in schemas.items()}
    assert titles == {
        "gateway__schemas__SessionOut": "SessionOut",
        "gateway__routes__admin_sessions__SessionOut": "AdminSessionsSessionOut",
        "Money": "Money",
    }
