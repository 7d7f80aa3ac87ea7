"""One catalogue of metrics: name, unit, statistics, direction, label, default target."""

from __future__ import annotations

#: The national 999 standard: 90% of calls answered within 10 s (DESIGN §6).
NATIONAL_999_SHARE_PCT = 90.0
