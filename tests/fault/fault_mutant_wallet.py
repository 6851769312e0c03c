"""The fault suite's mutant wallet: the real wallet with its de-duplication taken away.

Run as a script in place of `python -m wallet` (Scenario.mutant_wallet). It proves the suite
can fail: a wallet that applies a redelivered or re-sent EXECUTE again must be caught by the
money and no-duplicate-effects invariants. The production code carries no switch for this;
the mutation is installed here, around it, before the wallet starts:

- every delivery gets a message id of its own before the plumbing inbox consumer sees it, so
  the inbox never recognises a redelivery;
- an EXECUTE whose business key (saga, EXECUTE) is already taken runs again under a fresh
  saga id, so the wallet's own key cannot stop it either: the same booking is debited twice.
  The reply still names the real saga.
"""

from __future__ import annotations

import logging
import uuid

from nats.aio.msg import Msg
from sqlalchemy.ext.asyncio import AsyncConnection

import wallet.bootstrap
from bookingplatform.saga.v1 import saga_pb2
from plumbing.inbox_consumer import InboxConsumer, message_id_of
from wallet.adapters import repository
from wallet.domain.model import StepAction
from wallet.entrypoints.saga import handle_step_command

log = logging.getLogger("fault.mutant_wallet")

_handle_batch = InboxConsumer.handle


async def handle_every_delivery(self: InboxConsumer, messages: list[Msg]) -> None:  # type: ignore[type-arg]
    for msg in messages:
        unique = f"{message_id_of(msg)}:mutation-no-dedup:{uuid.uuid4()}"
        msg.headers = {**(msg.headers or {}), "Nats-Msg-Id": unique}
    await _handle_batch(self, messages)


async def debit_again(conn: AsyncConnection, command: saga_pb2.StepCommand) -> saga_pb2.StepReply:
    if command.action == saga_pb2.STEP_ACTION_EXECUTE and command.saga_id:
        taken = await repository.get_operation(conn, command.saga_id, StepAction.EXECUTE)
        if taken is not None:
            repeat = saga_pb2.StepCommand()
            repeat.CopyFrom(command)
            repeat.saga_id = str(uuid.uuid4())
            reply = await handle_step_command(conn, repeat)
            reply.saga_id = command.saga_id
            return reply
    return await handle_step_command(conn, command)


def main() -> None:
    InboxConsumer.handle = handle_every_delivery  # type: ignore[method-assign]
    wallet.bootstrap.handle_step_command = debit_again  # type: ignore[assignment]
    log.warning("fault-suite mutation: the wallet's de-duplication is OFF")
    wallet.bootstrap.main()


if __name__ == "__main__":
    main()
