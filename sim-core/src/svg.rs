//! The timeline as a standalone SVG picture: one column per CPU, one row per
//! step, and each CPU's TLB at the end (stale entries marked), for slides and
//! review threads. Pure text out, like the ladder diagram.

use std::fmt::Write;

use crate::history::Step;
use crate::machine::Machine;
use crate::model::Model;
use crate::outcome::Outcome;

const COL: usize = 230;
const GUTTER: usize = 36;
const ROW: usize = 18;
const LINE: usize = 15;

/// Escapes text for an SVG text node or attribute.
fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// The SVG of `steps` played on `model`.
pub fn render(model: &Model, steps: &[impl AsRef<Step>]) -> String {
    let s = model.scenario();
    let n = s.cpu_count();
    let width = GUTTER + COL * n + 10;
    let machine: Machine = steps
        .last()
        .map(|st| st.as_ref().machine.clone())
        .unwrap_or_else(|| model.initial());
    let rows: Vec<(usize, Vec<String>, bool)> = steps
        .iter()
        .map(|st| {
            let st = st.as_ref();
            let mut lines = vec![st.narrative.headline.clone()];
            lines.extend(st.narrative.notes.iter().map(|n| format!("[{n}]")));
            let bad = st
                .effects
                .iter()
                .any(|e| matches!(e, crate::effect::Effect::Violation(_)));
            (st.narrative.cpu.index(), lines, bad)
        })
        .collect();
    let body_h: usize = rows.iter().map(|(_, l, _)| l.len() * LINE + 6).sum();
    let tlb_rows = machine
        .cpus
        .iter()
        .map(|c| c.tlb.entries.len())
        .max()
        .unwrap_or(0)
        .max(1);
    let top = 74;
    let tlb_top = top + body_h + 24;
    let height = tlb_top + 24 + tlb_rows * ROW + 40;
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="ui-monospace, Menlo, Consolas, monospace" font-size="12">"#
    );
    let _ = write!(
        out,
        r##"<rect width="100%" height="100%" fill="#ffffff"/>"##
    );
    let _ = write!(
        out,
        r##"<text x="8" y="20" font-size="14" font-weight="bold" fill="#1d1f23">{}</text>"##,
        xml(&format!(
            "{}: {} [mitigation: {}]",
            s.name(),
            s.title(),
            model.mitigation()
        ))
    );
    for c in 0..s.cpu_count() {
        let x = GUTTER + c * COL;
        let _ = write!(
            out,
            r##"<text x="{x}" y="46" font-weight="bold" fill="#1d1f23">CPU{c}</text><text x="{}" y="46" fill="#5b6170">{}</text>"##,
            x + 40,
            xml(&s.cpu_label(crate::op::CpuId(c as u8)))
        );
        let _ = write!(
            out,
            r##"<line x1="{}" y1="54" x2="{}" y2="{}" stroke="#d8dbe2"/>"##,
            x - 6,
            x - 6,
            top + body_h
        );
    }
    let mut y = top;
    for (i, (cpu, lines, bad)) in rows.iter().enumerate() {
        let x = GUTTER + cpu * COL;
        let color = if *bad { "#b3261e" } else { "#1d1f23" };
        let _ = write!(
            out,
            r##"<text x="8" y="{}" fill="#5b6170">{}</text>"##,
            y + 12,
            i + 1
        );
        for (j, line) in lines.iter().enumerate() {
            let weight = if j == 0 || *bad { "bold" } else { "normal" };
            let fill = if j == 0 {
                color
            } else if *bad {
                "#b3261e"
            } else {
                "#5b6170"
            };
            let _ = write!(
                out,
                r#"<text x="{x}" y="{}" fill="{fill}" font-weight="{weight}">{}</text>"#,
                y + 12 + j * LINE,
                xml(line)
            );
        }
        y += lines.len() * LINE + 6;
    }
    let _ = write!(
        out,
        r##"<text x="8" y="{}" font-weight="bold" fill="#1d1f23">TLBs at the end</text>"##,
        tlb_top
    );
    for (c, cpu) in machine.cpus.iter().enumerate() {
        let x = GUTTER + c * COL;
        if cpu.tlb.entries.is_empty() {
            let _ = write!(
                out,
                r##"<text x="{x}" y="{}" fill="#5b6170">(empty)</text>"##,
                tlb_top + 22
            );
        }
        for (k, e) in cpu.tlb.entries.iter().rev().enumerate() {
            let page = s.page(e.page);
            let stale = machine.is_stale(e);
            let _ = write!(
                out,
                r#"<text x="{x}" y="{}" fill="{}">{}</text>"#,
                tlb_top + 22 + k * ROW,
                if stale { "#b3261e" } else { "#1d1f23" },
                xml(&format!(
                    "{} {:#x} -> {:#x} {}{}",
                    page.name,
                    u64::from(page.vpn) << 12,
                    e.pfn,
                    if e.writable { "rw" } else { "ro" },
                    if stale { "  STALE" } else { "" }
                ))
            );
        }
    }
    let _ = write!(
        out,
        r##"<text x="8" y="{}" font-weight="bold" fill="#1d1f23">{}</text>"##,
        height - 12,
        xml(&Outcome::of(model, &machine).describe(model, &machine))
    );
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{scenario, History, Mitigation};

    #[test]
    fn the_seed_race_svg_names_the_stale_write_and_escapes_text() {
        let sc = scenario::builtin("seed-race").unwrap();
        let model = Model::new(sc.clone(), Mitigation::Dsb);
        let h = History::replay(model.clone(), &sc.default_schedule()[..10]).unwrap();
        let svg = render(&model, h.steps());
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(svg.ends_with("</svg>"));
        assert!(svg.contains("STALE WRITE"));
        assert!(svg.contains("P 0x400000 -&gt; 0x8a2 rw  STALE"));
        assert!(!svg.contains("->"), "arrows are escaped");
        assert_eq!(svg.matches("<text").count(), svg.matches("</text>").count());
    }
}
