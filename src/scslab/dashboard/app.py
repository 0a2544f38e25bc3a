"""The Panel app: one simulation per browser session, stepped in a periodic callback.

Each session builds its own `Dashboard` (widgets, plots, simulation). A tick
steps both worlds in a worker thread for at most `BUDGET_S` seconds, then
streams the new rows into the plots (``ColumnDataSource.stream``), so a busy
session never holds the server's event loop and others stay responsive.

Stepping in a worker thread races with the buttons: a Pause or Reset can come
while a step is in flight. Each pause, reset, reload or close starts a new
*epoch* and cancels the work of the old one (it stops between steps); work that
ends in an epoch other than the one it began in streams nothing. Rows a
cancelled step added to a paused simulation are streamed, in order, by the next
Step or Run. A reset replaces the plots' data with the new simulation's rows in
one assignment and never streams in the same callback: Panel may serialise the
callback's events after it returns, and an assignment followed by a stream of
the same rows would then reach the page twice.
Assets are served by the server itself (Panel's BootstrapTemplate): the page
makes no request to another host.
"""

from __future__ import annotations

import asyncio
import io
import math
import threading
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

import panel as pn
from bokeh.models import ColumnDataSource, CustomJS, NumeralTickFormatter
from bokeh.plotting import figure

from scslab.dashboard.levers import (
    Lever,
    apply_levers,
    current_value,
    levers_for,
    measures_for,
    slider_range,
    switched_off,
)
from scslab.dashboard.simulation import Simulation
from scslab.errors import ScslabError
from scslab.report.words import Words

#: Milliseconds between ticks of a running simulation.
TICK_MS = 100
#: Seconds of stepping per tick at most (a step that takes longer still completes).
BUDGET_S = 0.12
#: Worker threads shared by all sessions for stepping.
EXECUTOR = ThreadPoolExecutor(max_workers=4, thread_name_prefix="scslab-step")

#: Plots and pictures sit two to a row on a wide screen, one on a phone.
FLEX = {"flex": "1 1 420px", "min-width": "280px"}

WITH = "#b2182b"
WITHOUT = "#4d4d4d"

#: Below this width (Bootstrap's "md") the page is laid out for a phone.
PHONE_MAX_PX = 767.98
#: On a phone the sidebar (scenario, buttons, levers) is a drawer over the page,
#: folded away until the menu button opens it, and the plots take the whole width.
PHONE_CSS = f"""
@media (max-width: {PHONE_MAX_PX}px) {{
  #content {{ position: relative; flex-wrap: nowrap; }}
  #sidebar {{
    position: absolute; top: 0; left: 0; bottom: 0; z-index: 1000;
    background: var(--bs-body-bg, #fff); box-shadow: 0 4px 12px rgba(0, 0, 0, 0.25);
  }}
  #main {{ width: 100%; max-width: 100%; flex: 1 1 100%; padding: 8px; }}
}}
"""


#: Run once when the page is ready: on a phone-wide screen, fold the sidebar away.
FOLD_ON_PHONES_JS = f"""
if (window.matchMedia('(max-width: {PHONE_MAX_PX}px)').matches) {{
  const bar = document.getElementById('sidebar');
  const button = document.getElementById('sidebar-toggle');
  if (bar) {{ bar.classList.remove('show'); }}
  if (button) {{
    button.classList.add('collapsed');
    button.setAttribute('aria-expanded', 'false');
  }}
}}
"""


