//! The board: one column per CPU (its lane, the TLBIs it issued that are still
//! in flight, its TLB and counters), and over the columns an SVG arrow for each
//! TLBI in flight, from its issuer to every CPU it has not reached, ending on the
//! entries it will remove. On x86 and riscv a CPU's flush IPI that some CPU has
//! not taken yet is a chip in the sender's column, with a "Take IPI" button and
//! an arrow to each CPU that still owes the handler (`Machine::ipi_of`). Every fact is sim-core's: the machine's in-flight
//! TLBIs and [`sim_core::Machine::tlbis_removing`], the last step's effects (a
//! delivery, a DSB) and its narrative. The arrows' ends are measured from the
//! DOM after each render and whenever the columns change size, relative to the
//! columns themselves, so they stay right on resize and on sideways scroll.

use sim_core::machine::{FlushRange, InFlightTlbi, Machine, TlbiTarget};
use sim_core::{CpuId, Effect, Event, History, Scenario, TlbiRef};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::Element;
use yew::prelude::*;

use crate::components::narrative::StepSentence;
use crate::components::timeline::Lane;
use crate::components::tlb_table::TlbTable;

/// Props of the board.
#[derive(Properties, PartialEq)]
pub struct BoardProps {
    /// What is shown: the scenario, its kernel, the steps and the cursor.
    pub history: History,
    /// Applies an event (a step, a delivery).
    pub on_event: Callback<Event>,
}

/// A TLBI in flight, as the board names it: `tlbi vale1is P` or `tlbi aside1is ASID 1`.
pub fn tlbi_name(scenario: &Scenario, target: TlbiTarget) -> String {
    match target {
        TlbiTarget::Va { page, .. } => format!("tlbi vale1is {}", scenario.page_name(page)),
        TlbiTarget::Asid { asid } => format!("tlbi aside1is ASID {asid}"),
    }
}

