//! The timeline as a standalone SVG picture: one column per CPU, one row per
//! step, and each CPU's TLB at the end (stale entries marked), for slides and
//! review threads. Pure text out, like the ladder diagram.
//!
//! The picture is sized to what it holds: each lane is as wide as its longest
//! line, and the title and the outcome wrap to the width of the lanes (at least
//! [`MIN_TEXT`] characters), so nothing lies outside the viewBox. Widths are
//! reckoned in the advance of a monospace font (0.6 em), the fonts named in the
//! picture. The narrative's emphasis (`**STALE WRITE**`) is drawn as bold red
//! text, never as Markdown.

use std::fmt::Write;

use crate::history::Step;
use crate::machine::Machine;
use crate::model::Model;
use crate::outcome::Outcome;

const GUTTER: usize = 36;
const ROW: usize = 18;
const LINE: usize = 15;
/// The left margin of the title, the outcome and the step numbers.
const MARGIN: usize = 8;
/// Space between a lane's longest line and the next lane.
const LANE_GAP: usize = 16;
/// The narrowest a lane is (room for `CPU0` and a short label).
const MIN_LANE: usize = 120;
/// The title and the outcome wrap at the lanes' width, but never narrower.
pub const MIN_TEXT: usize = 72;

/// How wide `chars` characters are at `size` px in a monospace font (0.6 em each),
/// rounded up.
pub fn text_width(chars: usize, size: usize) -> usize {
    (chars * size * 3).div_ceil(5)
}

/// A narrative note as plain text: the Markdown emphasis dropped, and whether it
/// was emphasised (a broken promise).
fn plain(note: &str) -> (String, bool) {
    match note.strip_prefix("**").and_then(|n| n.strip_suffix("**")) {
        Some(inner) => (inner.to_string(), true),
        None => (note.replace("**", ""), false),
    }
}

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

/// A line of text and whether it is emphasised (drawn bold red).
type Line = (String, bool);

/// One step's row: its lane, its lines, and whether it broke a promise.
type Row = (usize, Vec<Line>, bool);

