"""Notifications: e-mail to customers, guests and a company's staff out of booking events,
through an outbox (one message per event and recipient, sent once, retried with back-off), with
an `.ics` attachment; and iCalendar feeds of a company's confirmed bookings behind secret URLs
(gateway/README.md, "Notifications")."""
