"""A timeline drawn: laid out in pixels, then drawn with matplotlib's Agg backend into a PNG.

Made for a phone. Opened there, a picture fills the screen's width, 1,080 physical pixels on
most phones, at about 2.6–3 pixels to a dp: chat apps' message text (16 dp or so) is then
42–48 pixels tall. So the picture is WIDTH pixels wide and no text in it is smaller than TEXT
pixels. Its height is what the statements need, within Telegram's limit for a photo (width and
height together at most 10,000): a timeline too tall gives each label fewer lines first.

Lanes run down the left, one per group of speakers, in the group's colour; the days go down
the page; each statement is a mark on its speakers' lanes (its shape tells the kind: said,
paraphrased, reportedly) and a label: who, and a short excerpt of their words.

matplotlib is imported inside the functions: a process that never draws never loads it. The
fonts are the DejaVu Sans that matplotlib ships, read from its own folder: nothing depends on
the machine's fonts, and nothing is downloaded.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import math
import threading
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from bot.core.models import Kind
from bot.core.picture.flow import Line, fit_label, flow
from bot.core.text.document import Span, Style
from bot.core.text.timeline import Day, Entry, Timeline

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.backends.backend_agg import RendererAgg
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties

DPI = 72  # so that a font's size in points is its size in pixels
WIDTH = 1080
MARGIN = 48
TEXT = 42.0  # pixels: every text, but the title
TITLE = 50.0
LEADING = 1.25  # a line's height, in font sizes
ENTRY_GAP = 18.0
DAY_GAP = 30.0
# How densely a timeline is set, tried in turn until the picture is within MAX_HEIGHT: lines a
# label may take, and the space between labels and before a day (the last, for the extremes:
# fifty labels, each on a day of its own, by speakers whose names take two lines).
DENSITIES = ((3, 1.0), (2, 1.0), (1, 1.0), (1, 0.25))
LANE_GAP = 46.0  # between two lanes
MARK = 30.0  # a mark's width
LEGEND_GAP = 36.0  # between two items of the legend
MAX_HEIGHT = 10_000 - WIDTH - 100  # Telegram refuses a photo whose width + height pass 10,000
PNG_KEY = "Timeline"  # the PNG text chunk naming what the picture shows (see `fingerprint`)
COLOURS = 64  # of the PNG's palette

INK = "#1a1a1a"
SOFT = "#555555"  # 7.5:1 on white: still easy to read
RULE = "#d0d0d0"
# Okabe and Ito's colours, told apart with any colour vision (yellow left out: too light on
# white). A lane's colour follows its place in the catalog, so it is the same in every picture.
LANE_COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
# How each kind's mark looks: (marker, filled).
MARKS = {Kind.DIRECT: ("o", True), Kind.PARAPHRASE: ("o", False), Kind.REPORTED: ("D", False)}
_FONT_FILES = {
    Style.PLAIN: "DejaVuSans.ttf",
    Style.BOLD: "DejaVuSans-Bold.ttf",
    Style.ITALIC: "DejaVuSans-Oblique.ttf",
}

# One picture is drawn at a time, whoever asks (a worker thread, the command line): the text
# measuring renderer is shared, and one figure at a time bounds the memory drawing takes.
_lock = threading.Lock()
# What matplotlib warns of each character DejaVu Sans has no glyph for (an emoji in a reader's
# query): drawn as a box, which says as much.
_MISSING_GLYPH = r"Glyph \d+ [\s\S]* missing from font"  # (the glyph may be a line break)


@contextlib.contextmanager
def _drawing() -> Iterator[None]:
    with _lock, warnings.catch_warnings():
        warnings.filterwarnings("ignore", _MISSING_GLYPH, UserWarning)
        yield


@dataclass(frozen=True, slots=True)
class Text:
    x: float
    y: float  # the baseline
    text: str
    style: Style
    size: float
    colour: str = INK
    gid: str | None = None  # what a test finds it by: "speaker:<statement id>"


@dataclass(frozen=True, slots=True)
class Mark:
    x: float
    y: float
    kind: Kind
    colour: str


@dataclass(frozen=True, slots=True)
class Stroke:
    """A straight line from (x0, y0) to (x1, y1)."""

    x0: float
    y0: float
    x1: float
    y1: float
    colour: str = RULE
    width: float = 2.0


@dataclass(slots=True)
class Layout:
    """Everything the picture shows, placed; y grows downwards."""

    height: int = 0
    texts: list[Text] = field(default_factory=list)
    marks: list[Mark] = field(default_factory=list)
    strokes: list[Stroke] = field(default_factory=list)


def fingerprint(timeline: Timeline) -> str:
    """A short hash of everything the picture shows: a picture saved with it can tell whether
    it still shows what the content gives (the README's pictures are checked so)."""
    return hashlib.sha256(repr(timeline).encode()).hexdigest()[:16]


def png(timeline: Timeline) -> bytes:
    """The timeline as a PNG of COLOURS colours, titled, with its fingerprint in a text chunk.

    A few colours are all the picture has (its inks, the lanes', and the grey of smoothed
    edges): as a palette image its PNG is a quarter of the full-colour one, quicker to write,
    to upload and to keep in the cache, and looks the same."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image, PngImagePlugin

    with _drawing():
        canvas = _figure(timeline).canvas
        assert isinstance(canvas, FigureCanvasAgg)
        canvas.draw()  # type: ignore[no-untyped-call]  # (the Agg canvas has no annotations)
        rgba = canvas.buffer_rgba()  # type: ignore[no-untyped-call]
        pixels = Image.frombuffer("RGBA", canvas.get_width_height(), rgba, "raw", "RGBA", 0, 1)
    palette = pixels.convert("RGB").quantize(
        COLOURS, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE
    )
    info = PngImagePlugin.PngInfo()
    info.add_text("Title", timeline.title)  # iTXt, UTF-8, when it is not Latin-1
    info.add_text(PNG_KEY, fingerprint(timeline))
    out = io.BytesIO()
    palette.save(out, format="PNG", pnginfo=info)
    return out.getvalue()


def png_size(picture: bytes) -> tuple[int, int]:
    """A PNG's width and height, from its header."""
    return int.from_bytes(picture[16:20], "big"), int.from_bytes(picture[20:24], "big")


def figure(timeline: Timeline) -> Figure:
    """The timeline as a matplotlib figure, not yet rendered: what `png` saves."""
    with _drawing():
        return _figure(timeline)


def layout(timeline: Timeline) -> Layout:
    """The timeline placed: labels get fewer lines until the picture is within MAX_HEIGHT."""
    with _drawing():
        return _fitted(timeline)


def _fitted(timeline: Timeline) -> Layout:
    for lines, spacing in DENSITIES:
        placed = _Placer(timeline, lines, spacing).place()
        if placed.height <= MAX_HEIGHT:
            break
    return placed


def _figure(timeline: Timeline) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    placed = _fitted(timeline)
    picture = Figure(figsize=(WIDTH / DPI, placed.height / DPI), dpi=DPI, facecolor="white")
    FigureCanvasAgg(picture)  # the Agg backend, whatever matplotlib's default is
    axes = picture.add_axes((0.0, 0.0, 1.0, 1.0))
    axes.set_axis_off()
    axes.set_xlim(0, WIDTH)
    axes.set_ylim(placed.height, 0)
    for stroke in placed.strokes:
        axes.plot(
            [stroke.x0, stroke.x1], [stroke.y0, stroke.y1], color=stroke.colour,
            linewidth=stroke.width, solid_capstyle="round", zorder=1,
        )  # fmt: skip
    _draw_marks(axes, placed.marks)
    for text in placed.texts:
        axes.text(
            text.x, text.y, text.text, fontproperties=_font(text.style, text.size),
            color=text.colour, va="baseline", ha="left", parse_math=False, gid=text.gid,
            zorder=4,
        )  # fmt: skip
    return picture


def _draw_marks(axes: Axes, marks: Sequence[Mark]) -> None:
    """The marks, one scatter per kind and colour (far fewer artists than marks)."""
    groups: dict[tuple[Kind, str], list[Mark]] = {}
    for mark in marks:
        groups.setdefault((mark.kind, mark.colour), []).append(mark)
    for (kind, colour), group in groups.items():
        marker, filled = MARKS[kind]
        size = MARK if marker == "o" else MARK * 0.8  # a diamond looks larger than a disc
        axes.scatter(
            [m.x for m in group], [m.y for m in group], s=size**2, marker=marker,
            facecolors=colour if filled else "white", edgecolors=colour, linewidths=4.0,
            zorder=3,
        )  # fmt: skip


class _Placer:
    """Places one timeline, top to bottom, with labels of at most `max_lines` lines and the
    space between them scaled by `spacing`."""

    def __init__(self, timeline: Timeline, max_lines: int, spacing: float) -> None:
        self.timeline = timeline
        self.max_lines = max_lines
        self.entry_gap, self.day_gap = ENTRY_GAP * spacing, DAY_GAP * spacing
        self.out = Layout()
        self.y = float(MARGIN)
        lanes = len(timeline.lanes)
        self.lane_x = [MARGIN + MARK / 2 + 4 + LANE_GAP * i for i in range(lanes)]
        self.text_x = MARGIN + LANE_GAP * max(lanes - 1, 0) + MARK + 24
        self.colours = [LANE_COLOURS[lane.order % len(LANE_COLOURS)] for lane in timeline.lanes]

    def place(self) -> Layout:
        timeline = self.timeline
        full = WIDTH - 2 * MARGIN
        self._paragraph([Span(timeline.title, Style.BOLD)], MARGIN, full, TITLE)
        self._paragraph([Span(timeline.what)], MARGIN, full, TEXT, SOFT)
        self.y += 16
        lanes = [
            (lane.name, Kind.DIRECT, colour)
            for lane, colour in zip(timeline.lanes, self.colours, strict=True)
        ]
        self._legend(lanes)
        self._legend([(word, kind, SOFT) for kind, word in timeline.kinds])
        for day in timeline.days:
            self._day(day)
        self.y += self.day_gap
        self._rule()
        self._paragraph([Span(timeline.sources)], MARGIN, full, TEXT, SOFT)
        self.out.height = math.ceil(self.y + MARGIN - TEXT * (LEADING - 1))
        return self.out

    def _paragraph(
        self, spans: Sequence[Span], x: float, width: float, size: float, colour: str = INK
    ) -> None:
        self._lines(flow(spans, width, _measurer(size)), x, size, colour)

    def _lines(
        self, lines: Sequence[Line], x: float, size: float, colour: str, gid: str | None = None
    ) -> None:
        for line in lines:
            baseline = self.y + size
            for run in line:
                self.out.texts.append(
                    Text(
                        x + run.x, baseline, run.text, run.style, size,
                        colour if run.style is not Style.ITALIC else SOFT,
                        gid if run.style is Style.BOLD else None,
                    )
                )  # fmt: skip
            self.y += size * LEADING

    def _legend(self, items: Sequence[tuple[str, Kind, str]]) -> None:
        """Marks with their words ("● United States", "○ paraphrased"), as many to a line as fit."""
        measure = _measurer(TEXT)
        x = float(MARGIN)
        for word, kind, colour in items:
            width = MARK + 12 + measure(word, Style.PLAIN)
            if x > MARGIN and x + width > WIDTH - MARGIN:
                self.y += TEXT * LEADING
                x = MARGIN
            baseline = self.y + TEXT
            self.out.marks.append(Mark(x + MARK / 2, _middle(baseline), kind, colour))
            self.out.texts.append(Text(x + MARK + 12, baseline, word, Style.PLAIN, TEXT))
            x += width + LEGEND_GAP
        self.y += TEXT * LEADING

    def _rule(self) -> None:
        self.out.strokes.append(Stroke(MARGIN, self.y, WIDTH - MARGIN, self.y))
        self.y += 12

    def _day(self, day: Day) -> None:
        self.y += self.day_gap
        self._rule()
        self._paragraph([Span(day.label, Style.BOLD)], MARGIN, WIDTH - 2 * MARGIN, TEXT)
        top = self.y
        for entry in day.entries:
            self.y += self.entry_gap
            self._entry(entry)
        for x, colour in zip(self.lane_x, self.colours, strict=True):
            self.out.strokes.append(Stroke(x, top, x, self.y, colour, 4.0))

    def _entry(self, entry: Entry) -> None:
        head = [Span(entry.speaker, Style.BOLD)]
        if entry.attribution:
            head.append(Span(f", {entry.attribution}"))
        if entry.note:
            head.append(Span(f" ({entry.note})", Style.ITALIC))
        head.append(Span(": "))
        tail = [Span(f" {entry.translated}", Style.ITALIC)] if entry.translated else []
        width = WIDTH - MARGIN - self.text_x
        lines = fit_label(
            head, entry.excerpt, entry.direct, tail, width, self.max_lines, _measurer(TEXT)
        )
        middle = _middle(self.y + TEXT)
        xs = [self.lane_x[lane] for lane in entry.lanes]
        # A guide from the leftmost mark to the label: a joint statement's marks are joined.
        self.out.strokes.append(Stroke(min(xs), middle, self.text_x - 10, middle))
        for lane, x in zip(entry.lanes, xs, strict=True):
            self.out.marks.append(Mark(x, middle, entry.kind, self.colours[lane]))
        self._lines(lines, self.text_x, TEXT, INK, gid=f"speaker:{entry.statement_id}")


def _middle(baseline: float) -> float:
    """Where a mark beside a line of text sits: halfway up its lower-case letters."""
    return baseline - TEXT * 0.36


def _measurer(size: float) -> functools.partial[float]:
    return functools.partial(_width, size=size)


@functools.lru_cache(maxsize=20_000)  # words recur: names, dates, common words
def _width(text: str, style: Style, size: float) -> float:
    measured = _renderer().get_text_width_height_descent  # untyped in matplotlib
    width, _, _ = measured(text, _font(style, size), ismath=False)  # type: ignore[no-untyped-call]
    return float(width)


@functools.cache
def _renderer() -> RendererAgg:
    from matplotlib.backends.backend_agg import RendererAgg

    return RendererAgg(1, 1, DPI)  # type: ignore[no-untyped-call]


@functools.cache
def _font(style: Style, size: float) -> FontProperties:
    import matplotlib
    from matplotlib.font_manager import FontProperties

    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    return FontProperties(fname=folder / _FONT_FILES[style], size=size)
