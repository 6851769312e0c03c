"""`rpc_once_settled`: a page's call refused only because a saga is finishing is made again."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest

from gateway import deps
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


_real_sleep = asyncio.sleep


class FakeClock:
    """The clock and sleep of gateway.deps: time passes only when it sleeps, so what it waits
    is exact however busy the machine is."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        if len(self.sleeps) > 100:
            raise AssertionError(f"still waiting after {self.now:g} s")
        await _real_sleep(0)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock()
    # Only the names gateway.deps sees: the event loop keeps the real clock.
    monkeypatch.setattr(deps, "time", SimpleNamespace(monotonic=fake.monotonic))
    monkeypatch.setattr(deps, "asyncio", SimpleNamespace(sleep=fake.sleep))
    return fake


async def test_the_wait_is_bounded_and_the_last_refusal_is_raised(clock: FakeClock) -> None:
    made, call = _calls_answering(_refusal("BOOKING_FINALIZING"))
    with pytest.raises(RpcProblem) as raised:
        await rpc_once_settled("bookings", call, within_seconds=3.0)  # type: ignore[arg-type]
    assert raised.value.code == "BOOKING_FINALIZING"
    # Pauses doubling from 0.1 s up to 1 s, none that would end past the bound: made at
    # 0, 0.1, 0.3, 0.7, 1.5 and 2.5 s, the next would wait until 3.5 s.
    assert clock.sleeps == pytest.approx([0.1, 0.2, 0.4, 0.8, 1.0])
    assert len(made) == 6
