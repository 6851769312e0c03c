"""Cards of the saga tests: commands name a payment method, as bookings sends them."""

import uuid

from sqlalchemy.dialects.postgresql import insert

from bookingplatform.saga.v1 import saga_pb2
from payments.adapters.tables import payment_methods
from payments.entrypoints.saga import Prepared, SagaParticipant
from plumbing.db import Database


class CardBook:
    """Test sagas name their card by a payment method id, as bookings does. The method is
    recorded in the payments schema (the row CreatePaymentMethod writes) before the
    participant sees the command: `method` names one, `record` writes those named so far."""

    def __init__(self) -> None:
        self.waiting: dict[str, tuple[str, str, str]] = {}

    def method(self, company_id: str, customer_id: str, card: str) -> str:
        method_id = str(uuid.uuid5(uuid.NAMESPACE_OID, f"{company_id}/{customer_id}/{card}"))
        self.waiting[method_id] = (company_id, customer_id, card)
        return method_id

    async def record(self, db: Database) -> None:
        waiting, self.waiting = self.waiting, {}
        async with db.transaction() as conn:
            for method_id, (company_id, customer_id, card) in waiting.items():
                await conn.execute(
                    insert(payment_methods)
                    .values(
                        id=method_id,
                        company_id=company_id,
                        customer_id=customer_id,
                        request_id=method_id,
                        card_token=card,
                    )
                    .on_conflict_do_nothing()
                )


CARDS = CardBook()


class CardSaga:
    """A saga's ids, amount and card as bookings sends them to payments; `command` numbers its
    attempts."""

    def __init__(self, card: str = "tok_visa", amount: int = 1500) -> None:
        self.saga_id = str(uuid.uuid4())
        self.booking_id = str(uuid.uuid4())
        self.company_id = str(uuid.uuid4())
        self.customer_id = str(uuid.uuid4())
        self.card = card
        self.amount = amount
        self.attempt = 0

    @property
    def key(self) -> str:
        return f"{self.saga_id}:payments"

    def method(self) -> uuid.UUID:
        return uuid.UUID(CARDS.method(self.company_id, self.customer_id, self.card))

    def command(self, action: int) -> saga_pb2.StepCommand:
        self.attempt += 1
        command = saga_pb2.StepCommand(
            saga_id=self.saga_id,
            step="payments",
            action=action,
            attempt=self.attempt,
            booking_id=self.booking_id,
            company_id=self.company_id,
            customer_id=self.customer_id,
            payment_method_id=str(self.method()),
        )
        command.amount.amount_minor = self.amount
        command.amount.currency_code = "EUR"
        return command


class CardParticipant(SagaParticipant):
    """The real participant, with the cards of the commands recorded first."""

    async def prepare(self, command: saga_pb2.StepCommand) -> Prepared:
        await CARDS.record(self.db)
        return await super().prepare(command)
