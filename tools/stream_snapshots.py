"""JetStream stream snapshots and restores over the JetStream API (nats-py has no helper).

Snapshot: a request to `$JS.API.STREAM.SNAPSHOT.<stream>` names a deliver subject; the server
answers with the stream's config and state, then sends the snapshot (an s2-compressed archive)
in chunks there. A chunk that has a reply subject is acknowledged by publishing to it (the
server keeps a window of chunks in flight and gives up after 5 s without an ack); the last
partial chunk has none; an empty message ends the transfer, its status header saying how
(204 or none: complete; 408, 500: failed).

Restore: a request to `$JS.API.STREAM.RESTORE.<stream>` with that config and state answers
with a deliver subject; each chunk is sent there as a request whose empty answer acknowledges
it (a JSON answer is an error), and an empty request ends it, answered with the stream's
create response. The server refuses to restore over a stream that exists.

`tools/backup.py` snapshots the dead letters only (DEAD_LETTER_STREAMS): they live in
JetStream alone, while everything the outboxes feed is re-sent from the restored database.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

# The DLQ stream and the DLQ_ACTIONS bucket's stream (plumbing.dead_letters). DLQ_ADVISORIES is
# a work queue of the watcher (copied into DLQ), not kept.
DEAD_LETTER_STREAMS = ("DLQ", "KV_DLQ_ACTIONS")
CHUNK_SIZE = 128 * 1024
TIMEOUT = 10.0


class SnapshotError(RuntimeError):
    pass


def _answer(data: bytes) -> dict[str, Any]:
    answer: dict[str, Any] = json.loads(data) if data else {}
    if answer.get("error"):
        raise SnapshotError(f"{answer['error'].get('code')}: {answer['error'].get('description')}")
    return answer


async def snapshot_stream(nc: Any, stream: str, folder: Path) -> dict[str, Any] | None:
    """Writes <stream>.snapshot and <stream>.json (config and state) into folder; None when the
    stream does not exist. Consumers are left out: a restored stream gets new ones."""
    inbox = nc.new_inbox()
    sub = await nc.subscribe(inbox)
    try:
        await nc.flush()
        request = {"deliver_subject": inbox, "no_consumers": True, "chunk_size": CHUNK_SIZE}
        reply = await nc.request(
            f"$JS.API.STREAM.SNAPSHOT.{stream}", json.dumps(request).encode(), timeout=TIMEOUT
        )
        answer = json.loads(reply.data)
        if answer.get("error", {}).get("code") == 404:
            return None
        answer = _answer(reply.data)
        size = 0
        path = folder / f"{stream}.snapshot"
        # A command-line tool's own loop: nothing else waits on it while a file is written.
        with open(path, "wb") as out:  # noqa: ASYNC230
            while True:
                message = await sub.next_msg(timeout=TIMEOUT)
                if not message.data and not message.reply:
                    status = (message.headers or {}).get("Status", "")
                    if status not in ("", "204"):
                        description = (message.headers or {}).get("Description", "")
                        raise SnapshotError(f"snapshot of {stream} failed: {status} {description}")
                    break
                out.write(message.data)
                size += len(message.data)
                if message.reply:
                    await nc.publish(message.reply, b"")
        meta = {"config": answer["config"], "state": answer["state"], "bytes": size}
        (folder / f"{stream}.json").write_text(json.dumps(meta, indent=2) + "\n")
        return meta
    finally:
        await sub.unsubscribe()


async def restore_stream(nc: Any, stream: str, folder: Path) -> dict[str, Any]:
    """Restores a stream from folder's <stream>.snapshot/.json; the stream must not exist."""
    meta = json.loads((folder / f"{stream}.json").read_text())
    request = {"config": meta["config"], "state": meta["state"]}
    reply = await nc.request(
        f"$JS.API.STREAM.RESTORE.{stream}", json.dumps(request).encode(), timeout=TIMEOUT
    )
    deliver = _answer(reply.data)["deliver_subject"]
    with open(folder / f"{stream}.snapshot", "rb") as source:  # noqa: ASYNC230 - as above
        while chunk := source.read(CHUNK_SIZE):
            _answer((await nc.request(deliver, chunk, timeout=TIMEOUT)).data)
    done = _answer((await nc.request(deliver, b"", timeout=60.0)).data)
    return {"messages": done.get("state", {}).get("messages", 0)}


async def stream_exists(nc: Any, stream: str) -> bool:
    reply = await nc.request(f"$JS.API.STREAM.INFO.{stream}", b"", timeout=TIMEOUT)
    return not json.loads(reply.data).get("error")


def snapshot_streams(
    nats_url: str, folder: Path, streams: tuple[str, ...] = DEAD_LETTER_STREAMS
) -> dict[str, Any]:
    """Snapshots each stream that exists into folder; returns {stream: {bytes, messages}}."""
    import asyncio

    import nats

    async def run() -> dict[str, Any]:
        nc = await nats.connect(nats_url)
        found = {}
        try:
            folder.mkdir(parents=True, exist_ok=True)
            for stream in streams:
                meta = await snapshot_stream(nc, stream, folder)
                if meta is not None:
                    found[stream] = {"bytes": meta["bytes"], "messages": meta["state"].get("messages", 0)}
        finally:
            await nc.close()
        return found

    return asyncio.run(run())


def restore_streams(nats_url: str, folder: Path) -> dict[str, str]:
    """Restores every snapshot in folder whose stream is missing; one that exists is kept as it
    is (the server refuses to restore over it). Returns what happened per stream."""
    import asyncio

    import nats

    async def run() -> dict[str, str]:
        nc = await nats.connect(nats_url)
        done = {}
        try:
            for meta in sorted(folder.glob("*.json")):
                stream = meta.stem
                if await stream_exists(nc, stream):
                    done[stream] = "exists: kept"
                    continue
                restored = await restore_stream(nc, stream, folder)
                done[stream] = f"restored, {restored['messages']} messages"
        finally:
            await nc.close()
        return done

    return asyncio.run(run())
