"""Heatmaps of partner x domain that stand on their own: title, what is counted and as of when,
axis titles, one colour scale with its meaning, and a size that follows the grid.

Rows from sources of different years are not summed into one picture: with up to
``MAX_PANELS`` distinct years each year gets its own panel (sharing partners, domains and the
colour scale); with more, one panel spans the range and the subtitle says so. Labels are
plain text: ``$`` in a partner's name is never read as mathtext.
"""

from __future__ import annotations

import math
import textwrap
from pathlib import Path

import pandas as pd

from pipeline.io import atomic_path
from pipeline.records import DOMAINS
from pipeline.vocab.domains import domain_label

MAX_PANELS = 3
MAX_LABEL = 42  # characters of a partner's name shown
CELL_W, CELL_H = 0.55, 0.30  # inches
FONT = 9
DPI = 150

# What each heatmap counts: (table, title, colour-scale label, values column or None for a count).
PLOTS = {
    "cooperation": ("Cooperation facts per partner and security domain", "facts (rows of cooperation.csv)", None),
    "cooperation_elements": ("Cooperation elements per partner and security domain", "cooperation elements (rows)", None),
    "dialogues": ("Security dialogues per partner and domain", "dialogues (ministerial + policy)", "total"),
}


def _label(text: object) -> str:
    text = " ".join(str(text).split()) or "(unnamed)"
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1] + "\u2026"


def _period(value: object) -> str:
    text = str(value or "")
    return text[:4] if text[:4].isdigit() else "undated"


def panels_of(rows: pd.DataFrame, values: str | None) -> tuple[list[tuple[str, pd.DataFrame]], str]:
    """Partner x domain grids, one per period (or one for all), and the span of periods they cover."""
    rows = rows.copy()
    rows["_period"] = rows["_as_of"].map(_period)
    periods = sorted(rows["_period"].unique(), key=lambda p: (p == "undated", p))
    dated = [p for p in periods if p != "undated"]
    span = (dated[0] if dated and dated[0] == dated[-1] else f"{dated[0]}\u2013{dated[-1]}") if dated else "undated"
    if len(periods) > MAX_PANELS:
        rows["_period"] = span
        periods = [span]

    def grid(part: pd.DataFrame) -> pd.DataFrame:
        grouped = part.groupby(["partner", "domain"])
        counts = grouped.size() if values is None else grouped[values].sum()
        return counts.astype("float64").fillna(0).astype("int64").unstack(fill_value=0)

    def label(period: str) -> str:  # the exact date when one panel's rows share it ("2015-07")
        dates = set(rows.loc[rows["_period"] == period, "_as_of"].astype(str))
        return dates.pop() if len(dates) == 1 and period != "undated" and dates != {""} else period

    grids = [(label(p), grid(rows[rows["_period"] == p])) for p in periods]
    domains = sorted({d for _, g in grids for d in g.columns}, key=lambda d: (DOMAINS.index(d) if d in DOMAINS else 99, d))
    totals = pd.concat([g.sum(axis=1) for _, g in grids]).groupby(level=0).sum()
    partners = sorted(totals.index, key=lambda p: (-totals[p], str(p)))
    return [(p, g.reindex(index=partners, columns=domains, fill_value=0)) for p, g in grids], span


