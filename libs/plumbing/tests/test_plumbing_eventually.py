import pytest

from plumbing.testing import eventually


async def test_eventually_returns_the_first_truthy_value_of_a_sync_or_async_condition():
    seen = []

    def sync_condition():
        seen.append(len(seen))
        return len(seen) >= 3 and "ready"

    assert await eventually(sync_condition, interval=0) == "ready"
    assert len(seen) == 3

    async def async_condition():
        seen.append(len(seen))
        return {"status": "done"} if len(seen) >= 5 else None

    assert await eventually(async_condition, interval=0) == {"status": "done"}


async def test_eventually_fails_with_the_message_and_the_last_value_when_the_condition_never_holds():
    states = iter(range(1000))
    with pytest.raises(AssertionError, match=r"booking stuck in PENDING .*last value: 0") as failed:
        await eventually(lambda: next(states) * 0, timeout=0.2, message=lambda: "booking stuck in PENDING")
    assert "waited 0.2 s" in str(failed.value)