/// The SVG of `steps` played on `model`.
pub fn render(model: &Model, steps: &[impl AsRef<Step>]) -> String {
    let s = model.scenario();
    let n = s.cpu_count();
    let machine: Machine = steps
        .last()
        .map(|st| st.as_ref().machine.clone())
        .unwrap_or_else(|| model.initial());
    // Each row: its lane, its lines (with whether each is emphasised), and
    // whether the step broke a promise.
    let rows: Vec<Row> = steps
        .iter()
        .map(|st| {
            let st = st.as_ref();
            let mut lines = vec![(st.narrative.headline.clone(), false)];
            lines.extend(st.narrative.notes.iter().map(|n| plain(n)));
            let bad = st
                .effects
                .iter()
                .any(|e| matches!(e, crate::effect::Effect::Violation(_)));
            (st.narrative.cpu.index(), lines, bad)
        })
        .collect();
    let labels: Vec<String> = (0..n)
        .map(|c| s.cpu_label(crate::op::CpuId(c as u8)))
        .collect();
    let tlb_lines: Vec<Vec<Line>> = machine
        .cpus
        .iter()
        .map(|cpu| {
            if cpu.tlb.entries.is_empty() {
                return vec![("(empty)".to_string(), false)];
            }
            cpu.tlb
                .entries
                .iter()
                .rev()
                .map(|e| {
                    let page = s.page(e.page);
                    let stale = machine.is_stale(e);
                    let text = format!(
                        "{} {:#x} -> {:#x} {}{}",
                        page.name,
                        u64::from(page.vpn) << 12,
                        e.pfn,
                        if e.writable { "rw" } else { "ro" },
                        if stale { "  STALE" } else { "" }
                    );
                    (text, stale)
                })
                .collect()
        })
        .collect();
    // Lane widths: the longest line a lane shows, its header included.
    let mut lane_chars: Vec<usize> = labels.iter().map(|l| 6 + l.chars().count()).collect();
    for (cpu, lines, _) in &rows {
        for (line, _) in lines {
            lane_chars[*cpu] = lane_chars[*cpu].max(line.chars().count());
        }
    }
    for (c, lines) in tlb_lines.iter().enumerate() {
        for (line, _) in lines {
            lane_chars[c] = lane_chars[c].max(line.chars().count());
        }
    }
    let lane_w: Vec<usize> = lane_chars
        .iter()
        .map(|&ch| (text_width(ch, 12) + LANE_GAP).max(MIN_LANE))
        .collect();
    let lane_x: Vec<usize> = lane_w
        .iter()
        .scan(GUTTER, |x, w| {
            let at = *x;
            *x += w;
            Some(at)
        })
        .collect();
    let lanes_end = GUTTER + lane_w.iter().sum::<usize>();
    // The title and the outcome wrap at the lanes' width (in characters).
    let wrap_chars = ((lanes_end - MARGIN) * 5 / (14 * 3)).max(MIN_TEXT);
    let title = crate::ladder::wrap(
        &format!(
            "{}: {} [mitigation: {}]",
            s.name(),
            s.title_on(model.arch()),
            model.mitigation()
        ),
        wrap_chars,
    );
    let outcome = crate::ladder::wrap(
        &Outcome::of(model, &machine).describe(model, &machine),
        wrap_chars,
    );
    let widest = |lines: &[String], size: usize| {
        lines
            .iter()
            .map(|l| MARGIN + text_width(l.chars().count(), size))
            .max()
            .unwrap_or(0)
    };
    let width = lanes_end.max(widest(&title, 14)).max(widest(&outcome, 12)) + MARGIN;
    let body_h: usize = rows.iter().map(|(_, l, _)| l.len() * LINE + 6).sum();
    let tlb_rows = tlb_lines.iter().map(Vec::len).max().unwrap_or(1);
    let title_h = title.len() * 18;
    let head_y = title_h + 26;
    let top = head_y + 28;
    let tlb_top = top + body_h + 24;
    let outcome_top = tlb_top + 22 + tlb_rows * ROW + 8;
    let height = outcome_top + outcome.len() * LINE + 12;
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="ui-monospace, Menlo, Consolas, monospace" font-size="12">"#
    );
    let _ = write!(
        out,
        r##"<rect width="100%" height="100%" fill="#ffffff"/>"##
    );
    for (i, line) in title.iter().enumerate() {
        let _ = write!(
            out,
            r##"<text class="title" x="{MARGIN}" y="{}" font-size="14" font-weight="bold" fill="#1d1f23">{}</text>"##,
            20 + i * 18,
            xml(line)
        );
    }
    for c in 0..n {
        let x = lane_x[c];
        let _ = write!(
            out,
            r##"<text x="{x}" y="{head_y}" font-weight="bold" fill="#1d1f23">CPU{c}</text><text x="{}" y="{head_y}" fill="#5b6170">{}</text>"##,
            x + text_width(5, 12),
            xml(&labels[c])
        );
        let _ = write!(
            out,
            r##"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#d8dbe2"/>"##,
            x - 6,
            head_y + 8,
            x - 6,
            top + body_h
        );
    }
    let mut y = top;
    for (i, (cpu, lines, bad)) in rows.iter().enumerate() {
        let x = lane_x[*cpu];
        let _ = write!(
            out,
            r##"<text x="{MARGIN}" y="{}" fill="#5b6170">{}</text>"##,
            y + 12,
            i + 1
        );
        for (j, (line, loud)) in lines.iter().enumerate() {
            let red = *loud || (*bad && j > 0);
            let weight = if j == 0 || red { "bold" } else { "normal" };
            let fill = match (j, red) {
                (_, true) => "#b3261e",
                (0, false) if *bad => "#b3261e",
                (0, false) => "#1d1f23",
                _ => "#5b6170",
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
        r##"<text x="{MARGIN}" y="{}" font-weight="bold" fill="#1d1f23">TLBs at the end</text>"##,
        tlb_top
    );
    for (c, lines) in tlb_lines.iter().enumerate() {
        let x = lane_x[c];
        for (k, (line, stale)) in lines.iter().enumerate() {
            let _ = write!(
                out,
                r#"<text x="{x}" y="{}" fill="{}">{}</text>"#,
                tlb_top + 22 + k * ROW,
                if *stale { "#b3261e" } else { "#1d1f23" },
                xml(line)
            );
        }
    }
    for (i, line) in outcome.iter().enumerate() {
        let _ = write!(
            out,
            r##"<text class="outcome" x="{MARGIN}" y="{}" font-weight="bold" fill="#1d1f23">{}</text>"##,
            outcome_top + 12 + i * LINE,
            xml(line)
        );
    }
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
        assert!(!svg.contains("**"), "no Markdown emphasis");
        assert_eq!(svg.matches("<text").count(), svg.matches("</text>").count());
    }

    /// The width and height the SVG declares, and each text with its x, y, size
    /// and characters (entities counted as one).
    /// A text's x, y, font size and length in characters.
    type Text = (usize, usize, usize, usize);

    fn texts(svg: &str) -> (usize, usize, Vec<Text>) {
        let num = |s: &str, key: &str| -> usize {
            let at = s.find(&format!("{key}=\"")).unwrap() + key.len() + 2;
            s[at..].split('"').next().unwrap().parse().unwrap()
        };
        let width = num(svg, "width");
        let height = num(svg, "height");
        let mut out = Vec::new();
        for piece in svg.split("<text").skip(1) {
            let (attrs, rest) = piece.split_once('>').unwrap();
            let body = rest.split("</text>").next().unwrap();
            let size = if attrs.contains("font-size=") {
                num(attrs, "font-size")
            } else {
                12
            };
            let chars = body.split('&').count() - 1
                + body
                    .split('&')
                    .map(|p| p.split_once(';').map_or(p, |(_, r)| r))
                    .map(|p| p.chars().count())
                    .sum::<usize>();
            out.push((num(attrs, "x"), num(attrs, "y"), size, chars));
        }
        (width, height, out)
    }

    /// Every built-in, every kernel: the title, every lane and the outcome lie
    /// inside the viewBox, reckoned with the monospace advance.
    #[test]
    fn every_text_lies_inside_the_view_box() {
        for sc in scenario::builtins() {
            for m in Mitigation::ALL {
                let model = Model::new(sc.clone(), m);
                let h = History::replay(model.clone(), sc.default_schedule()).unwrap();
                let svg = render(&model, h.steps());
                let (width, height, texts) = texts(&svg);
                assert!(svg.contains(r#"class="title""#) && svg.contains(r#"class="outcome""#));
                for (x, y, size, chars) in texts {
                    assert!(
                        x + text_width(chars, size) <= width,
                        "{}/{m}: a text at x={x} of {chars} chars passes width {width}",
                        sc.name()
                    );
                    assert!(
                        y <= height && y >= size,
                        "{}/{m}: y={y} outside 0..{height}",
                        sc.name()
                    );
                }
            }
        }
    }
}
