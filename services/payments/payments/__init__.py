"""The payments service: card payments through a provider adapter, a saga participant."""
