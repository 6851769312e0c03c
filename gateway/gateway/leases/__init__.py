"""Leases of the business console: while a staff member books or edits a resource (or one of
its units) for a period, the others see it held and cannot start a conflicting booking or
edit until it is released or expires (gateway.leases.store judges; gateway.leases.pages
serves the page's acquire, heartbeat, release and the live holds)."""
