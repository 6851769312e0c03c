"""JetStream stream replicas: a service refuses an existing stream with fewer replicas than
NATS_STREAM_REPLICAS asks for (so it does not start on a stream one lost node would stop),
and keeps one with more. The test NATS is a single node, which cannot hold R>1 streams: the
R=1 path and the refusal run on it for real; "more than asked" is checked with the server's
answer faked (a stream created R=3 on a cluster, asked for with R=1)."""

from __future__ import annotations

import uuid
from types import SimpleNamespace
from typing import Any

import pytest
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js.api import StreamConfig
from nats.js.errors import NotFoundError

from plumbing import messaging
from plumbing.messaging import StreamReplicasError, check_replicas, configured_replicas, ensure_stream


def test_configured_replicas_reads_the_setting_with_one_by_default():
    assert configured_replicas({}) == 1
    assert configured_replicas({"NATS_STREAM_REPLICAS": " 3 "}) == 3
    for bad in ("0", "6", "-1"):
        with pytest.raises(ValueError, match="NATS_STREAM_REPLICAS"):
            configured_replicas({"NATS_STREAM_REPLICAS": bad})


def test_fewer_replicas_than_configured_are_refused_and_more_are_accepted():
    with pytest.raises(StreamReplicasError, match=r"SAGA has 1 replica\(s\), fewer than the 3"):
        check_replicas("SAGA", 1, 3)
    check_replicas("SAGA", 3, 3)
    check_replicas("SAGA", 5, 3)


class _ClusteredStream:
    """The JetStream API as a cluster answers for one existing stream of `replicas` copies."""

    def __init__(self, replicas: int) -> None:
        self.replicas = replicas
        self.updated: list[StreamConfig] = []

    async def stream_info(self, name: str) -> Any:
        return SimpleNamespace(config=StreamConfig(name=name, subjects=["x.>"], num_replicas=self.replicas))

    async def add_stream(self, config: StreamConfig) -> Any:  # pragma: no cover - the stream exists
        raise AssertionError("an existing stream is not created again")

    async def update_stream(self, config: StreamConfig) -> Any:
        self.updated.append(config)


async def test_an_existing_stream_with_more_replicas_is_kept_as_it_is():
    js = _ClusteredStream(replicas=3)
    await ensure_stream(js, "WIDE", ["x.>"], replicas=1)  # type: ignore[arg-type]
    [config] = js.updated
    assert config.num_replicas == 3, "a stream is never scaled down to the configured count"
    assert config.subjects == ["x.>"]


async def test_an_existing_stream_with_fewer_replicas_is_not_updated():
    js = _ClusteredStream(replicas=1)
    with pytest.raises(StreamReplicasError):
        await ensure_stream(js, "NARROW", ["x.>"], replicas=3)  # type: ignore[arg-type]
    assert js.updated == []


@pytest.mark.integration
async def test_on_real_nats_a_stream_of_one_replica_is_refused_when_three_are_configured(
    nats_url, monkeypatch
):
    nc = await messaging.connect(nats_url, "test-replicas")
    js = nc.jetstream()
    name = f"R{uuid.uuid4().hex[:8]}"
    try:
        monkeypatch.setenv("NATS_STREAM_REPLICAS", "1")
        await ensure_stream(js, name, [f"{name}.a"])
        assert (await js.stream_info(name)).config.num_replicas == 1
        # Idempotent at the configured count, and the subjects follow the code.
        await ensure_stream(js, name, [f"{name}.a", f"{name}.b"])
        info = await js.stream_info(name)
        assert info.config.subjects == [f"{name}.a", f"{name}.b"]

        monkeypatch.setenv("NATS_STREAM_REPLICAS", "3")
        with pytest.raises(StreamReplicasError, match=rf"{name} has 1 replica\(s\), fewer than the 3"):
            await ensure_stream(js, name, [f"{name}.a", f"{name}.b"])
        # Nothing was changed by the refusal.
        assert (await js.stream_info(name)).config.num_replicas == 1

        # A new stream asked with 3 replicas on one node is not created quietly with fewer.
        fresh = f"{name}N"
        with pytest.raises(Exception) as refused:
            await ensure_stream(js, fresh, [f"{fresh}.a"])
        if isinstance(refused.value, StreamReplicasError):  # a server that downgrades R
            await js.delete_stream(fresh)
        else:  # the server refuses R>1 without a cluster itself
            with pytest.raises(NotFoundError):
                await js.stream_info(fresh)
    finally:
        await js.delete_stream(name)
        await nc.close()


class _SlowThenAnswering(_ClusteredStream):
    """The JetStream API timing out `slow` times (a server busy or just restarted), then answering."""

    def __init__(self, slow: int) -> None:
        super().__init__(replicas=1)
        self.slow = slow
        self.asked = 0

    async def stream_info(self, name: str) -> Any:
        self.asked += 1
        if self.asked <= self.slow:
            raise NatsTimeoutError
        return await super().stream_info(name)


async def test_a_stream_set_up_that_times_out_is_asked_again_and_gives_up_after_the_last_attempt():
    patient = _SlowThenAnswering(slow=messaging.STREAM_SETUP_ATTEMPTS - 1)
    await ensure_stream(patient, "SLOW", ["x.>"], replicas=1)  # type: ignore[arg-type]
    assert patient.asked == messaging.STREAM_SETUP_ATTEMPTS and len(patient.updated) == 1
    hopeless = _SlowThenAnswering(slow=messaging.STREAM_SETUP_ATTEMPTS)
    with pytest.raises(NatsTimeoutError):
        await ensure_stream(hopeless, "SLOW", ["x.>"], replicas=1)  # type: ignore[arg-type]
    assert hopeless.asked == messaging.STREAM_SETUP_ATTEMPTS and hopeless.updated == []