def heatmap_figure(panels: list[tuple[str, pd.DataFrame]], title: str, subtitle: str, value_label: str):
    """The figure for ``panels`` (period, partner x domain grid); sized so that nothing is cut."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    rows, cols = panels[0][1].shape
    n = len(panels)
    labels = [_label(p) for p in panels[0][1].index]
    domains = [domain_label(str(c)) for c in panels[0][1].columns]
    char_w = FONT / 72 * 0.6  # inches per character, roughly, at FONT points
    label_w = max((len(t) for t in labels), default=4) * char_w + 0.9  # tick labels and the axis title
    panels_w = n * cols * CELL_W + (n - 1) * 0.35
    width = label_w + panels_w + 1.5  # colour bar and its label
    xlabel_h = max((len(d) for d in domains), default=4) * char_w * math.sin(math.radians(40)) + 0.75
    vmax = max(max(int(g.values.max()) if g.size else 0 for _, g in panels), 1)
    width = max(width, 4.5)
    chars = max(int((width - 0.4) / (12 / 72 * 0.6)), 20)
    title_lines = textwrap.wrap(title, chars) or [""]
    sub_lines = textwrap.wrap(subtitle, int(chars * 12 / FONT)) or [""]
    head_h = 0.35 + 0.24 * len(title_lines) + 0.17 * len(sub_lines)
    height = max(head_h + rows * CELL_H + xlabel_h + 0.3, 3.0)
    with plt.rc_context({"text.parse_math": False, "font.size": FONT}):
        fig = plt.figure(figsize=(width, height), layout="constrained")
        head, body = fig.subfigures(2, 1, height_ratios=[head_h, height - head_h])
        top = 1 - 0.15 / head_h
        head.text(0.5, top, "\n".join(title_lines), ha="center", va="top", fontsize=12, fontweight="bold")
        head.text(0.5, top - (0.24 * len(title_lines) + 0.05) / head_h, "\n".join(sub_lines), ha="center", va="top",
                  fontsize=FONT, color="#444444")
        axes = body.subplots(1, n, sharey=True, squeeze=False, gridspec_kw={"wspace": 0.02})
        image = None
        for ax, (period, grid) in zip(axes[0], panels):
            image = ax.imshow(grid.values, cmap="Blues", vmin=0, vmax=vmax, aspect="auto", interpolation="nearest")
            ax.set_xticks(range(cols), domains, rotation=40, ha="right", rotation_mode="anchor")
            ax.set_yticks(range(rows), labels)
            ax.set_xlabel("security domain")
            if n > 1:
                ax.set_title(f"as of {period}", fontsize=FONT + 1)
            if rows * cols <= 1200:
                for (r, c), value in pd.DataFrame(grid.values).stack().items():
                    if value:
                        ax.text(c, r, str(int(value)), ha="center", va="center", fontsize=FONT - 1,
                                color="white" if value > 0.6 * vmax else "black")
            ax.tick_params(length=0)
            for spine in ax.spines.values():
                spine.set_visible(False)
        axes[0][0].set_ylabel("partner")
        bar = body.colorbar(image, ax=list(axes[0]), shrink=min(0.9, max(0.3, 4.0 / max(rows * CELL_H, 0.1))), aspect=max(8, min(30, rows * 1.5)))
        bar.set_label(value_label)
        bar.locator = MaxNLocator(integer=True)
        bar.update_ticks()
    return fig


def write_heatmaps(frames: dict[str, pd.DataFrame], documents: list, folder: str | Path, built_at: str = "") -> list[Path]:
    """A PNG per table of ``PLOTS`` that has rows; a plot whose table is now empty is removed."""
    import matplotlib.pyplot as plt

    folder = Path(folder)
    dates = {d.source: d.pub_date for d in documents}
    written = []
    for name, (title, value_label, values) in PLOTS.items():
        target = folder / f"{name}_heatmap.png"
        rows = frames.get(name, pd.DataFrame())
        if not len(rows):
            target.unlink(missing_ok=True)
            continue
        rows = rows.copy()
        rows["_as_of"] = rows["as_of"] if "as_of" in rows else rows["source_doc"].map(dates).fillna("")
        if values == "total":
            rows["total"] = pd.to_numeric(rows["ministerial"], errors="coerce").fillna(0) + pd.to_numeric(rows["policy"], errors="coerce").fillna(0)
        panels, span = panels_of(rows, values)
        documents_used = rows["source_doc"].nunique()
        subtitle = (f"{len(rows)} row{'s' if len(rows) != 1 else ''} from {documents_used} document{'s' if documents_used != 1 else ''}, "
                    f"as of {span}" + (f"; built {built_at}" if built_at else ""))
        fig = heatmap_figure(panels, title, subtitle, value_label)
        folder.mkdir(parents=True, exist_ok=True)
        with atomic_path(target) as tmp:
            fig.savefig(tmp, dpi=DPI, format="png")
        plt.close(fig)
        written.append(target)
    return written
