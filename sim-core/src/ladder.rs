//! The plain-text ladder diagram: one column per CPU, at most 80 columns, ASCII
//! only, in the style kernel commit messages use to draw races.

use crate::history::Step;
use crate::model::Model;
use crate::op::CpuId;
use crate::outcome::Outcome;

/// Total width the diagram and its text never exceed.
pub const WIDTH: usize = 80;
const GUTTER: usize = 4;

/// Replaces anything outside printable ASCII so the diagram pastes into any mail.
fn ascii(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            ' '..='~' => c,
            '\u{2192}' => '>',
            _ => '?',
        })
        .collect()
}

/// Where to break a word longer than `width` (ASCII): after the last `_` or before
/// the last `(` that fits, so `change_pte_range(P)` breaks as `change_pte_range`
/// and `(P)`; at `width` if there is neither.
fn split_point(word: &str, width: usize) -> usize {
    let bytes = word.as_bytes();
    (1..=width)
        .rev()
        .find(|&i| bytes[i - 1] == b'_' || bytes[i] == b'(')
        .unwrap_or(width)
}

/// Splits `text` into lines of at most `width` characters, at spaces when it can.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    let text = ascii(text);
    for word in text.split_whitespace() {
        // A slice that moves forward: each split costs its own length, so a long
        // word wraps in linear time (split_off copied the rest at every split).
        let mut word = word;
        while word.len() > width {
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            let (head, rest) = word.split_at(split_point(word, width));
            lines.push(head.to_string());
            word = rest;
        }
        if !line.is_empty() && line.len() + 1 + word.len() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// The ladder diagram of `steps` on `model`, followed by the numbered narrative
/// and the outcome.
pub fn render(model: &Model, steps: &[impl AsRef<Step>]) -> String {
    let s = model.scenario();
    let n = s.cpu_count();
    let col = (WIDTH - GUTTER) / n;
    let cell = col - 1;
    let mut out = String::new();
    let row = |out: &mut String, gutter: &str, cpu: usize, cells: &[String]| {
        let mut line = format!("{gutter:>3} ");
        line.push_str(&" ".repeat(cpu * col));
        for (i, c) in cells.iter().enumerate() {
            if i > 0 {
                line.push('\n');
                line.push_str(&" ".repeat(GUTTER + cpu * col));
            }
            line.push_str(c);
        }
        out.push_str(line.trim_end());
        out.push('\n');
    };
    // The title and the kernel line span the whole width, so they are not
    // indented like the rows.
    let m = model.mitigation();
    for line in wrap(&format!("{}: {}", s.name(), s.title()), WIDTH)
        .into_iter()
        .chain(wrap(&format!("Kernel ({m}): {}", m.summary()), WIDTH))
    {
        out.push_str(&line);
        out.push('\n');
    }
    out.push('\n');
    let header = |f: &dyn Fn(usize) -> String| -> String {
        let mut line = " ".repeat(GUTTER);
        for c in 0..n {
            let mut text = f(c);
            text.truncate(cell);
            line.push_str(&format!("{text:<col$}"));
        }
        line.trim_end().to_string()
    };
    out.push_str(&header(&|c| format!("CPU{c}")));
    out.push('\n');
    out.push_str(&header(&|c| ascii(&s.cpu_label(CpuId(c as u8)))));
    out.push('\n');
    out.push_str(&header(&|_| "----".to_string()));
    out.push('\n');
    for (i, step) in steps.iter().enumerate() {
        let step = step.as_ref();
        let cpu = step.narrative.cpu.index();
        let mut cells = wrap(&step.narrative.headline, cell);
        for note in &step.narrative.notes {
            cells.extend(wrap(&format!("[{note}]"), cell));
        }
        row(&mut out, &(i + 1).to_string(), cpu, &cells);
    }
    out.push('\n');
    for (i, step) in steps.iter().enumerate() {
        let step = step.as_ref();
        let prefix = format!("{:>3}. ", i + 1);
        let lines = wrap(
            &format!("{}: {}", step.narrative.cpu, step.narrative.text),
            WIDTH - prefix.len(),
        );
        for (j, line) in lines.iter().enumerate() {
            if j == 0 {
                out.push_str(&prefix);
            } else {
                out.push_str(&" ".repeat(prefix.len()));
            }
            out.push_str(line);
            out.push('\n');
        }
    }
    out.push('\n');
    let machine = steps
        .last()
        .map(|s| s.as_ref().machine.clone())
        .unwrap_or_else(|| model.initial());
    // The cost side of the story (tlb-cost): how often each CPU's TLB helped.
    let counters: Vec<String> = machine
        .stats
        .iter()
        .enumerate()
        .map(|(c, st)| format!("CPU{c} {}/{}", st.hits, st.misses))
        .collect();
    let outcome = format!(
        "Outcome: {}",
        Outcome::of(model, &machine).describe(model, &machine)
    );
    let tlb = format!("TLB hits/misses: {}.", counters.join(", "));
    for line in wrap(&outcome, WIDTH).into_iter().chain(wrap(&tlb, WIDTH)) {
        out.push_str(&line);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::wrap;

    /// A long word is cut into width-sized pieces, in order, losing nothing (and a
    /// megabyte of it wraps in linear time: this test used to take seconds).
    #[test]
    fn long_words_wrap_into_pieces() {
        let word = "ab".repeat(500_000);
        let lines = wrap(&word, 72);
        assert_eq!(lines.len(), word.len().div_ceil(72));
        assert!(lines.iter().all(|l| l.len() <= 72));
        assert_eq!(lines.concat(), word);
        assert_eq!(
            wrap("a change_pte_range(P) b", 12),
            ["a", "change_pte_", "range(P) b"]
        );
    }
}
