"""Make the beats and border roads of configs/spatial-border.yaml (two small forces).

Two synthetic forces side by side on a 24 x 9 km strip, sharing a border at
x = 12 km: each a grid of 4 x 3 square beats of 3 km. West's town is its
western column (x 0-3 km), east's its eastern one (x 21-24 km); the other nine
beats of each are rural. Every beat of a column has the same weight (demand),
the town beats three times a rural one's. Travel within each force is from the
beats' centre points (speed and road factor in the scenario). The border roads
join each border beat to the beat facing it across the border, 3 km apart,
at the forces' own speed (48 km/h) and road factor (1.3): 4.9 minutes.

Run it from this folder: python make_spatial_border.py
"""

from __future__ import annotations

import csv

CELL_KM = 3.0
SPEED_KMH, ROAD_FACTOR = 48.0, 1.3


def beats(prefix: str, x0: float, town_column: int) -> list[dict[str, object]]:
    rows = []
    for column in range(1, 5):
        for row in range(1, 4):
            left, bottom = x0 + (column - 1) * CELL_KM, (row - 1) * CELL_KM
            corners = [(left, bottom), (left + CELL_KM, bottom),
                       (left + CELL_KM, bottom + CELL_KM), (left, bottom + CELL_KM)]  # fmt: skip
            town = column == town_column
            rows.append({
                "id": f"{prefix}{column}{row}",
                "area": "urban" if town else "rural",
                "weight": 3 if town else 1,
                "x_km": left + CELL_KM / 2,
                "y_km": bottom + CELL_KM / 2,
                "polygon": "; ".join(f"{x:g} {y:g}" for x, y in corners),
            })  # fmt: skip
    return rows


def write(name: str, rows: list[dict[str, object]]) -> None:
    with open(name, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


if __name__ == "__main__":
    write("west-beats.csv", beats("w", 0.0, town_column=1))
    write("east-beats.csv", beats("e", 12.0, town_column=4))
    minutes = round(CELL_KM * ROAD_FACTOR / SPEED_KMH * 60.0, 2)
    write("border.csv", [{"from": f"west/w4{r}", "to": f"east/e1{r}", "minutes": minutes}
                         for r in range(1, 4)])  # fmt: skip
