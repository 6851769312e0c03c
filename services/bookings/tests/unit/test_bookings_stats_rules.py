"""The occupancy rules of the business statistics (domain/stats.py): every percentage is made
of the same rows, what a resource sold counting up to its capacity and only where it has one."""

from __future__ import annotations

from datetime import date

from bookings.domain.stats import BusinessStats, Figures, ResourceFigures


def resource(name: str, sold: int, capacity: int, model: str = "TIME_SLOT") -> ResourceFigures:
    return ResourceFigures(name, name, model, Figures(places=sold, nights=sold, minutes=sold), capacity)


def figures(*resources: ResourceFigures) -> BusinessStats:
    return BusinessStats("EUR", "UTC", [(date(2031, 1, 1), Figures())], list(resources), [], [])


def test_a_resource_without_capacity_counts_in_no_percentage() -> None:
    # Sold 4 with no capacity known next to a 1-place session: was 400 % for places, 0 % overall.
    stats = figures(resource("gone", 4, 0), resource("annex", 0, 1))
    assert stats.resources[0].occupancy_percent == 0.0
    assert stats.model_occupancy_percent("TIME_SLOT") == stats.occupancy_percent == 0.0


def test_more_sold_than_the_capacity_read_counts_as_full() -> None:
    # A session added less than the cache's 30 s ago, already sold.
    stats = figures(resource("studio", 3, 2), resource("annex", 0, 2))
    assert stats.resources[0].occupancy_percent == 100.0
    assert stats.model_occupancy_percent("TIME_SLOT") == stats.occupancy_percent == 50.0


def test_percentages_agree_with_the_rows() -> None:
    stats = figures(resource("a", 4, 5), resource("b", 0, 1), resource("c", 3, 14, "NIGHTLY"))
    assert [r.occupancy_percent for r in stats.resources] == [80.0, 0.0, round(300 / 14, 2)]
    assert stats.model_occupancy_percent("TIME_SLOT") == round(400 / 6, 2)
    assert stats.occupancy_percent == round((80.0 + 0.0 + round(300 / 14, 2)) / 3, 2)
