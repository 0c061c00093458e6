//! One CPU's TLB as a table, with its counters. Entries animate when the last
//! step filled, hit or invalidated them; stale entries carry a warning in words.

use sim_core::machine::{CpuStats, Machine, TlbEntry};
use sim_core::{CpuId, Effect, History};
use yew::prelude::*;

/// Props of a TLB table.
#[derive(Properties, PartialEq)]
pub struct TlbTableProps {
    /// What is shown.
    pub history: History,
    /// Whose TLB.
    pub cpu: CpuId,
    /// What the last step's arrows into this TLB say (board.rs: a TLBI that
    /// reached nothing to remove, a flush handler that ran), at the end of
    /// its caption.
    #[prop_or_default]
    pub note: Option<AttrValue>,
}

/// What the last step did to an entry of this TLB.
fn touched(effects: &[Effect], cpu: CpuId, entry: &TlbEntry) -> Option<&'static str> {
    effects.iter().rev().find_map(|e| match e {
        Effect::TlbFill { cpu: c, entry: e } if *c == cpu && e.page == entry.page => Some("filled"),
        Effect::TlbHit { cpu: c, entry: e } if *c == cpu && e.page == entry.page => Some("hit"),
        _ => None,
    })
}

fn hex(n: u64) -> String {
    format!("{n:#x}")
}

/// The CPU's TLB and counters.
#[component]
pub fn TlbTable(props: &TlbTableProps) -> Html {
    let cpu = props.cpu;
    let history = &props.history;
    let model = history.model();
    let scenario = model.scenario();
    let machine: &Machine = history.current();
    let step_no = history.cursor();
    let effects: &[Effect] = history.last().map(|s| s.effects.as_slice()).unwrap_or(&[]);
    let previous: &Machine = match step_no {
        0 | 1 => history.initial(),
        n => &history.steps()[n - 2].machine,
    };
    let row = |entry: &TlbEntry, class: Option<&'static str>, gone: Option<String>| {
        let page = scenario.page(entry.page);
        let stale = gone
            .is_none()
            .then(|| sim_core::facts::staleness(machine, entry))
            .flatten();
        let key = format!(
            "{}-{}-{}",
            page.name,
            class.unwrap_or("steady"),
            if class.is_some() { step_no } else { 0 }
        );
        let anchor = format!(
            "{}-{}-{}",
            if gone.is_some() { "gone" } else { "entry" },
            cpu.0,
            entry.page.0
        );
        html! {
            <tr key={key} class={classes!(class, stale.is_some().then_some("stale"), gone.is_some().then_some("gone"))}
                data-anchor={anchor} data-evidence={stale.is_some().then_some("entry")}>
                <td>{ entry.asid }</td>
                <td><span class="page-name">{ &page.name }</span>{ " " }<code>{ hex(page.address()) }</code></td>
                <td><code>{ hex(u64::from(entry.pfn)) }</code></td>
                <td>{ if entry.writable { "rw" } else { "ro" } }</td>
                <td class="note">
                    if let Some(why) = gone {
                        <span class="gone-note">{ why }</span>
                    } else if let Some(why) = stale {
                        <span class="stale-note"><span aria-hidden="true">{ "\u{26A0} " }</span>{ "stale" }<span class="why">{ format!(": {}", why.text()) }</span></span>
                    } else if let Some(c) = class {
                        <span class="touch-note">{ if c == "filled" { "filled" } else { "hit" } }</span>
                    }
                </td>
            </tr>
        }
    };
    let entries = machine.cpus[cpu.index()]
        .tlb
        .entries
        .iter()
        .rev()
        .map(|e| row(e, touched(effects, cpu, e), None));
    let ghosts = effects.iter().filter_map(|e| match e {
        Effect::TlbInvalidate {
            cpu: c,
            entry,
            issuer,
        } if *c == cpu => Some(row(
            entry,
            Some("invalidated"),
            Some(format!("invalidated by {issuer}'s TLBI")),
        )),
        Effect::TlbEvict { cpu: c, entry } if *c == cpu => Some(row(
            entry,
            Some("evicted"),
            Some("evicted (least recently used)".into()),
        )),
        _ => None,
    });
    let empty = machine.cpus[cpu.index()].tlb.entries.is_empty();
    html! {
        <section class="tlb" aria-label={format!("CPU{} TLB and counters", cpu.0)}>
            <table>
                // The anchor of arrows to a TLB without an entry they remove:
                // they point at its name, not into its header row.
                // The note floats right, so a narrow column wraps it under the
                // name; hidden from the table's name, which the arrow's says.
                // (The lecture-hall view hides the name only: the column says
                // whose TLB it is, the note still shows.)
                <caption data-anchor={format!("tlb-{}", cpu.0)}>
                    <span class="tlb-name">{ format!("{cpu} TLB") }</span>
                    if let Some(note) = props.note.clone() {
                        <span class="arrow-note" aria-hidden="true">{ note }</span>
                    }
                </caption>
                <thead>
                    <tr>
                        <th scope="col">{ "ASID" }</th>
                        <th scope="col">{ "Virtual page" }</th>
                        <th scope="col">{ "Frame" }</th>
                        <th scope="col">{ "Perm" }</th>
                        <th scope="col">{ "Note" }</th>
                    </tr>
                </thead>
                <tbody>
                    { for entries }
                    { for ghosts }
                    if empty {
                        <tr class="empty-row" key="empty"><td colspan="5">{ "empty" }</td></tr>
                    }
                </tbody>
            </table>
            <Counters stats={machine.stats[cpu.index()]} previous={previous.stats[cpu.index()]} step={step_no}
                ipis={props.history.model().arch().uses_ipis()} />
        </section>
    }
}

/// Props of the counters.
#[derive(Properties, PartialEq)]
pub struct CountersProps {
    /// The counters now.
    pub stats: CpuStats,
    /// The counters before the last step (to animate changes).
    pub previous: CpuStats,
    /// The step number (so a change re-triggers the animation).
    pub step: usize,
    /// x86 and riscv: flush IPIs sent and taken instead of TLBIs, which these
    /// architectures never broadcast.
    #[prop_or_default]
    pub ipis: bool,
}

/// Hits, misses, and TLBIs issued and received (arm64) or flush IPIs sent and
/// taken (x86, riscv).
#[component]
pub fn Counters(props: &CountersProps) -> Html {
    let item = |name: &'static str, now: u32, before: u32| {
        let changed = now != before;
        html! {
            <div class={classes!("counter", changed.then_some("changed"))}
                key={format!("{name}-{}", if changed { props.step } else { 0 })}>
                <dt>{ name }</dt>
                <dd>{ now }</dd>
            </div>
        }
    };
    let (s, p) = (props.stats, props.previous);
    html! {
        <dl class="counters">
            { item("hits", s.hits, p.hits) }
            { item("misses", s.misses, p.misses) }
            if props.ipis {
                { item("IPIs sent", s.ipis_sent, p.ipis_sent) }
                { item("IPIs taken", s.ipis_received, p.ipis_received) }
            } else {
                { item("TLBIs issued", s.tlbis_issued, p.tlbis_issued) }
                { item("TLBIs received", s.tlbis_received, p.tlbis_received) }
            }
        </dl>
    }
}
