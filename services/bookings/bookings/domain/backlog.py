"""How long a new saga step would wait in a queue, from what JetStream says of the queue.

A queue is read every fraction of a second: how many messages are outstanding (not yet
delivered, or delivered and not acknowledged) and how many its consumer has finished in all.
The difference between two readings of the second, over the time between them, is how fast
it drains now (smoothed over a few readings). The expected wait of a message joining it is
the outstanding count over that rate; the rate counts as at least `min_rate` so that a queue
whose consumer is down, or has just started, is judged full only past `min_rate` times the
longest wait allowed.
"""

from __future__ import annotations

from dataclasses import dataclass

# The weight of the newest reading in the smoothed rate.
SMOOTHING = 0.3


@dataclass
class QueueReading:
    at: float  # monotonic seconds
    outstanding: int
    finished: int  # messages the consumer has finished, in all (a counter)


@dataclass
class QueueDrain:
    """One queue's outstanding count and drain rate, from its successive readings."""

    min_rate: float
    outstanding: int = 0
    rate: float = 0.0
    _last: QueueReading | None = None

    def read(self, reading: QueueReading) -> None:
        last, self._last = self._last, reading
        self.outstanding = reading.outstanding
        if last is None or reading.at <= last.at or reading.finished < last.finished:
            return  # a first reading, or a consumer made anew (its counter restarted)
        newest = (reading.finished - last.finished) / (reading.at - last.at)
        self.rate = newest if self.rate == 0.0 else SMOOTHING * newest + (1 - SMOOTHING) * self.rate

    def forget(self) -> None:
        """The queue could not be read: nothing is known of it (and nothing is refused for it)."""
        self.outstanding, self.rate, self._last = 0, 0.0, None

    def expected_wait(self) -> float:
        """Seconds a message joining the queue now would wait for its turn."""
        return self.outstanding / max(self.rate, self.min_rate)
