//! The page table, memory and swap, and the kernel's state that the race turns
//! on: `mm->tlb_flush_batched`, each task's `tlb_ubc` and `mmu_gather`, each PTE
//! table's lock holder, and the user-space flags.

use sim_core::machine::MmapLock;
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

/// What user space was promised for a page by the calls that have returned
/// (`Machine::prot_read`, `Machine::unmapped`). Not the VMA's `vm_flags`:
/// mprotect_fixup() (mm/mprotect.c) sets those before change_protection()
/// walks the PTEs, while the promise holds only once mprotect() returns.
fn promise(m: &sim_core::Machine, page: sim_core::PageId) -> &'static str {
    if m.unmapped.contains(page) {
        "unmapped"
    } else if m.prot_read.contains(page) {
        "read-only"
    } else {
        "rw"
    }
}

/// PTE per page (present, writable, frame), what the returned calls promise,
/// frame and swap contents.
#[component]
pub fn PageTable(props: &MemoryProps) -> Html {
    let state = &props.view.state;
    let scenario = state.model().scenario();
    let m = state.history.current();
    let rows = scenario.pages().iter().enumerate().map(|(i, page)| {
        let pte = m.ptes[i];
        let frame = m.frames[i];
        let id = sim_core::PageId(i as u8);
        // A page that starts unmapped (an mremap target) has no frame of its own.
        let memory = if !page.present {
            "\u{2014}".to_string()
        } else if frame.freed {
            format!("{} freed", frame.data)
        } else if frame.written_out {
            format!("{} written out", frame.data)
        } else {
            frame.data.to_string()
        };
        html! {
            <tr key={page.name.clone()} class={classes!((!pte.present).then_some("cleared"))}>
                <th scope="row">{ &page.name }{ " " }<code>{ format!("{:#x}", page.address()) }</code></th>
                <td>{ yes_no(pte.present) }</td>
                <td>{ if pte.present { yes_no(pte.writable) } else { "\u{2014}" } }</td>
                <td><code>{ if pte.present { format!("{:#x}", pte.pfn) } else { "\u{2014}".into() } }</code></td>
                <td>{ promise(m, id) }</td>
                <td>{ memory }</td>
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
                        <th scope="col" title="what the calls that have returned promise user space (mprotect, munmap)">{ "Promised" }</th>
                        <th scope="col">{ "Memory" }</th>
                        <th scope="col">{ "Swap" }</th>
                    </tr>
                </thead>
                <tbody>{ for rows }</tbody>
            </table>
        </section>
    }
}

/// `mm->tlb_flush_batched`, each task's `tlb_ubc` (and `mmu_gather` while a
/// walk records), each PTE table's lock, the flags and the TLBIs in flight.
#[component]
pub fn BatchState(props: &MemoryProps) -> Html {
    let state = &props.view.state;
    let scenario = state.model().scenario();
    let m = state.history.current();
    let counters = m.tlb_flush_batched;
    let page_list = |set: sim_core::PageSet| {
        set.iter()
            .map(|p| scenario.page_name(p))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let tasks = scenario.tasks().iter().enumerate().map(|(t, task)| {
        let ts = &m.tasks[t];
        let ubc = ts.tlb_ubc;
        let gather = (!ts.gather.flush.is_empty()).then(|| {
            html! { <dd class="gather">{ format!("mmu_gather: flush {}", page_list(ts.gather.flush)) }</dd> }
        });
        html! { <div key={format!("ubc-{t}")}>
            <dt><code>{ format!("{}->tlb_ubc", task.name) }</code></dt>
            <dd>
                { format!("flush_required {}, writable {}", yes_no(ubc.flush_required), yes_no(ubc.writable)) }
            </dd>
            { for gather }
        </div> }
    });
    let locks = scenario.tables().iter().enumerate().map(|(i, table)| {
        let holder = m.ptl[i]
            .map(|t| {
                format!(
                    "held by {} on {}",
                    scenario.task(t).name,
                    m.tasks[t.index()].cpu
                )
            })
            .unwrap_or_else(|| "free".into());
        html! { <div key={format!("ptl-{i}")}>
            <dt><code>{ table.lock_name() }</code></dt>
            <dd>{ holder }</dd>
        </div> }
    });
    let flags = scenario.flags().iter().enumerate().map(|(i, name)| {
        html! { <div key={format!("flag-{i}")}>
            <dt>{ format!("flag {name}") }</dt>
            <dd>{ if m.flags[i] { "set" } else { "not set" } }</dd>
        </div> }
    });
    html! {
        <section class="panel batch" aria-labelledby="batch-title">
            <h3 id="batch-title">{ "Batch state and locks" }</h3>
            <dl>
                <div>
                    <dt><code>{ "mm->tlb_flush_batched" }</code></dt>
                    <dd>
                        { format!("pending {}, flushed {}", counters.pending, counters.flushed) }
                        { if counters.flush_owed() { " \u{2014} a flush is owed" } else { "" } }
                    </dd>
                </div>
                <div>
                    <dt><code>{ "mm->mmap_lock" }</code></dt>
                    <dd>{ match m.mmap_lock {
                        MmapLock::Free => "free".to_string(),
                        MmapLock::Read { readers } => format!("held for reading by {readers}"),
                        MmapLock::Write { task } => format!(
                            "held for writing by {} on {}",
                            scenario.task(task).name,
                            m.tasks[task.index()].cpu
                        ),
                    } }</dd>
                </div>
                <div>
                    <dt><code>{ "mm->tlb_flush_pending" }</code></dt>
                    <dd>
                        { m.tlb_flush_pending }
                        { if m.tlb_flush_pending > 1 { " \u{2014} nested: tlb_finish_mmu() flushes the whole mm" } else { "" } }
                    </dd>
                </div>
                { for tasks }
                { for locks }
                { for flags }
                <div>
                    <dt>{ "TLBIs in flight" }</dt>
                    <dd>{ m.tlbis.len() }</dd>
                </div>
            </dl>
        </section>
    }
}
