"""Dates -> working days, by the Chinese official calendar (holidays and adjusted weekends, SPEC §3).

The calendar comes from the maintained `chinesecalendar` package. For a year it does not cover yet
(the State Council publishes each year's plan in November), weekends-only is used and `note` says so.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache


@dataclass
class WorkCalendar:
    """Counts working days; `kind` "cn" (official) or "calendar" (every day counts)."""

    kind: str = "cn"
    uncovered_years: set[int] = field(default_factory=set)
    # Run-rate targets ask for the same few spans once per row; counting them again dominated compute.
    _spans: dict[tuple[dt.date, dt.date], int] = field(default_factory=dict, repr=False)

    def is_workday(self, day: dt.date) -> bool:
        if self.kind == "calendar":
            return True
        official = _official(day)
        if official is None:
            self.uncovered_years.add(day.year)
            return day.weekday() < 5
        return official

    def workdays(self, start: dt.date, end: dt.date) -> int:
        """Working days from `start` to `end`, both included; 0 when end < start."""
        if end < start:
            return 0
        if self.kind == "calendar":
            return (end - start).days + 1
        if (start, end) not in self._spans:
            self._spans[start, end] = sum(
                1
                for n in range((end - start).days + 1)
                if self.is_workday(start + dt.timedelta(days=n))
            )
        return self._spans[start, end]

    def workdays_between(self, earlier: dt.date, later: dt.date) -> int:
        """Working days after `earlier` up to and including `later` (0 if later <= earlier)."""
        return self.workdays(earlier + dt.timedelta(days=1), later)

    @property
    def name(self) -> str:
        if self.kind == "calendar":
            return "自然日 calendar days"
        note = "中国法定节假日与调休（chinesecalendar）"
        if self.uncovered_years:
            years = "、".join(str(y) for y in sorted(self.uncovered_years))
            note += f"；{years} 年尚未发布，按周末计算"
        return note


@lru_cache(maxsize=8192)
def _official(day: dt.date) -> bool | None:
    import chinese_calendar

    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:  # a year the package does not cover yet
        return None
