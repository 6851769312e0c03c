"""The booking saga's step actions, and their one mapping to and from saga.proto's StepAction.

The orchestrator (bookings) and every participant (passes, wallet, payments) translate the
wire's action through this module, so a new action is added in one place. The enum's values
are saga.proto's names without the `STEP_ACTION_` prefix: participants store them as they are
(their recorded decisions are keyed by them), so they must never change. No framework import
here: participants' domain code uses `StepAction` as a plain enum.
"""

from __future__ import annotations

import enum

from bookingplatform.saga.v1 import saga_pb2


class StepAction(enum.StrEnum):
    EXECUTE = "EXECUTE"
    COMPENSATE = "COMPENSATE"
    FINALIZE = "FINALIZE"
    REFUND = "REFUND"


_TO_PROTO: dict[StepAction, saga_pb2.StepAction.ValueType] = {
    StepAction.EXECUTE: saga_pb2.STEP_ACTION_EXECUTE,
    StepAction.COMPENSATE: saga_pb2.STEP_ACTION_COMPENSATE,
    StepAction.FINALIZE: saga_pb2.STEP_ACTION_FINALIZE,
    StepAction.REFUND: saga_pb2.STEP_ACTION_REFUND,
}
_FROM_PROTO = {value: action for action, value in _TO_PROTO.items()}


def action_to_proto(action: StepAction) -> saga_pb2.StepAction.ValueType:
    return _TO_PROTO[action]


def action_from_proto(value: saga_pb2.StepAction.ValueType) -> StepAction | None:
    """None for STEP_ACTION_UNSPECIFIED or a number this build does not know: the caller refuses it."""
    return _FROM_PROTO.get(value)
