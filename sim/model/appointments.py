"""The appointment diary of a force's schedule cars.

Schedule cars work fixed hours (Northumbria: 32 cars, 08:00-21:00, Northumbria
PCP report, 31 July 2018, para 6.5). The working day is cut into slots; each car
attends one appointment per slot. An incident graded for a scheduled appointment
books the earliest slot that starts at least the minimum lead time after it is
created and still has a car free. When the diary fills, the wait grows; no
incident is dropped (the diary runs on past the end of the simulated period).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from sim.units import SECONDS_PER_DAY


class AppointmentDiary:
    """Slots of the schedule cars and the bookings in them.

    Parameters
    ----------
    cars
        Cars on duty in every slot.
    day_start_s, day_end_s
        Working hours, seconds after midnight (08:00 is 28,800).
    slot_s
        Slot length, seconds.
    lead_s
        Minimum time from the incident's creation to its appointment, seconds.
    working_days
        Days of the week the cars work (0 = Monday).
    """

    def __init__(
        self,
        cars: int,
        day_start_s: float,
        day_end_s: float,
        slot_s: float,
        lead_s: float,
        working_days: Sequence[int] = range(7),
    ):
        self.cars = cars
        self.day_start_s = day_start_s
        self.slot_s = slot_s
        self.lead_s = lead_s
        self.slots_per_day = max(int((day_end_s - day_start_s) // slot_s), 0)
        self.working_days = frozenset(working_days)
        self.booked: dict[int, int] = {}
        # next_free[k]: a slot index at or after k that may have room (path-compressed).
        self._next_free: dict[int, int] = {}

    @property
    def open(self) -> bool:
        """Whether the diary has any capacity at all."""
        return self.cars > 0 and self.slots_per_day > 0 and bool(self.working_days)

    def slot_start(self, slot: int) -> float:
        """Start of a slot, seconds from the scenario start."""
        day, within = divmod(slot, self.slots_per_day)
        return day * SECONDS_PER_DAY + self.day_start_s + within * self.slot_s

    def _first_slot_from(self, time_s: float) -> int:
        day = math.floor(time_s / SECONDS_PER_DAY)
        within = time_s - day * SECONDS_PER_DAY - self.day_start_s
        index = math.ceil(within / self.slot_s) if within > 0 else 0
        if index >= self.slots_per_day:
            return (day + 1) * self.slots_per_day
        return day * self.slots_per_day + index

    def _usable(self, slot: int) -> bool:
        day = slot // self.slots_per_day
        return day % 7 in self.working_days and self.booked.get(slot, 0) < self.cars

    def _find(self, slot: int) -> int:
        path = []
        while True:
            jump = self._next_free.get(slot)
            if jump is not None and jump != slot:
                path.append(slot)
                slot = jump
                continue
            if self._usable(slot):
                break
            path.append(slot)
            slot += 1
        for visited in path:
            self._next_free[visited] = slot
        return slot

    def book(self, created_s: float) -> tuple[int, int, float]:
        """Book the earliest free slot for an incident created at ``created_s`` seconds.

        Returns
        -------
        slot, car, start_s
            The slot index, which car of the slot (0-based), and the slot's start.
        """
        if not self.open:
            raise ValueError("the appointment diary has no slots")
        slot = self._find(self._first_slot_from(created_s + self.lead_s))
        car = self.booked.get(slot, 0)
        self.booked[slot] = car + 1
        return slot, car, self.slot_start(slot)