/// A flush IPI as the board names it: `flush IPI (whole mm)` or `flush IPI (P)`.
pub fn ipi_name(scenario: &Scenario, range: FlushRange) -> String {
    match range {
        FlushRange::All => "flush IPI (whole mm)".to_string(),
        FlushRange::Pages { pages } => format!(
            "flush IPI ({})",
            pages
                .iter()
                .map(|p| scenario.page_name(p).to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// The in-flight TLBIs with the name the event text form gives them.
pub fn in_flight(machine: &Machine) -> Vec<(TlbiRef, InFlightTlbi)> {
    let mut seen = [0u8; sim_core::scenario::MAX_CPUS];
    machine
        .tlbis
        .iter()
        .map(|t| {
            let nth = seen[t.issuer.index()];
            seen[t.issuer.index()] += 1;
            (
                TlbiRef {
                    issuer: t.issuer,
                    nth,
                },
                *t,
            )
        })
        .collect()
}

/// The DSB the last step executed, if any: (the CPU, how many of its TLBIs it
/// completed).
fn last_dsb(effects: &[Effect]) -> Option<(CpuId, u8)> {
    effects.iter().find_map(|e| match *e {
        Effect::Dsb { cpu, completed, .. } => Some((cpu, completed)),
        _ => None,
    })
}

/// What an arrow is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum ArrowKind {
    /// A TLBI still on its way to a CPU.
    InFlight,
    /// A TLBI that the last step just issued (drawn in).
    Issued,
    /// A TLBI the last step delivered (lands, then fades).
    Landing,
}

/// One arrow to draw: between two measured anchors.
#[derive(Clone, PartialEq)]
struct ArrowSpec {
    key: String,
    from: String,
    to: String,
    kind: ArrowKind,
    /// Words for the arrow's target TLB (a delivery that reached nothing to
    /// remove, a handler that ran), shown in its caption.
    note: Option<String>,
    /// The arrow's accessible name.
    name: String,
}

/// The arrows the machine and the last step call for.
fn arrows(history: &History) -> Vec<ArrowSpec> {
    let scenario = history.model().scenario();
    let machine = history.current();
    let effects: &[Effect] = history.last().map(|s| s.effects.as_slice()).unwrap_or(&[]);
    let step = history.cursor();
    let issued_now: Vec<CpuId> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::TlbiIssue { cpu, .. } => Some(*cpu),
            _ => None,
        })
        .collect();
    let mut out = Vec::new();
    for (tlbi, t) in in_flight(machine) {
        let what = tlbi_name(scenario, t.target);
        let kind = if issued_now.contains(&t.issuer) {
            ArrowKind::Issued
        } else {
            ArrowKind::InFlight
        };
        // A DSB on another CPU that did not complete this TLBI says so at the
        // arrow's start, in the chip (Issued): over the columns, the words
        // covered the headings the arrow passes.
        for to in t.pending.iter() {
            let entries: Vec<_> = machine.cpus[to.index()]
                .tlb
                .entries
                .iter()
                .filter(|e| {
                    machine
                        .tlbis_removing(to, e)
                        .contains(&(tlbi.issuer, tlbi.nth))
                })
                .collect();
            let base = format!("{}-{}-{}", tlbi.issuer.0, tlbi.nth, to.0);
            if entries.is_empty() {
                out.push(ArrowSpec {
                    key: format!("f{base}"),
                    from: format!("tlbi-{}-{}", tlbi.issuer.0, tlbi.nth),
                    to: format!("tlb-{}", to.0),
                    kind,
                    note: None,
                    name: format!(
                        "{what} from {}, in flight to {to}: no entry there to remove",
                        t.issuer
                    ),
                });
            }
            for e in entries {
                let page = scenario.page_name(e.page);
                out.push(ArrowSpec {
                    key: format!("f{base}-{page}"),
                    from: format!("tlbi-{}-{}", tlbi.issuer.0, tlbi.nth),
                    to: format!("entry-{}-{}", to.0, e.page.0),
                    kind,
                    note: None,
                    name: format!(
                        "{what} from {}, in flight to {to}: will remove {to}'s entry for {page}",
                        t.issuer
                    ),
                });
            }
        }
    }
    let sent_now: Vec<CpuId> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::IpiSend { cpu, .. } => Some(*cpu),
            _ => None,
        })
        .collect();
    for ipi in &machine.ipis {
        let what = ipi_name(scenario, ipi.range);
        let kind = if sent_now.contains(&ipi.sender) {
            ArrowKind::Issued
        } else {
            ArrowKind::InFlight
        };
        for to in ipi.pending.iter() {
            out.push(ArrowSpec {
                key: format!("i{}-{}", ipi.sender.0, to.0),
                from: format!("ipi-{}", ipi.sender.0),
                to: format!("tlb-{}", to.0),
                kind,
                note: None,
                name: format!(
                    "{what} from {}, not yet taken by {to}: {} waits for it",
                    ipi.sender, ipi.sender
                ),
            });
        }
    }
    for e in effects {
        let Effect::IpiHandled { from, cpu, range } = *e else {
            continue;
        };
        let what = ipi_name(scenario, range);
        out.push(ArrowSpec {
            key: format!("l{step}-i{}-{}", from.0, cpu.0),
            from: format!("strip-{}", from.0),
            to: format!("tlb-{}", cpu.0),
            kind: ArrowKind::Landing,
            note: Some("handler ran".into()),
            name: format!("{what} from {from} taken by {cpu}: its handler flushed {cpu}'s TLB"),
        });
    }
    for e in effects {
        let Effect::TlbiDeliver { issuer, to, target } = *e else {
            continue;
        };
        let what = tlbi_name(scenario, target);
        let removed: Vec<_> = effects
            .iter()
            .filter_map(|x| match x {
                Effect::TlbInvalidate {
                    cpu,
                    entry,
                    issuer: by,
                } if *cpu == to && *by == issuer && target.matches(entry) => Some(*entry),
                _ => None,
            })
            .collect();
        let base = format!("l{step}-{}-{}", issuer.0, to.0);
        if removed.is_empty() {
            out.push(ArrowSpec {
                key: base.clone(),
                from: format!("strip-{}", issuer.0),
                to: format!("tlb-{}", to.0),
                kind: ArrowKind::Landing,
                note: Some("nothing to remove".into()),
                name: format!("{what} from {issuer} reached {to}: nothing to remove"),
            });
        }
        for entry in removed {
            let page = scenario.page_name(entry.page);
            out.push(ArrowSpec {
                key: format!("{base}-{page}"),
                from: format!("strip-{}", issuer.0),
                to: format!("gone-{}-{}", to.0, entry.page.0),
                kind: ArrowKind::Landing,
                note: None,
                name: format!("{what} from {issuer} reached {to} and removed its entry for {page}"),
            });
        }
    }
    out
}

/// A measured box, relative to the columns' top left corner, in CSS pixels.
#[derive(Clone, Copy, PartialEq, Debug)]
struct Rect {
    left: f64,
    top: f64,
    right: f64,
    bottom: f64,
}

