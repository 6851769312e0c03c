"""initial: pass products, entitlements, credit holds, saga decisions, outbox, inbox

Revision ID: 0001
Revises:
Create Date: 2026-11-21 23:32:38.072737

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
    op.create_table('inbox',
    sa.Column('message_id', sa.Text(), nullable=False),
    sa.Column('subject', sa.Text(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('message_id'),
    schema='passes'
    )
    op.create_table('outbox',
    sa.Column('id', sa.Text(), nullable=False),
    sa.Column('subject', sa.Text(), nullable=False),
    sa.Column('payload', sa.LargeBinary(), nullable=False),
    sa.Column('headers', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    schema='passes'
    )
    op.create_index('ix_outbox_unpublished', 'outbox', ['created_at'], unique=False, schema='passes', postgresql_where=sa.text('published_at IS NULL'))
    op.create_table('pass_products',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('company_id', sa.UUID(), nullable=False),
    sa.Column('request_id', sa.Text(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('credits', sa.Integer(), nullable=False),
    sa.Column('validity_days', sa.Integer(), nullable=False),
    sa.Column('price_minor', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("currency ~ '^[A-Z]{3}$'", name='ck_pass_products_currency'),
    sa.CheckConstraint('credits > 0', name='ck_pass_products_credits'),
    sa.CheckConstraint('price_minor >= 0', name='ck_pass_products_price'),
    sa.CheckConstraint('validity_days > 0', name='ck_pass_products_validity_days'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('company_id', 'request_id', name='uq_pass_products_request'),
    schema='passes'
    )
    op.create_table('saga_operations',
    sa.Column('saga_id', sa.UUID(), nullable=False),
    sa.Column('action', sa.Text(), nullable=False),
    sa.Column('booking_id', sa.UUID(), nullable=False),
    sa.Column('outcome', sa.Text(), nullable=True),
    sa.Column('reason', sa.Text(), server_default=sa.text("''"), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), server_default=sa.text('0'), nullable=False),
    sa.Column('reference', sa.Text(), server_default=sa.text("''"), nullable=False),
    sa.Column('credits', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("action IN ('EXECUTE', 'COMPENSATE', 'FINALIZE', 'REFUND')", name='ck_saga_operations_action'),
    sa.CheckConstraint("outcome IN ('SUCCEEDED', 'FAILED')", name='ck_saga_operations_outcome'),
    sa.PrimaryKeyConstraint('saga_id', 'action', name='pk_saga_operations'),
    schema='passes'
    )
    op.create_table('entitlements',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('company_id', sa.UUID(), nullable=False),
    sa.Column('customer_id', sa.UUID(), nullable=False),
    sa.Column('product_id', sa.UUID(), nullable=False),
    sa.Column('request_id', sa.Text(), nullable=False),
    sa.Column('credits_total', sa.Integer(), nullable=False),
    sa.Column('credits_used', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('credits_held', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('valid_from', sa.DateTime(timezone=True), nullable=False),
    sa.Column('valid_until', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('credits_total >= 0 AND credits_used >= 0 AND credits_held >= 0 AND credits_used + credits_held <= credits_total', name='ck_entitlements_credits'),
    sa.CheckConstraint('valid_until > valid_from', name='ck_entitlements_validity'),
    sa.ForeignKeyConstraint(['product_id'], ['passes.pass_products.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('company_id', 'request_id', name='uq_entitlements_request'),
    schema='passes'
    )
    op.create_index('ix_entitlements_customer', 'entitlements', ['company_id', 'customer_id', 'created_at'], unique=False, schema='passes')
    op.create_table('credit_holds',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('saga_id', sa.UUID(), nullable=False),
    sa.Column('booking_id', sa.UUID(), nullable=False),
    sa.Column('company_id', sa.UUID(), nullable=True),
    sa.Column('entitlement_id', sa.UUID(), nullable=True),
    sa.Column('credits', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('credits_returned', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('state', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("(state = 'RETURNED') = (credits > 0 AND credits_returned = credits)", name='ck_credit_holds_returned_state'),
    sa.CheckConstraint("state = 'TOMBSTONE' OR (entitlement_id IS NOT NULL AND company_id IS NOT NULL AND credits > 0)", name='ck_credit_holds_hold'),
    sa.CheckConstraint("state IN ('HELD', 'CONSUMED', 'RELEASED', 'RETURNED', 'TOMBSTONE')", name='ck_credit_holds_state'),
    sa.CheckConstraint('credits_returned >= 0 AND credits_returned <= credits', name='ck_credit_holds_returned'),
    sa.ForeignKeyConstraint(['entitlement_id'], ['passes.entitlements.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('saga_id', name='uq_credit_holds_saga'),
    schema='passes'
    )
    op.create_index('ix_credit_holds_consumed_booking', 'credit_holds', ['booking_id'], unique=False, schema='passes', postgresql_where=sa.text("state = 'CONSUMED'"))


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index('ix_credit_holds_consumed_booking', table_name='credit_holds', schema='passes', postgresql_where=sa.text("state = 'CONSUMED'"))
    op.drop_table('credit_holds', schema='passes')
    op.drop_index('ix_entitlements_customer', table_name='entitlements', schema='passes')
    op.drop_table('entitlements', schema='passes')
    op.drop_table('saga_operations', schema='passes')
    op.drop_table('pass_products', schema='passes')
    op.drop_index('ix_outbox_unpublished', table_name='outbox', schema='passes', postgresql_where=sa.text('published_at IS NULL'))
    op.drop_table('outbox', schema='passes')
    op.drop_table('inbox', schema='passes')
