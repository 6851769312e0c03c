"""The gateway's names of saga states and operator actions are the protocol's, not copies
that could drift: states are bookings' SagaState enum names, actions are one Literal."""

from typing import get_args

from bookingplatform.bookings.v1 import bookings_pb2
from gateway.pages.sagas import ACTION_LABELS, ACTIONS
from gateway.routes.ops import Action
from gateway.schemas import SagaStateName


def test_every_saga_state_of_the_proto_has_its_name_and_back():
    proto_names = {
        name.removeprefix("SAGA_STATE_")
        for name in bookings_pb2.SagaState.keys()  # noqa: SIM118 (an enum wrapper, not a dict)
        if name != "SAGA_STATE_UNSPECIFIED"
    }

    assert {state.value for state in SagaStateName} == proto_names
    for state in SagaStateName:
        assert bookings_pb2.SagaState.Name(state.to_proto()) == f"SAGA_STATE_{state.value}"


def test_each_operator_action_has_one_label_and_no_label_lacks_an_action():
    assert get_args(Action) == ACTIONS
    assert set(ACTION_LABELS) == set(ACTIONS)
