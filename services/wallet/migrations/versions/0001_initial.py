"""initial: accounts, the double-entry ledger, saga operations, outbox and inbox

Revision ID: 0001
Revises:
Create Date: 2026-11-21 23:32:57.297831

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision: str = '0001'
down_revision: Union[str, Sequence[str], None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('accounts',
    sa.Column('id', sa.UUID(as_uuid=False), nullable=False),
    sa.Column('company_id', sa.UUID(as_uuid=False), nullable=False),
    sa.Column('customer_id', sa.UUID(as_uuid=False), nullable=True),
    sa.Column('kind', sa.Text(), nullable=False),
    sa.Column('currency', sa.Text(), nullable=False),
    sa.Column('balance', sa.BigInteger(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("(kind IN ('MAIN', 'BONUS')) = (customer_id IS NOT NULL)", name=op.f('ck_accounts_customer_kinds')),
    sa.CheckConstraint("kind IN ('MAIN', 'BONUS', 'FUNDING', 'CLEARING')", name=op.f('ck_accounts_kind')),
    sa.CheckConstraint('(customer_id IS NULL AND balance IS NULL) OR (customer_id IS NOT NULL AND balance >= 0)', name=op.f('ck_accounts_balance_non_negative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_accounts')),
    schema='wallet'
    )
    op.create_index('uq_accounts_customer', 'accounts', ['company_id', 'customer_id', 'kind'], unique=True, schema='wallet', postgresql_where=sa.text('customer_id IS NOT NULL'))
    op.create_index('uq_accounts_system', 'accounts', ['company_id', 'kind', 'currency'], unique=True, schema='wallet', postgresql_where=sa.text('customer_id IS NULL'))
    op.create_table('inbox',
    sa.Column('message_id', sa.Text(), nullable=False),
    sa.Column('subject', sa.Text(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('message_id', name=op.f('pk_inbox')),
    schema='wallet'
    )
    op.create_table('ledger_transactions',
    sa.Column('id', sa.UUID(as_uuid=False), nullable=False),
    sa.Column('company_id', sa.UUID(as_uuid=False), nullable=False),
    sa.Column('kind', sa.Text(), nullable=False),
    sa.Column('business_key', sa.Text(), nullable=False),
    sa.Column('booking_id', sa.UUID(as_uuid=False), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("kind IN ('TOP_UP', 'DEBIT', 'REFUND')", name=op.f('ck_ledger_transactions_kind')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_transactions')),
    sa.UniqueConstraint('business_key', name=op.f('uq_ledger_transactions_business_key')),
    schema='wallet'
    )
    op.create_index('ix_ledger_transactions_company_booking', 'ledger_transactions', ['company_id', 'booking_id'], unique=False, schema='wallet')
    op.create_table('outbox',
    sa.Column('id', sa.Text(), nullable=False),
    sa.Column('subject', sa.Text(), nullable=False),
    sa.Column('payload', sa.LargeBinary(), nullable=False),
    sa.Column('headers', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox')),
    schema='wallet'
    )
    op.create_index('ix_outbox_unpublished', 'outbox', ['created_at'], unique=False, schema='wallet', postgresql_where=sa.text('published_at IS NULL'))
    op.create_table('ledger_entries',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=True), nullable=False),
    sa.Column('transaction_id', sa.UUID(as_uuid=False), nullable=False),
    sa.Column('account_id', sa.UUID(as_uuid=False), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('amount <> 0', name=op.f('ck_ledger_entries_amount_non_zero')),
    sa.ForeignKeyConstraint(['account_id'], ['wallet.accounts.id'], name=op.f('fk_ledger_entries_account_id_accounts')),
    sa.ForeignKeyConstraint(['transaction_id'], ['wallet.ledger_transactions.id'], name=op.f('fk_ledger_entries_transaction_id_ledger_transactions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_entries')),
    schema='wallet'
    )
    op.create_index('ix_ledger_entries_account_id_id', 'ledger_entries', ['account_id', 'id'], unique=False, schema='wallet')
    op.create_index('ix_ledger_entries_transaction_id', 'ledger_entries', ['transaction_id'], unique=False, schema='wallet')
    op.create_table('saga_operations',
    sa.Column('saga_id', sa.UUID(as_uuid=False), nullable=False),
    sa.Column('action', sa.Text(), nullable=False),
    sa.Column('company_id', sa.UUID(as_uuid=False), nullable=False),
    sa.Column('customer_id', sa.UUID(as_uuid=False), nullable=False),
    sa.Column('booking_id', sa.UUID(as_uuid=False), nullable=True),
    sa.Column('outcome', sa.Text(), nullable=False),
    sa.Column('reason', sa.Text(), server_default='', nullable=False),
    sa.Column('tombstone', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('currency', sa.Text(), server_default='', nullable=False),
    sa.Column('bonus_amount', sa.BigInteger(), server_default=sa.text('0'), nullable=False),
    sa.Column('main_amount', sa.BigInteger(), server_default=sa.text('0'), nullable=False),
    sa.Column('refunded_bonus', sa.BigInteger(), server_default=sa.text('0'), nullable=False),
    sa.Column('refunded_main', sa.BigInteger(), server_default=sa.text('0'), nullable=False),
    sa.Column('transaction_id', sa.UUID(as_uuid=False), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("action IN ('EXECUTE', 'COMPENSATE', 'FINALIZE', 'REFUND')", name=op.f('ck_saga_operations_action')),
    sa.CheckConstraint("outcome IN ('PENDING', 'SUCCEEDED', 'FAILED')", name=op.f('ck_saga_operations_outcome')),
    sa.CheckConstraint('bonus_amount >= 0 AND main_amount >= 0', name=op.f('ck_saga_operations_amounts_non_negative')),
    sa.CheckConstraint('refunded_bonus BETWEEN 0 AND bonus_amount AND refunded_main BETWEEN 0 AND main_amount', name=op.f('ck_saga_operations_refunds_within_debit')),
    sa.ForeignKeyConstraint(['transaction_id'], ['wallet.ledger_transactions.id'], name=op.f('fk_saga_operations_transaction_id_ledger_transactions')),
    sa.PrimaryKeyConstraint('saga_id', 'action', name=op.f('pk_saga_operations')),
    schema='wallet'
    )
    op.create_index('ix_saga_operations_booking_debits', 'saga_operations', ['company_id', 'booking_id'], unique=False, schema='wallet', postgresql_where=sa.text("action = 'EXECUTE'"))

    # Every ledger transaction balances: checked at commit, once all its entries are in.
    op.execute("""
        CREATE FUNCTION wallet.check_transaction_balances() RETURNS trigger
        LANGUAGE plpgsql AS $$
        DECLARE
            total numeric;
        BEGIN
            SELECT COALESCE(SUM(amount), 0) INTO total
            FROM wallet.ledger_entries WHERE transaction_id = NEW.transaction_id;
            IF total <> 0 THEN
                RAISE EXCEPTION 'ledger transaction % does not balance (sum %)', NEW.transaction_id, total
                    USING ERRCODE = 'check_violation';
            END IF;
            RETURN NULL;
        END;
        $$
    """)
    op.execute("""
        CREATE CONSTRAINT TRIGGER ledger_entries_balance
        AFTER INSERT ON wallet.ledger_entries
        DEFERRABLE INITIALLY DEFERRED
        FOR EACH ROW EXECUTE FUNCTION wallet.check_transaction_balances()
    """)
    # The ledger is append-only.
    op.execute("""
        CREATE FUNCTION wallet.refuse_ledger_change() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'the ledger is append-only: % on % refused', TG_OP, TG_TABLE_NAME
                USING ERRCODE = 'insufficient_privilege';
        END;
        $$
    """)
    for table in ("ledger_transactions", "ledger_entries"):
        op.execute(f"""
            CREATE TRIGGER {table}_append_only
            BEFORE UPDATE OR DELETE ON wallet.{table}
            FOR EACH ROW EXECUTE FUNCTION wallet.refuse_ledger_change()
        """)


def downgrade() -> None:
    """Downgrade schema."""
    for table in ("ledger_transactions", "ledger_entries"):
        op.execute(f"DROP TRIGGER {table}_append_only ON wallet.{table}")
    op.execute("DROP FUNCTION wallet.refuse_ledger_change()")
    op.execute("DROP TRIGGER ledger_entries_balance ON wallet.ledger_entries")
    op.execute("DROP FUNCTION wallet.check_transaction_balances()")
    op.drop_index('ix_saga_operations_booking_debits', table_name='saga_operations', schema='wallet', postgresql_where=sa.text("action = 'EXECUTE'"))
    op.drop_table('saga_operations', schema='wallet')
    op.drop_index('ix_ledger_entries_transaction_id', table_name='ledger_entries', schema='wallet')
    op.drop_index('ix_ledger_entries_account_id_id', table_name='ledger_entries', schema='wallet')
    op.drop_table('ledger_entries', schema='wallet')
    op.drop_index('ix_outbox_unpublished', table_name='outbox', schema='wallet', postgresql_where=sa.text('published_at IS NULL'))
    op.drop_table('outbox', schema='wallet')
    op.drop_index('ix_ledger_transactions_company_booking', table_name='ledger_transactions', schema='wallet')
    op.drop_table('ledger_transactions', schema='wallet')
    op.drop_table('inbox', schema='wallet')
    op.drop_index('uq_accounts_system', table_name='accounts', schema='wallet', postgresql_where=sa.text('customer_id IS NULL'))
    op.drop_index('uq_accounts_customer', table_name='accounts', schema='wallet', postgresql_where=sa.text('customer_id IS NOT NULL'))
    op.drop_table('accounts', schema='wallet')
