"""The bookings integration tests import their shared helpers (bookings_test_sessions) from
this folder."""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)
