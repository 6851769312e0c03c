"""The one mapping of the saga's step actions covers saga.proto both ways."""

from __future__ import annotations

from bookingplatform.saga.v1 import saga_pb2
from plumbing.saga_protocol import StepAction, action_from_proto, action_to_proto


def test_every_proto_action_but_unspecified_maps_to_the_enum_and_back() -> None:
    numbers = [n for n in saga_pb2.StepAction.values() if n != saga_pb2.STEP_ACTION_UNSPECIFIED]
    assert sorted(action_to_proto(action) for action in StepAction) == sorted(numbers)
    for number in numbers:
        action = action_from_proto(number)
        assert action is not None
        assert action_to_proto(action) == number
        assert saga_pb2.StepAction.Name(number) == f"STEP_ACTION_{action.value}"


def test_unspecified_or_unknown_actions_are_refused() -> None:
    assert action_from_proto(saga_pb2.STEP_ACTION_UNSPECIFIED) is None
    assert action_from_proto(99) is None  # type: ignore[arg-type]