impl Rect {
    fn cy(&self) -> f64 {
        (self.top + self.bottom) / 2.0
    }
    fn cx(&self) -> f64 {
        (self.left + self.right) / 2.0
    }
}

/// Every anchor's box, and the columns' size.
#[derive(Clone, PartialEq, Default, Debug)]
struct Layout {
    width: f64,
    height: f64,
    anchors: Vec<(String, Rect)>,
}

impl Layout {
    fn get(&self, name: &str) -> Option<Rect> {
        self.anchors
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, r)| *r)
    }
}

/// Half-pixel rounding: layout jitter below that must not re-render.
fn round(x: f64) -> f64 {
    (x * 2.0).round() / 2.0
}

/// Reads every `[data-anchor]` box under `root`, relative to `root`.
fn measure(root: &Element) -> Layout {
    let origin = root.get_bounding_client_rect();
    let mut anchors = Vec::new();
    if let Ok(list) = root.query_selector_all("[data-anchor]") {
        for i in 0..list.length() {
            let Some(el) = list.item(i).and_then(|n| n.dyn_into::<Element>().ok()) else {
                continue;
            };
            let Some(name) = el.get_attribute("data-anchor") else {
                continue;
            };
            let r = el.get_bounding_client_rect();
            anchors.push((
                name,
                Rect {
                    left: round(r.left() - origin.left()),
                    top: round(r.top() - origin.top()),
                    right: round(r.right() - origin.left()),
                    bottom: round(r.bottom() - origin.top()),
                },
            ));
        }
    }
    // The drawing covers the anchors (and overflows visibly for the loops).
    // Not the root's own size: the SVG is inside it, and sized from it a
    // drawing could grow the root it is sized from.
    let width = anchors.iter().map(|(_, r)| r.right).fold(0.0, f64::max);
    let height = anchors.iter().map(|(_, r)| r.bottom).fold(0.0, f64::max);
    Layout {
        width,
        height,
        anchors,
    }
}

/// The path of an arrow from `f` to `t`: sideways between columns, or a loop
/// on the left within one column.
fn path(f: Rect, t: Rect) -> String {
    let (sx, sy, ex, ey, c1x, c2x);
    if t.cx() > f.right {
        (sx, sy, ex, ey) = (f.right, f.cy(), t.left - 4.0, t.cy());
        let dx = (ex - sx).max(40.0) / 2.0;
        (c1x, c2x) = (sx + dx, ex - dx);
    } else if t.cx() < f.left {
        (sx, sy, ex, ey) = (f.left, f.cy(), t.right + 4.0, t.cy());
        let dx = (sx - ex).max(40.0) / 2.0;
        (c1x, c2x) = (sx - dx, ex + dx);
    } else {
        (sx, sy, ex, ey) = (f.left, f.cy(), t.left - 4.0, t.cy());
        // The loop stays inside the columns' left padding: beyond it the board's
        // scroll box clips it (a phone's padding is narrower than 28 px).
        let x = (sx.min(ex) - 28.0).max(2.0);
        (c1x, c2x) = (x, x);
    }
    // Whole pixels, formatted as integers: float formatting costs about 10 KB
    // of wasm, and a drawing over CSS pixels needs no finer grain.
    let [sx, sy, ex, ey, c1x, c2x] = [sx, sy, ex, ey, c1x, c2x].map(|v| v.round() as i32);
    format!("M{sx} {sy} C{c1x} {sy} {c2x} {ey} {ex} {ey}")
}

/// The words of the arrows ending on `cpu`'s TLB (its caption, not an arrow's
/// middle: a loop within one column put them over the chip's Deliver buttons
/// and out of the board, and text in the drawing cannot wrap in a narrow one).
fn caption_note(specs: &[ArrowSpec], cpu: CpuId) -> Option<AttrValue> {
    let target = format!("tlb-{}", cpu.0);
    let notes: Vec<&str> = specs
        .iter()
        .filter(|a| a.to == target)
        .filter_map(|a| a.note.as_deref())
        .collect();
    (!notes.is_empty()).then(|| AttrValue::from(notes.join("; ")))
}