def scenario_sources(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Scenario label -> source (a preset name or a YAML path): the presets, then `extra`."""
    from scslab.scenario import list_presets

    out = {f"{p.name} ({p.model})": p.name for p in list_presets()}
    out.update(extra or {})
    return out


#: The scenario shown first when none is named: the whole system, when installed.
DEFAULT_PRESET = "full-regime"


def default_label(sources: Mapping[str, str]) -> str:
    """The label of `DEFAULT_PRESET` if offered, else the first scenario."""
    for label, source in sources.items():
        if source == DEFAULT_PRESET:
            return label
    return next(iter(sources))


def _decimals(step: float) -> int:
    return max(0, -math.floor(math.log10(step))) if step > 0 else 2


class Dashboard:
    """The widgets, plots and simulation of one browser session."""

    def __init__(self, sources: Mapping[str, str], initial: str | None = None) -> None:
        if not sources:
            raise ScslabError("no scenario to show: no preset is installed and none was given")
        self.sources = dict(sources)
        self.sim: Simulation | None = None
        self.scenario: Any = None
        self.base_data: dict[str, Any] = {}
        self.values: dict[str, Any] = {}
        self.widgets: dict[str, Any] = {}
        self.running = False
        self.closed = False
        #: Rows of `sim` streamed to the page so far, and the step of the last of them.
        self.pushed = 0
        self.shown_step = 0
        #: Bumped by every pause, reset, reload and close; see the module's docstring.
        self.epoch = 0
        self._cancel = threading.Event()
        self._ticking: int | None = None  # the epoch of the tick whose step is in flight
        self._reverting = False
        self._callback: Any = None

        self.preset = pn.widgets.Select(
            name="Scenario",
            options=list(self.sources),
            value=initial or default_label(self.sources),
        )
        self.run_button = pn.widgets.Button(name="Run", button_type="primary", width=80)
        self.step_button = pn.widgets.Button(name="Step", width=80)
        self.reset_button = pn.widgets.Button(name="Reset", width=80)
        self.speed = pn.widgets.IntSlider(name="Steps per second", start=1, end=200, value=40)
        self.status = pn.pane.Markdown("", css_classes=["scslab-status"], margin=(0, 10))
        self.error = pn.pane.Alert(
            "", alert_type="danger", visible=False, css_classes=["scslab-error"]
        )
        self.lever_box = pn.Column(sizing_mode="stretch_width")
        self.download = pn.widgets.FileDownload(
            callback=self._export,
            filename="scenario.yaml",
            label="Export scenario YAML",
            button_type="success",
            sizing_mode="stretch_width",
        )
        self.note = pn.pane.Markdown("", margin=(0, 10))
        self.plots = pn.FlexBox(sizing_mode="stretch_width")
        self.source = ColumnDataSource(data={"step": []}, name="series")
        self.picture_sources = {
            key: ColumnDataSource(data={"x": [], "y": []}, name=f"picture-{key}")
            for key in ("with", "base")
        }
        self._layout: tuple[Any, ...] | None = None
        self.measures: list[str] = []
        self.pictures = pn.FlexBox(sizing_mode="stretch_width")

        self.preset.param.watch(lambda e: self.load(e.new), "value")
        self.run_button.on_click(self._toggle)
        self.step_button.on_click(self._step_once)
        self.reset_button.on_click(lambda e: self.reset())
        self.load(self.preset.value)

    # ------------------------------------------------------------------ layout
    def sidebar(self) -> list[Any]:
        return [
            self.preset,
            pn.Row(self.run_button, self.step_button, self.reset_button),
            self.speed,
            self.status,
            self.error,
            pn.pane.Markdown("### Levers", margin=(0, 10)),
            self.lever_box,
            self.download,
        ]

    def main(self) -> list[Any]:
        return [self.note, self.plots, self.pictures]

    # ------------------------------------------------------------------ scenario
    def load(self, label: str) -> None:
        """Load scenario `label` and build its levers; the simulation restarts."""
        from scslab.scenario import load_scenario

        self._set_running(False)
        try:
            scenario = load_scenario(self.sources[label])
        except ScslabError as exc:
            self._show_error(str(exc))
            return
        self.base_data = scenario.to_dict()
        self.scenario = scenario
        self.values = {}
        self._build_levers()
        self._hide_error()
        self.reset()

    def _build_levers(self) -> None:
        model = self.scenario.model
        self.widgets = {}
        items: list[Any] = []
        for lever in levers_for(model, self.base_data):
            widget = self._lever_widget(model, lever)
            if widget is None:
                continue
            self.widgets[lever.path] = widget
            items.append(widget)
        if not items:
            items.append(pn.pane.Markdown("This model has no levers in the dashboard yet."))
        self.lever_box.objects = items

    def _lever_widget(self, model: str, lever: Lever) -> Any:
        value = current_value(self.base_data, lever)
        if value is None:
            return None
        start, end, integer = slider_range(model, lever, self.base_data)
        off = switched_off(self.base_data, lever)
        name = lever.label + (" (mechanism off in this scenario)" if off else "")
        common = {
            "name": name,
            "start": start,
            "end": end,
            "disabled": off,
            "sizing_mode": "stretch_width",
        }
        if integer:
            widget = pn.widgets.EditableIntSlider(value=int(value), step=1, **common)
        else:
            step = (end - start) / 100 if end > start else 0.01
            digits = _decimals(step) + 1
            widget = pn.widgets.EditableFloatSlider(
                value=float(value), step=step, format=f"0.[{'0' * digits}]", **common
            )
        widget.css_classes = ["scslab-lever"]
        widget.param.watch(lambda e, lv=lever, w=widget: self._on_lever(lv, w, e), "value")
        widget._scslab_range = (start, end)  # type: ignore[attr-defined]
        return widget

    def _on_lever(self, lever: Lever, widget: Any, event: Any) -> None:
        if self._reverting:
            return
        values = {**self.values, lever.path: event.new}
        try:
            scenario = apply_levers(self.base_data, values, self.scenario.model)
        except ScslabError as exc:
            self._show_error(str(exc))
            self._revert(widget, event.old)
            return
        self._hide_error()
        self.values = values
        self.scenario = scenario
        self.reset(keep_running=True)

    def _revert(self, widget: Any, old: Any) -> None:
        self._reverting = True
        try:
            start, end = widget._scslab_range
            widget.param.update(value=old, start=start, end=end)
        finally:
            self._reverting = False

    def _show_error(self, text: str) -> None:
        self.error.object = text
        self.error.visible = True

    def _hide_error(self) -> None:
        self.error.object = ""
        self.error.visible = False

    def _export(self) -> io.StringIO:
        from scslab.scenario.yamlio import dump_yaml

        data = self.scenario.to_dict()
        changed = ", ".join(f"{k}={v}" for k, v in self.values.items()) or "none"
        head = (
            f"# Exported from the scslab dashboard. Run it with: scslab run FILE --out DIR\n"
            f"# Levers changed from {self.base_data.get('name')!r}: {changed}\n"
        )
        self.download.filename = f"{data.get('name', 'scenario')}.yaml"
        return io.StringIO(head + dump_yaml(data))

    # ------------------------------------------------------------------ simulation
    def reset(self, keep_running: bool = False) -> None:
        """Start the simulation again from step 0 with the current settings."""
        was_running = self.running and keep_running
        self._set_running(False)
        self._new_epoch()
        self.sim = Simulation(self.scenario)
        self._build_plots()
        self._push()
        if was_running:
            self._set_running(True)

    def _new_epoch(self) -> None:
        """Supersede the stepping in flight: it stops between steps and streams nothing."""
        self.epoch += 1
        self._cancel.set()
        self._cancel = threading.Event()

    def _columns(self, start: int, stop: int) -> dict[str, list[float]]:
        """The plots' columns for rows `start` to `stop` of the simulation."""
        sim = self.sim
        assert sim is not None
        rows = sim.rows[start:stop]
        data: dict[str, list[float]] = {"step": [r["step"] for r in rows]}
        base = sim.base_rows[start:stop] if sim.base is not None else []
        for n in self.measures:
            data[n] = [r.get(n, math.nan) for r in rows]
            if sim.base is not None:
                data[f"{n}__base"] = [r.get(n, math.nan) for r in base]
        return data

    def _build_plots(self) -> None:
        sim = self.sim
        assert sim is not None
        names = measures_for(self.scenario.model, sim.metric_names())
        self.measures = names
        # One source per session, kept across resets (the page finds it by its name).
        # Its data is replaced by the rows so far in one assignment (see the module's
        # docstring); `_push` streams only rows after these.
        self.pushed = len(sim.rows)
        self.shown_step = int(sim.rows[self.pushed - 1]["step"])
        self.source.data = self._columns(0, self.pushed)
        pictures = {
            key: sim.picture(base=key == "base")
            for key in ("with", "base")
            if key == "with" or sim.base is not None
        }
        pictures = {k: v for k, v in pictures.items() if v is not None}
        for key, pic in pictures.items():
            self.picture_sources[key].data = self._picture_data(pic)
        layout = (self.scenario.model, tuple(names), sim.base is not None, tuple(pictures))
        if layout != self._layout:
            self._layout = layout
            self._draw(names, sim.base is not None, list(pictures))
        if sim.base is None:
            self.note.object = (
                f"**{self.scenario.name}** (model {self.scenario.model}): this model has no "
                "counterfactual, so one world runs."
            )
        else:
            self.note.object = (
                f"**{self.scenario.name}** (model {self.scenario.model}): solid lines with the "
                "system, dashed without it: the same society on the same random numbers."
            )

    def _draw(self, names: list[str], with_base: bool, pictures: list[str]) -> None:
        """Build the plots and pictures for these measures (on the session's sources)."""
        words = Words.of(self.scenario.model)
        panes = []
        for n in names:
            fig = figure(
                height=230,
                sizing_mode="stretch_width",
                title=words.short_label(n),
                x_axis_label="step",
                tools="pan,wheel_zoom,box_zoom,reset,save",
                name=f"plot-{n}",
            )
            fig.line(
                "step",
                n,
                source=self.source,
                color=WITH,
                line_width=2,
                legend_label="with the system" if with_base else n,
            )
            if with_base:
                fig.line(
                    "step",
                    f"{n}__base",
                    source=self.source,
                    color=WITHOUT,
                    line_width=2,
                    line_dash="dashed",
                    legend_label="without (same random numbers)",
                )
            if words.is_share(n):
                fig.yaxis.formatter = NumeralTickFormatter(format="0.[000]%")
            fig.legend.location = "top_left"
            fig.legend.label_text_font_size = "9pt"
            fig.legend.background_fill_alpha = 0.6
            fig.toolbar.logo = None
            panes.append(pn.pane.Bokeh(fig, sizing_mode="stretch_width", margin=5, styles=FLEX))
        self.plots.objects = panes
        pics = []
        titles = {
            "with": "with the system",
            "base": "without the system (same people, same random numbers)",
        }
        for key in pictures:
            src = self.picture_sources[key]
            title = titles[key]
            fig = figure(
                height=320,
                sizing_mode="stretch_width",
                title=f"A sample of people, {title}",
                tools="",
                match_aspect=True,
                name=f"picture-plot-{key}",
            )
            fig.scatter("x", "y", color="color", legend_field="label", size="size", source=src)
            fig.xaxis.visible = fig.yaxis.visible = False
            fig.grid.visible = False
            fig.toolbar.logo = None
            fig.legend.orientation = "horizontal"
            fig.legend.location = "top_left"
            pics.append(pn.pane.Bokeh(fig, sizing_mode="stretch_width", margin=5, styles=FLEX))
        self.pictures.objects = pics

    @staticmethod
    def _picture_data(pic: Mapping[str, Any]) -> dict[str, list[Any]]:
        colors = pic["colors"]
        labels = list(pic["state"])
        first = next(iter(colors))  # the unremarkable state (quiet, free) is drawn smaller
        return {
            "x": list(map(float, pic["x"])),
            "y": list(map(float, pic["y"])),
            "state": labels,
            "label": [pic["labels"][s] for s in labels],
            "color": [colors[s] for s in labels],
            "size": [4 if s == first else 8 for s in labels],
        }

    def _push(self) -> None:
        """Stream the rows not yet shown; refresh the pictures and the status line."""
        sim = self.sim
        if sim is None or self.closed:
            return
        # A cancelled step may still be adding rows in a worker thread: take those
        # there are now (each row's counterfactual row is added before it).
        stop = len(sim.rows)
        if stop > self.pushed:
            self.source.stream(self._columns(self.pushed, stop))
            self.shown_step = int(sim.rows[stop - 1]["step"])
            self.pushed = stop
        for key, src in self.picture_sources.items():
            pic = sim.picture(base=key == "base")
            if pic is not None:
                src.data = self._picture_data(pic)
        finished = self.shown_step >= sim.steps
        state = "running" if self.running else ("finished" if finished else "paused")
        self.status.object = f"step **{self.shown_step}** of {sim.steps} ({state})"

    def _set_running(self, on: bool) -> None:
        if self.running and not on:
            self._new_epoch()  # a pause: the step in flight stops and streams nothing
        self.running = on
        self.run_button.name = "Pause" if on else "Run"
        if on and self._callback is None and pn.state.curdoc is not None:
            self._callback = pn.state.add_periodic_callback(self._tick, period=TICK_MS)
        elif not on and self._callback is not None:
            self._callback.stop()
            self._callback = None

    def _toggle(self, event: Any = None) -> None:
        if self.sim is not None and self.sim.done and not self.running:
            return
        self._set_running(not self.running)
        if self.sim is not None:
            self._push()

    async def _advance(self, steps: int, tick: bool = False) -> None:
        """Step `steps` times in a worker thread, then stream, unless superseded meanwhile.

        A tick while the previous tick's step is in flight does nothing (the
        server is behind); a Step waits for the work in flight on the simulation.
        """
        sim, epoch, cancel = self.sim, self.epoch, self._cancel
        if sim is None or self.closed or (tick and self._ticking == epoch):
            return
        if tick:
            self._ticking = epoch
        try:
            await asyncio.wrap_future(EXECUTOR.submit(sim.advance, steps, BUDGET_S, cancel))
        finally:
            if tick and self._ticking == epoch:
                self._ticking = None
        if epoch != self.epoch or sim is not self.sim or self.closed:
            return  # paused, reset, reloaded or closed meanwhile: stream nothing now
        if sim.done:
            self._set_running(False)
        self._push()

    async def _tick(self) -> None:
        if not self.running:
            return
        if not _connected():
            self._set_running(False)  # the browser went away: stop until someone presses Run
            return
        await self._advance(max(1, round(self.speed.value * TICK_MS / 1000)), tick=True)

    def _step_once(self, event: Any = None) -> None:
        if self.running:
            self._set_running(False)
        doc = pn.state.curdoc
        if doc is not None and doc.session_context is not None:
            # A session callback holds the document lock, also after its await.
            doc.add_next_tick_callback(partial(self._advance, 1))
        elif self.sim is not None:
            self.sim.advance(1)
            self._push()

    def close(self, *args: Any) -> None:
        """The browser went away: stop stepping and drop the simulation."""
        self.closed = True
        self._set_running(False)
        self._new_epoch()
        self.sim = None


def _connected() -> bool:
    """Whether the current session still has a browser connected (True when unknown)."""
    doc = pn.state.curdoc
    ctx = getattr(doc, "session_context", None)
    session = getattr(ctx, "_session", None)
    count = getattr(session, "connection_count", None)
    return count is None or count > 0


def create_app(sources: Mapping[str, str] | None = None, initial: str | None = None) -> Any:
    """Build one session's page (called by the server for each browser session)."""
    board = Dashboard(sources or scenario_sources(), initial)
    pn.state.on_session_destroyed(board.close)
    template = pn.template.BootstrapTemplate(
        title="scslab: see what the system does",
        sidebar=board.sidebar(),
        main=board.main(),
        sidebar_width=360,
        header_background="#7a1f2b",
        raw_css=[PHONE_CSS],
    )
    doc = pn.state.curdoc
    if doc is not None:
        doc.js_on_event("document_ready", CustomJS(code=FOLD_ON_PHONES_JS))
    template._scslab_board = board  # type: ignore[attr-defined]
    return template
