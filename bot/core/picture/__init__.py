"""Pictures: a timeline (bot.core.text.timeline) drawn as a PNG with matplotlib's Agg backend,
in a worker thread, cached per content edition.

`flow` breaks styled text into lines (pure, given a way to measure text); `draw` lays the
timeline out and draws it (matplotlib is imported there, lazily: only a process that draws pays
for it); `cache` keeps the PNGs drawn, within a byte bound; `pictures` is what the core calls.
"""
