//! What the fix costs: TLB misses per CPU after the story's first system call
//! (mprotect(), munmap(), ...) returns, when the scenario's story is played
//! under `dsb` and under `flush_tlb_mm`.

use std::sync::Arc;

use sim_core::facts::misses_after_return;
use sim_core::{Mitigation, Scenario};
use yew::prelude::*;

/// Props of the cost chart.
#[derive(Properties, PartialEq)]
pub struct CostProps {
    /// The scenario whose story is played (the chart changes only with it).
    pub scenario: Arc<Scenario>,
}

const COMPARED: [Mitigation; 2] = [Mitigation::Dsb, Mitigation::FlushTlbMm];

/// A small SVG bar chart of misses after the system call returns, dsb versus
/// flush_tlb_mm.
#[component]
pub fn CostChart(props: &CostProps) -> Html {
    let scenario = props.scenario.clone();
    // Two replays of the story: once per scenario, not on every step.
    let rows = use_memo(scenario.clone(), |scenario| {
        COMPARED
            .iter()
            .map(|m| misses_after_return(scenario, *m))
            .collect::<Option<Vec<_>>>()
    });
    let Some(found) = rows.as_ref() else {
        return html! {};
    };
    let call = found[0].syscall.name();
    let rows: Vec<&Vec<u32>> = found.iter().map(|cost| &cost.misses).collect();
    let max = rows
        .iter()
        .copied()
        .flatten()
        .copied()
        .max()
        .unwrap_or(0)
        .max(1);
    let cpus = scenario.cpu_count() as u32;
    // Whole SVG user units: integer maths keeps float formatting out of the wasm.
    let bar_h = 14;
    let group_h = bar_h * 2 + 10;
    let label_w = 52;
    let width = 320;
    let height = group_h * cpus + 8;
    // Room on the right for the value and the mitigation's name.
    let span = width - label_w - 110;
    let bars = (0..cpus).map(|c| {
        let y0 = 4 + group_h * c;
        let pair = COMPARED.iter().enumerate().map(|(i, m)| {
            let v = rows[i][c as usize];
            let y = y0 + bar_h * i as u32;
            let w = (v * span / max).max(1);
            html! {
                <g key={m.name()}>
                    <rect class={classes!("bar", m.name())} x={label_w.to_string()} y={y.to_string()}
                        width={w.to_string()} height={(bar_h - 2).to_string()} />
                    <text class="value" x={(label_w + w + 4).to_string()} y={(y + bar_h - 4).to_string()}>
                        { format!("{v} {}", m.name()) }
                    </text>
                </g>
            }
        });
        html! {
            <g key={c}>
                <text class="cpu" x="0" y={(y0 + bar_h + 2).to_string()}>{ format!("CPU{c}") }</text>
                { for pair }
            </g>
        }
    });
    let summary = (0..cpus)
        .map(|c| {
            format!(
                "CPU{c}: {} with dsb, {} with flush_tlb_mm",
                rows[0][c as usize], rows[1][c as usize]
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    html! {
        <section class="panel cost" aria-labelledby="cost-title">
            <h2 id="cost-title">{ "What the fix costs" }</h2>
            <p class="hint">{ format!("TLB misses after {call} returns, playing this scenario's story under each kernel. flush_tlb_mm() empties every CPU's TLB of this mm, not just the page's entry.") }</p>
            <svg class="bars" viewBox={format!("0 0 {width} {height}")} role="img"
                aria-label={format!("Misses after {call} returns: {summary}")}>
                { for bars }
            </svg>
            <p class="legend"><span class="swatch dsb"></span>{ "dsb " }<span class="swatch flush_tlb_mm"></span>{ "flush_tlb_mm" }</p>
        </section>
    }
}
