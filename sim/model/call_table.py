"""Per-call state during a run, in parallel lists indexed by call id.

The contact centre reads and writes one call at a time in the event loop,
which plain lists do fastest. First attempts come in as arrays, sampled up
front (:mod:`sim.model.sampling`), and the table keeps those arrays too, so
that turning the columns the run never changes back into arrays at the end
(:meth:`CallTable.column`) costs nothing for them; redials are appended one
at a time during the run.
"""

from __future__ import annotations

import math

import numpy as np

from sim.model.records import NO_GRADE

#: ``served_by`` of a call no handler answered.
NOT_ANSWERED = -1

#: Call columns the run never changes once a call is in the table (``talk`` may be,
#: by a platform, and ``answered`` and ``served_by`` are the run's).
_FIXED_CALL_COLUMNS = ("arrival", "deadline", "wrap", "queue", "attempt", "caller", "grade")


class CallTable:
    """Per-call state in parallel lists indexed by call id (fast to touch one at a time).

    The first-attempt calls also keep the arrays they came as, so that
    :meth:`column` need not convert the lists back for the columns the run
    does not change. ``arrival`` is made a list only when first read: the
    hot paths never read it.
    """

    def __init__(self) -> None:
        self._arrays: dict[str, list[np.ndarray]] = {name: [] for name in _FIXED_CALL_COLUMNS}
        self._in_arrays = 0
        #: Every call's arrival once :attr:`arrival` has been read (None before).
        self._arrival: list[float] | None = None
        #: The arrivals of calls appended one at a time (redials), in order.
        self._appended_arrival: list[float] = []
        self.deadline: list[float] = []
        self.talk: list[float] = []
        self.wrap: list[float] = []
        self.queue: list[int] = []
        self.attempt: list[int] = []
        self.caller: list[int] = []
        self.may_redial: list[bool] = []
        self.answered: list[float] = []
        self.served_by: list[int] = []
        self.grade: list[int] = []
        self.grading_delay: list[float] = []
        #: A 999 call a 101 caller switched to: its id -> the 101 call's id.
        self.switched_from: dict[int, int] = {}

    def __len__(self) -> int:
        return len(self.deadline)

    @property
    def arrival(self) -> list[float]:
        """Each call's arrival time, seconds, by call id (a list made on first use)."""
        if self._arrival is None:
            blocks = self._arrays["arrival"]
            first: list[float] = np.concatenate(blocks).tolist() if blocks else []
            self._arrival = first + self._appended_arrival
        return self._arrival

    def extend(
        self,
        arrival: np.ndarray,
        patience: np.ndarray,
        talk: np.ndarray,
        wrap: np.ndarray,
        queue: np.ndarray,
        may_redial: np.ndarray,
        grade: np.ndarray | None = None,
        grading_delay: np.ndarray | None = None,
    ) -> None:
        """Append first-attempt calls (already in arrival order).

        ``grade`` is each call's incident grade code (``NO_GRADE``, the default:
        no incident) and ``grading_delay`` the seconds from answer to the incident.
        """
        first = len(self)
        n = len(arrival)
        if first != self._in_arrays:
            raise ValueError("first attempts are added before any redial")
        deadline = arrival + patience
        grade = grade if grade is not None else np.full(n, NO_GRADE, dtype=np.int64)
        arrays = {
            "arrival": arrival, "deadline": deadline, "wrap": wrap, "queue": queue,
            "attempt": np.zeros(n, dtype=np.int64), "caller": np.arange(first, first + n),
            "grade": grade,
        }  # fmt: skip
        for name, values in arrays.items():
            self._arrays[name].append(np.asarray(values))
        self._in_arrays += n
        lists = {
            "deadline": deadline.tolist(), "talk": talk.tolist(),
            "wrap": wrap.tolist(), "queue": queue.tolist(), "attempt": [0] * n,
            "caller": list(range(first, first + n)), "may_redial": may_redial.tolist(),
            "answered": [math.nan] * n, "served_by": [NOT_ANSWERED] * n, "grade": grade.tolist(),
            "grading_delay": grading_delay.tolist() if grading_delay is not None else [0.0] * n,
        }  # fmt: skip
        for name, values in lists.items():
            if first:
                getattr(self, name).extend(values)
            else:
                setattr(self, name, values)  # the first block: no copy
        if self._arrival is not None:
            self._arrival.extend(arrival.tolist())

    def column(self, name: str) -> np.ndarray:
        """One column over every call, as an array (float, or int64 for ids and codes)."""
        # fromiter: a list of Python numbers converts faster than by asarray (no shape to find).
        if name not in _FIXED_CALL_COLUMNS:
            values = getattr(self, name)
            dtype = np.int64 if name == "served_by" else float
            return np.fromiter(values, dtype=dtype, count=len(values))
        blocks = self._arrays[name]
        dtype = float if name in ("arrival", "deadline", "wrap") else np.int64
        # The calls appended one at a time (arrivals have a list of their own).
        tail = (
            self._appended_arrival if name == "arrival" else getattr(self, name)[self._in_arrays :]
        )
        return np.concatenate(
            [*(b.astype(dtype, copy=False) for b in blocks), np.fromiter(tail, dtype, len(tail))]
        )

    def append(
        self,
        arrival: float,
        patience: float,
        talk: float,
        wrap: float,
        queue: int,
        attempt: int,
        caller: int,
        may_redial: bool,
        grade: int,
        grading_delay: float,
    ) -> int:
        """Append one call (a redial); return its id."""
        self._appended_arrival.append(arrival)
        if self._arrival is not None:
            self._arrival.append(arrival)
        self.deadline.append(arrival + patience)
        self.talk.append(talk)
        self.wrap.append(wrap)
        self.queue.append(queue)
        self.attempt.append(attempt)
        self.caller.append(caller)
        self.may_redial.append(may_redial)
        self.answered.append(math.nan)
        self.served_by.append(NOT_ANSWERED)
        self.grade.append(grade)
        self.grading_delay.append(grading_delay)
        return len(self.deadline) - 1
