//! The page table, memory and swap, and the kernel's batch state.

use yew::prelude::*;

use crate::view::View;

/// Props of the memory panels.
#[derive(Properties, PartialEq)]
pub struct MemoryProps {
    /// State and dispatcher.
    pub view: View,
}

fn yes_no(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

/// PTE per page (present, writable, frame), mprotect state, frame and swap contents.
#[component]
pub fn PageTable(props: &MemoryProps) -> Html {
    let state = &props.view.state;
    let scenario = state.model().scenario();
    let m = state.history.current();
    let rows = scenario.pages().iter().enumerate().map(|(i, page)| {
        let pte = m.ptes[i];
        let frame = m.frames[i];
        html! {
            <tr key={page.name.clone()} class={classes!((!pte.present).then_some("cleared"))}>
                <th scope="row">{ &page.name }{ " " }<code>{ format!("{:#x}", u64::from(page.vpn) << 12) }</code></th>
                <td>{ yes_no(pte.present) }</td>
                <td>{ if pte.present { yes_no(pte.writable) } else { "\u{2014}" } }</td>
                <td><code>{ if pte.present { format!("{:#x}", pte.pfn) } else { "\u{2014}".into() } }</code></td>
                <td>{ if m.prot_read[i] { "read-only" } else { "rw" } }</td>
                <td>{ if frame.freed { format!("{} freed", frame.data) } else { frame.data.to_string() } }</td>
                <td>{ m.swap[i].map(|d| d.to_string()).unwrap_or_else(|| "\u{2014}".into()) }</td>
            </tr>
        }
    });
    html! {
        <section class="panel page-table">
            <table>
                <caption>{ "Page table, memory and swap" }</caption>
                <thead>
                    <tr>
                        <th scope="col">{ "Page" }</th>
                        <th scope="col">{ "Present" }</th>
                        <th scope="col">{ "Writable" }</th>
                        <th scope="col">{ "Frame" }</th>
                        <th scope="col" title="what mprotect() has promised">{ "VMA" }</th>
                        <th scope="col">{ "Memory" }</th>
                        <th scope="col">{ "Swap" }</th>
                    </tr>
                </thead>
                <tbody>{ for rows }</tbody>
            </table>
        </section>
    }
}

/// `mm->tlb_flush_batched`, the reclaim batch, the PTL and the TLBIs in flight.
#[component]
pub fn BatchState(props: &MemoryProps) -> Html {
    let m = props.view.state.history.current();
    let counters = m.tlb_flush_batched;
    html! {
        <section class="panel batch" aria-labelledby="batch-title">
            <h3 id="batch-title">{ "Batch state" }</h3>
            <dl>
                <dt><code>{ "mm->tlb_flush_batched" }</code></dt>
                <dd>
                    { format!("pending {}, flushed {}", counters.pending, counters.flushed) }
                    { if counters.flush_owed() { " \u{2014} a flush is owed" } else { "" } }
                </dd>
                <dt><code>{ "tlb_ubc.flush_required" }</code></dt>
                <dd>{ yes_no(m.tlb_ubc_flush_required) }</dd>
                <dt>{ "Page-table lock" }</dt>
                <dd>{ m.ptl.map(|c| format!("held by {c}")).unwrap_or_else(|| "free".into()) }</dd>
                <dt>{ "TLBIs in flight" }</dt>
                <dd>{ m.tlbis.len() }</dd>
            </dl>
        </section>
    }
}
