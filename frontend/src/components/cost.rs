//! What the fix costs: TLB misses per CPU after the story's first system call
//! (mprotect(), munmap(), ...) returns, when the scenario's story is played
//! under `dsb` and under `flush_tlb_mm`; on x86 and riscv, the misses of their
//! `flush_tlb_mm` beside arm64's and the flush IPIs each CPU took, the price
//! those architectures pay in interrupts. Every figure is sim-core's
//! (`facts::cost_of`).

use std::sync::Arc;

use sim_core::facts::{cost_of, Cost};
use sim_core::{Arch, Mitigation, Model, Scenario};
use yew::prelude::*;

/// Props of the cost chart.
#[derive(Properties, PartialEq)]
pub struct CostProps {
    /// The scenario whose story is played (the chart changes only with it).
    pub scenario: Arc<Scenario>,
    /// The architecture shown (arm64's chart compares its kernels; another
    /// architecture's compares its fix with arm64's).
    #[prop_or_default]
    pub arch: Arch,
}

/// One bar per CPU: what it counts, under which architecture and kernel.
#[derive(Clone, PartialEq)]
struct Series {
    /// Its words, e.g. "misses, dsb" or "IPIs taken, x86 flush_tlb_mm".
    label: String,
    /// Its CSS class (the colour).
    class: &'static str,
    /// One value per CPU.
    values: Vec<u32>,
}

/// The series for `arch`, or `None` if no system call returns in the story.
fn series(scenario: &Arc<Scenario>, arch: Arch) -> Option<(Cost, Vec<Series>)> {
    let model = |m: Mitigation, a: Arch| Model::on(scenario.clone(), m, a).ok();
    let misses = |c: &Cost, label: String, class| Series {
        label,
        class,
        values: c.misses.clone(),
    };
    if !arch.uses_ipis() {
        let dsb = cost_of(&model(Mitigation::Dsb, arch)?)?;
        let mm = cost_of(&model(Mitigation::FlushTlbMm, arch)?)?;
        let rows = vec![
            misses(&dsb, "dsb".into(), "dsb"),
            misses(&mm, "flush_tlb_mm".into(), "flush_tlb_mm"),
        ];
        return Some((dsb, rows));
    }
    let arm = cost_of(&model(Mitigation::FlushTlbMm, Arch::Arm64)?)?;
    let here = cost_of(&model(Mitigation::FlushTlbMm, arch)?)?;
    let rows = vec![
        misses(&arm, "misses, arm64".into(), "flush_tlb_mm"),
        misses(&here, format!("misses, {arch}"), "dsb"),
        Series {
            label: format!("IPIs taken, {arch}"),
            class: "ipis",
            values: here.ipis_received.clone(),
        },
    ];
    Some((here, rows))
}

/// A small SVG bar chart of misses after the system call returns (and, off
/// arm64, of flush IPIs taken), one group of bars per CPU.
#[component]
pub fn CostChart(props: &CostProps) -> Html {
    let scenario = props.scenario.clone();
    // A few replays of the story: once per scenario and architecture, not on every step.
    let found = use_memo((scenario.clone(), props.arch), |(scenario, arch)| {
        series(scenario, *arch)
    });
    let Some((cost, rows)) = found.as_ref() else {
        return html! {};
    };
    let call = cost.syscall.name();
    let max = rows
        .iter()
        .flat_map(|r| r.values.iter().copied())
        .max()
        .unwrap_or(0)
        .max(1);
    let cpus = scenario.cpu_count() as u32;
    let per = rows.len() as u32;
    // Whole SVG user units: integer maths keeps float formatting out of the wasm.
    let bar_h = 14;
    let group_h = bar_h * per + 10;
    let label_w = 52;
    let width = 360;
    let height = group_h * cpus + 8;
    // Room on the right for the value and the series' name.
    let span = width - label_w - 150;
    let bars = (0..cpus).map(|c| {
        let y0 = 4 + group_h * c;
        let group = rows.iter().enumerate().map(|(i, row)| {
            let v = row.values[c as usize];
            let y = y0 + bar_h * i as u32;
            let w = (v * span / max).max(1);
            html! {
                <g key={row.label.clone()}>
                    <rect class={classes!("bar", row.class)} x={label_w.to_string()} y={y.to_string()}
                        width={w.to_string()} height={(bar_h - 2).to_string()} />
                    <text class="value" x={(label_w + w + 4).to_string()} y={(y + bar_h - 4).to_string()}>
                        { format!("{v} {}", row.label) }
                    </text>
                </g>
            }
        });
        html! {
            <g key={c}>
                <text class="cpu" x="0" y={(y0 + bar_h * per / 2 + 4).to_string()}>{ format!("CPU{c}") }</text>
                { for group }
            </g>
        }
    });
    let summary = (0..cpus)
        .map(|c| {
            let parts: Vec<String> = rows
                .iter()
                .map(|r| format!("{} {}", r.values[c as usize], r.label))
                .collect();
            format!("CPU{c}: {}", parts.join(", "))
        })
        .collect::<Vec<_>>()
        .join("; ");
    let (title, hint) = if props.arch.uses_ipis() {
        (
            format!("What the fix costs: misses on arm64, IPIs on {}", props.arch),
            format!("Playing this scenario's story under flush_tlb_mm: TLB misses after {call} returns on arm64 and on {arch}, and the flush IPIs each CPU took on {arch}. arm64 pays in misses (every CPU loses the whole ASID); {arch} pays in interrupts.", arch = props.arch),
        )
    } else {
        (
            "What the fix costs".to_string(),
            format!("TLB misses after {call} returns, playing this scenario's story under each kernel. flush_tlb_mm() empties every CPU's TLB of this mm, not just the page's entry."),
        )
    };
    let legend = rows.iter().map(|r| {
        html! { <span key={r.label.clone()}><span class={classes!("swatch", r.class)}></span>{ format!("{} ", r.label) }</span> }
    });
    html! {
        <section class="panel cost" aria-labelledby="cost-title">
            <h2 id="cost-title">{ title }</h2>
            <p class="hint">{ hint }</p>
            <svg class="bars" viewBox={format!("0 0 {width} {height}")} role="img"
                aria-label={format!("Cost of the fix: {summary}")}>
                { for bars }
            </svg>
            <p class="legend">{ for legend }</p>
        </section>
    }
}
