"""Stable UPPER_SNAKE reason codes of the passes service (gRPC ErrorInfo and saga replies)."""

# Invalid requests (INVALID_ARGUMENT, with the field).
INVALID_REQUEST_ID = "INVALID_REQUEST_ID"
INVALID_ID = "INVALID_ID"
INVALID_NAME = "INVALID_NAME"
INVALID_CREDITS = "INVALID_CREDITS"
INVALID_VALIDITY_DAYS = "INVALID_VALIDITY_DAYS"
INVALID_AMOUNT = "INVALID_AMOUNT"
INVALID_CURRENCY = "INVALID_CURRENCY"

# Lookups (NOT_FOUND).
PASS_PRODUCT_NOT_FOUND = "PASS_PRODUCT_NOT_FOUND"
ENTITLEMENT_NOT_FOUND = "ENTITLEMENT_NOT_FOUND"
# A grant's customer the catalog does not know as one of the product's company.
CUSTOMER_NOT_FOUND = "CUSTOMER_NOT_FOUND"
# A company other than the caller's (refused as if it did not exist).
COMPANY_NOT_FOUND = "COMPANY_NOT_FOUND"
# A product's resource the catalog does not know as one of the product's company.
RESOURCE_NOT_FOUND = "RESOURCE_NOT_FOUND"

# A price in another currency than the company's (INVALID_ARGUMENT).
CURRENCY_MISMATCH = "CURRENCY_MISMATCH"
# A sale of a product priced in a currency its company no longer uses (FAILED_PRECONDITION):
# the business reprices it (or archives it) first.
PASS_PRODUCT_CURRENCY_MISMATCH = "PASS_PRODUCT_CURRENCY_MISMATCH"

# A request_id used again with a different request (ABORTED).
REQUEST_ID_REUSED = "REQUEST_ID_REUSED"
# An update or archive at a version that is not the product's any more (ABORTED).
ETAG_MISMATCH = "ETAG_MISMATCH"
# An archived product is not changed (FAILED_PRECONDITION).
PASS_PRODUCT_ARCHIVED = "PASS_PRODUCT_ARCHIVED"

# Saga replies (FAILED).
PASS_NOT_FOUND = "PASS_NOT_FOUND"
PASS_EXPIRED = "PASS_EXPIRED"
PASS_EXHAUSTED = "PASS_EXHAUSTED"
# The pass's product is limited to resources the booked one is not among.
PASS_NOT_VALID_FOR_RESOURCE = "PASS_NOT_VALID_FOR_RESOURCE"
# A credit pays a place in a session: the command names no session (a stay, a rental).
PASS_NOT_VALID_FOR_BOOKING_MODEL = "PASS_NOT_VALID_FOR_BOOKING_MODEL"
ALREADY_COMPENSATED = "ALREADY_COMPENSATED"
ALREADY_FINALIZED = "ALREADY_FINALIZED"
HOLD_NOT_FOUND = "HOLD_NOT_FOUND"
INVALID_COMMAND = "INVALID_COMMAND"
