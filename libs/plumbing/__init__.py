"""Plumbing shared by every service: no domain code lives here.

Server bootstrap, database access, outbox and inbox, messaging, errors,
telemetry and test fixtures.
"""
