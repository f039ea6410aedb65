"""The figures as horizontal bars, one group per figure and one bar per site: plain geometry
for an SVG the template draws (no JavaScript, nothing fetched from elsewhere).

Each group has its own scale (its largest value fills the width; adherence is out of 100), so
a site with few appointments still shows a visible difference in no-shows.
"""

from __future__ import annotations

from dataclasses import dataclass

WIDTH = 320  # the drawing's own units; the SVG scales to the screen
LABEL_HEIGHT = 16
BAR_HEIGHT = 14
GAP = 6
GROUP_GAP = 14


@dataclass(frozen=True)
class Bar:
    label: str  # "Leeds: 12"
    y: int  # the bar's top; its label sits just above it
    width: float


@dataclass(frozen=True)
class Group:
    title: str
    y: int
    bars: list[Bar]


@dataclass(frozen=True)
class Chart:
    groups: list[Group]
    width: int
    height: int


#: (heading, attribute, unit): the figures drawn, in the table's order.
FIGURES = (
    ("Appointments held", "held", ""),
    ("No-shows", "no_shows", ""),
    ("Late cancellations", "late_cancellations", ""),
    ("New patients", "new_patients", ""),
    ("Plan adherence", "adherence", "%"),
)


def bar_chart(sites: list) -> Chart:
    """Geometry for `sites` (objects with the attributes in FIGURES); None values (no
    adherence to show) draw no bar and say so in the label."""
    groups = []
    y = 0
    for title, attribute, unit in FIGURES:
        values = [getattr(site, attribute) for site in sites]
        top = 100 if unit == "%" else max([value or 0 for value in values] + [1])
        group_y = y
        y += LABEL_HEIGHT + 2
        bars = []
        for site, value in zip(sites, values, strict=True):
            shown = "none" if value is None else f"{value}{unit}"
            bars.append(
                Bar(
                    label=f"{site.name}: {shown}",
                    y=y + LABEL_HEIGHT,
                    width=round(WIDTH * (value or 0) / top, 1),
                )
            )
            y += LABEL_HEIGHT + BAR_HEIGHT + GAP
        groups.append(Group(title=title, y=group_y, bars=bars))
        y += GROUP_GAP
    return Chart(groups=groups, width=WIDTH, height=max(y, 1))
