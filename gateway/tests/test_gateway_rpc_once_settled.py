"""`rpc_once_settled`: a page's call refused only because a saga is finishing is made again."""

from __future__ import annotations

import pytest

from gateway.deps import rpc_once_settled
from gateway.problems import RpcProblem


def _refusal(code: str) -> RpcProblem:
    return RpcProblem(409, code, "refused", retryable=False)


def _calls_answering(*answers: object) -> tuple[list[int], object]:
    made: list[int] = []

    def call() -> object:
        async def answer() -> object:
            made.append(1)
            result = answers[min(len(made), len(answers)) - 1]
            if isinstance(result, Exception):
                raise result
            return result

        return answer()

    return made, call


async def test_a_call_refused_while_finishing_is_made_again_until_it_is_answered() -> None:
    made, call = _calls_answering(_refusal("BOOKING_FINALIZING"), _refusal("BOOKING_FINALIZING"), "done")
    assert await rpc_once_settled("bookings", call) == "done"  # type: ignore[arg-type]
    assert len(made) == 3


async def test_another_refusal_is_raised_at_once() -> None:
    made, call = _calls_answering(_refusal("BOOKING_NOT_CANCELLABLE"), "done")
    with pytest.raises(RpcProblem) as raised:
        await rpc_once_settled("bookings", call)  # type: ignore[arg-type]
    assert raised.value.code == "BOOKING_NOT_CANCELLABLE" and len(made) == 1


async def test_the_wait_is_bounded_and_the_last_refusal_is_raised() -> None:
    made, call = _calls_answering(_refusal("BOOKING_FINALIZING"))
    with pytest.raises(RpcProblem) as raised:
        await rpc_once_settled("bookings", call, within_seconds=0.5)  # type: ignore[arg-type]
    assert raised.value.code == "BOOKING_FINALIZING" and 2 <= len(made) <= 5