/// The arrows, drawn over the columns.
fn draw(specs: &[ArrowSpec], layout: &Layout) -> Html {
    let drawn = specs.iter().filter_map(|a| {
        let (f, t) = (layout.get(&a.from)?, layout.get(&a.to)?);
        let d = path(f, t);
        let class = match a.kind {
            ArrowKind::InFlight => "arrow in-flight",
            ArrowKind::Issued => "arrow in-flight issued",
            ArrowKind::Landing => "arrow landing",
        };
        Some(html! {
            <g key={a.key.clone()} class={class} role="img" aria-label={a.name.clone()}>
                <path class="shaft" d={d} pathLength="1" marker-end="url(#tlbi-head)" />
            </g>
        })
    });
    let (w, h) = (layout.width.ceil() as i32, layout.height.ceil() as i32);
    html! {
        <svg class="arrows" width={w.to_string()} height={h.to_string()}
            viewBox={format!("0 0 {w} {h}")}>
            <defs>
                <marker id="tlbi-head" viewBox="0 0 10 10" refX="8" refY="5" markerWidth="4.5" markerHeight="4.5" orient="auto-start-reverse">
                    <path d="M0 0 L10 5 L0 10 z" class="head" />
                </marker>
            </defs>
            { for drawn }
        </svg>
    }
}

/// Props of the TLBIs a CPU issued that are still in flight.
#[derive(Properties, PartialEq)]
pub struct IssuedProps {
    /// What is shown.
    pub history: History,
    /// The issuing CPU.
    pub cpu: CpuId,
    /// Applies a delivery.
    pub on_event: Callback<Event>,
}

/// The TLBIs `cpu` issued that are still in flight, each with a Deliver button
/// per CPU it has not reached (the model's enabled deliveries), and what the
/// last step's DSB on this CPU completed.
#[component]
pub fn Issued(props: &IssuedProps) -> Html {
    let history = &props.history;
    let scenario = history.model().scenario();
    let machine = history.current();
    let cpu = props.cpu;
    let effects: &[Effect] = history.last().map(|s| s.effects.as_slice()).unwrap_or(&[]);
    let enabled = history.model().enabled_events(machine);
    // The last step's DSB, if it ran on another CPU: it completed none of these.
    let other_dsb = last_dsb(effects).map(|(c, _)| c).filter(|c| *c != cpu);
    let chips = in_flight(machine)
        .into_iter()
        .filter(|(r, _)| r.issuer == cpu)
        .map(|(tlbi, t)| {
            let what = tlbi_name(scenario, t.target);
            let buttons = t.pending.iter().map(|to| {
                let event = Event::Deliver { tlbi, to };
                let on_event = props.on_event.clone();
                html! {
                    <button class="deliver" data-steady="" key={to.0} disabled={!enabled.contains(&event)}
                        onclick={Callback::from(move |_| on_event.emit(event))}
                        title={format!("Let this TLBI reach {to}'s TLB now (event {event})")}>
                        <span class="verb">{ "Deliver to " }</span>{ to.to_string() }
                    </button>
                }
            });
            let pending = t
                .pending
                .iter()
                .map(|c| c.to_string())
                .collect::<Vec<_>>()
                .join(", ");
            html! {
                <li class="chip" key={format!("{}-{}", tlbi.issuer.0, tlbi.nth)}
                    data-anchor={format!("tlbi-{}-{}", tlbi.issuer.0, tlbi.nth)} data-evidence="tlbi">
                    <div class="chip-body" role="group" aria-label={format!("{what} from {cpu}")}>
                        <span class="what"><strong>{ what }</strong><span class="in-flight">{ " in flight" }</span></span>
                        <span class="visually-hidden">{ format!(", not yet at {pending}") }</span>
                        if let Some(d) = other_dsb {
                            <span class="visually-hidden">{ ". " }</span>
                            <span class="dsb-miss">{ format!("{d}'s DSB does not complete this") }</span>
                        }
                        <span class="buttons">{ for buttons }</span>
                    </div>
                </li>
            }
        })
        .collect::<Vec<_>>();
    let ipi = machine.ipi_of(cpu).map(|ipi| {
        let what = ipi_name(scenario, ipi.range);
        let buttons = ipi.pending.iter().map(|to| {
            let event = Event::Ipi { from: cpu, to };
            let on_event = props.on_event.clone();
            html! {
                <button class="deliver take-ipi" data-steady="" key={to.0} disabled={!enabled.contains(&event)}
                    onclick={Callback::from(move |_| on_event.emit(event))}
                    aria-keyshortcuts="i"
                    title={format!("{to} takes the IPI and runs the flush handler on its own TLB (event {event})")}>
                    <span class="verb">{ "Take IPI on " }</span>{ to.to_string() }
                </button>
            }
        });
        let owed = ipi
            .pending
            .iter()
            .map(|c| c.to_string())
            .collect::<Vec<_>>()
            .join(", ");
        html! {
            <li class="chip ipi" key="ipi" data-anchor={format!("ipi-{}", cpu.0)} data-evidence="ipi">
                <div class="chip-body" role="group" aria-label={format!("{what} from {cpu}")}>
                    <span class="what"><strong>{ what }</strong><span class="in-flight">{
                        if owed.is_empty() {
                            format!(" taken by every CPU: {cpu}'s next step finishes the call")
                        } else {
                            format!(" not yet taken by {owed}")
                        }
                    }</span></span>
                    <span class="buttons">{ for buttons }</span>
                </div>
            </li>
        }
    });
    let dsb = last_dsb(effects).filter(|(c, _)| *c == cpu).map(|(_, completed)| {
        let what = match completed {
            0 => "none in flight".to_string(),
            1 => "1, now at every CPU".to_string(),
            n => format!("{n}, now at every CPU"),
        };
        let others = machine.tlbis.iter().filter(|t| t.issuer != cpu).count();
        html! {
            <p class="dsb-note" key={format!("dsb-{}", history.cursor())}>
                <strong>{ format!("dsb(ish) on {cpu}") }</strong>
                { format!(" completes {cpu}'s TLBIs: {what}") }
                if others > 0 {
                    { format!("; it cannot complete the {others} TLBI{} other CPUs issued", if others == 1 { "" } else { "s" }) }
                }
            </p>
        }
    });
    html! {
        <div class="issued" data-anchor={format!("strip-{}", cpu.0)}>
            { for dsb }
            if !chips.is_empty() {
                <ul class="chips" aria-label={format!("TLBIs in flight from {cpu}")}>{ for chips }</ul>
            }
            if ipi.is_some() {
                <ul class="chips" aria-label={format!("Flush IPIs from {cpu} not yet taken")}>{ for ipi }</ul>
            }
        </div>
    }
}

