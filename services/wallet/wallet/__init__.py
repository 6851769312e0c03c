"""The wallet service: customer balances with an append-only double-entry ledger."""
