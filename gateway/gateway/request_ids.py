"""Every request gets a request id: the client's `X-Request-ID` when it is a short plain token,
else a new one. It is answered in the response's `X-Request-ID`, and the rest of the request
runs with it (plumbing.request_id), so every gRPC call sends it and every audit entry the
request causes, in any service, names it."""

from __future__ import annotations

import uuid

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from plumbing.request_id import acceptable, with_request_id

HEADER = "x-request-id"


def request_id_of(scope: Scope) -> str:
    """The client's `X-Request-ID` when it is acceptable, else a new one."""
    sent = next((v.decode("latin-1") for k, v in scope["headers"] if k == HEADER.encode()), None)
    return sent if sent is not None and acceptable(sent) else uuid.uuid4().hex


class RequestIds:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_of(scope)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[HEADER] = request_id
            await send(message)

        with with_request_id(request_id):
            await self.app(scope, receive, send_with_id)