/// The columns and the arrows over them, with the last step's sentence above.
#[component]
pub fn Board(props: &BoardProps) -> Html {
    let history = &props.history;
    let cpus = history.model().scenario().cpu_count();
    let columns = use_node_ref();
    let layout = use_state(Layout::default);
    let remeasure = use_force_update();

    {
        // Measure after every render; a changed layout draws again (the second
        // measure finds the same boxes and stops there).
        let columns = columns.clone();
        let layout = layout.clone();
        use_effect(move || {
            if let Some(root) = columns.cast::<Element>() {
                let now = measure(&root);
                if now != *layout {
                    layout.set(now);
                }
            }
        });
    }
    {
        // The columns change size without a new state: the window resizes, the
        // lecture-hall mode scales the type, a font arrives.
        let columns = columns.clone();
        use_effect_with((), move |_| {
            let callback = Closure::<dyn FnMut()>::new(move || remeasure.force_update());
            let observer = web_sys::ResizeObserver::new(callback.as_ref().unchecked_ref()).ok();
            if let (Some(observer), Some(root)) = (&observer, columns.cast::<Element>()) {
                observer.observe(&root);
            }
            move || {
                if let Some(observer) = observer {
                    observer.disconnect();
                }
                drop(callback);
            }
        });
    }

    let specs = arrows(history);
    // The host is the size container the board's layout asks (CSS container
    // queries): the board is as wide as the page in the visualizer but shares
    // the page with the lesson's panel.
    html! {
        <div class="board-host">
        // `many-cpus`: three or more columns, each narrower (style.css).
        <section class={classes!("board", format!("cpus-{cpus}"), (cpus >= 3).then_some("many-cpus"))} aria-label="Board: one column per CPU">
            <StepSentence history={history.clone()} />
            <div class="board-scroll">
                <div class={classes!("columns", format!("cpus-{cpus}"))} ref={columns}>
                    { for (0..cpus).map(|c| {
                        let cpu = CpuId(c as u8);
                        html! {
                            <section class="cpu-col" key={c} aria-label={cpu.to_string()}>
                                <Lane history={history.clone()} {cpu} on_event={props.on_event.clone()} />
                                <Issued history={history.clone()} {cpu} on_event={props.on_event.clone()} />
                                <TlbTable history={history.clone()} {cpu} note={caption_note(&specs, cpu)} />
                            </section>
                        }
                    }) }
                    { draw(&specs, &layout) }
                </div>
            </div>
        </section>
        </div>
    }
}
