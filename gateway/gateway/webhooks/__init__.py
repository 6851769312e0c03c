"""Webhooks to client apps: a company's endpoints, the booking events they subscribe to,
signed deliveries retried with back-off for a day, ordered per booking (gateway/README.md,
"Webhooks")."""
