//! Events, the only way the machine moves, and their text form.
//!
//! A schedule is a `Vec<Event>`; its text form is the events separated by commas:
//! `s1` steps CPU1; `d0>1` delivers the oldest TLBI that CPU0 issued and that is
//! still in flight to CPU1; `d0.2>1` delivers CPU0's third-oldest one; `i0>1`
//! (x86 and riscv) is CPU1 taking the flush IPI that CPU0 sent it and running its
//! handler. The CLI, the UI, permalinks and tests all replay the same value.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

use crate::limits::excerpt;
use crate::op::CpuId;

/// Which in-flight TLBI: the `nth` oldest still in flight among those `issuer` issued.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct TlbiRef {
    /// The CPU that executed the TLBI instruction.
    pub issuer: CpuId,
    /// 0 for the oldest of `issuer`'s TLBIs in flight.
    pub nth: u8,
}

/// One thing that can happen next.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum Event {
    /// The CPU executes the next operation of its program.
    Step(CpuId),
    /// An in-flight TLBI takes effect on one CPU's TLB.
    Deliver {
        /// Which TLBI.
        tlbi: TlbiRef,
        /// The CPU whose TLB it reaches.
        to: CpuId,
    },
    /// x86 and riscv: a CPU takes the flush IPI another CPU sent it and runs the
    /// handler (`flush_tlb_func()`), flushing its own TLB. A CPU has at most one
    /// flush IPI of its own out at a time (it waits for it), so the sender names it.
    Ipi {
        /// The CPU that sent the IPI and waits for it.
        from: CpuId,
        /// The CPU that takes it.
        to: CpuId,
    },
}

impl Event {
    /// The CPU that acts: the one that steps, whose TLB a TLBI reaches, or that
    /// takes a flush IPI.
    pub fn actor(&self) -> CpuId {
        match *self {
            Event::Step(cpu) => cpu,
            Event::Deliver { to, .. } | Event::Ipi { to, .. } => to,
        }
    }

    /// The CPUs the event names (to check them against a scenario).
    pub fn cpus(&self) -> Vec<CpuId> {
        match *self {
            Event::Step(cpu) => vec![cpu],
            Event::Deliver { tlbi, to } => vec![tlbi.issuer, to],
            Event::Ipi { from, to } => vec![from, to],
        }
    }

    /// The CPU the event happens on: the stepping CPU, the CPU a TLBI reaches, or
    /// the CPU that takes an IPI.
    pub fn cpu(&self) -> CpuId {
        match *self {
            Event::Step(cpu) => cpu,
            Event::Deliver { to, .. } | Event::Ipi { to, .. } => to,
        }
    }
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Event::Step(cpu) => write!(f, "s{}", cpu.0),
            Event::Deliver { tlbi, to } if tlbi.nth == 0 => {
                write!(f, "d{}>{}", tlbi.issuer.0, to.0)
            }
            Event::Deliver { tlbi, to } => write!(f, "d{}.{}>{}", tlbi.issuer.0, tlbi.nth, to.0),
            Event::Ipi { from, to } => write!(f, "i{}>{}", from.0, to.0),
        }
    }
}

/// Why an event's text could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message} in \"{text}\"")]
pub struct EventParseError {
    /// An excerpt of the offending text ([`crate::limits::excerpt`]: a 100 KB
    /// event is not quoted whole).
    pub text: String,
    /// What is wrong.
    pub message: String,
}

fn small_number(s: &str, what: &str, text: &str) -> Result<u8, EventParseError> {
    let err = |message: String| EventParseError {
        text: excerpt(text),
        message,
    };
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(err(format!(
            "expected a {what} number, found \"{}\"",
            excerpt(s)
        )));
    }
    // One spelling per number: `s01` is not another way to write `s1`.
    if s.len() > 1 && s.starts_with('0') {
        return Err(err(format!(
            "{what} number \"{}\" is written without leading zeros",
            excerpt(s)
        )));
    }
    s.parse::<u8>()
        .ok()
        .filter(|n| *n < 64)
        .ok_or_else(|| err(format!("{what} number {} is too large", excerpt(s))))
}

impl FromStr for Event {
    type Err = EventParseError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let t = text.trim();
        if let Some(cpu) = t.strip_prefix('s') {
            return Ok(Event::Step(CpuId(small_number(cpu, "CPU", text)?)));
        }
        if let Some(rest) = t.strip_prefix('d') {
            let (tlbi, to) = rest.split_once('>').ok_or_else(|| EventParseError {
                text: excerpt(text),
                message: "a delivery is written dISSUER>TARGET, e.g. d0>1".to_string(),
            })?;
            let (issuer, nth) = match tlbi.split_once('.') {
                Some((issuer, nth)) => (issuer, small_number(nth, "TLBI", text)?),
                None => (tlbi, 0),
            };
            return Ok(Event::Deliver {
                tlbi: TlbiRef {
                    issuer: CpuId(small_number(issuer, "CPU", text)?),
                    nth,
                },
                to: CpuId(small_number(to, "CPU", text)?),
            });
        }
        if let Some(rest) = t.strip_prefix('i') {
            let (from, to) = rest.split_once('>').ok_or_else(|| EventParseError {
                text: excerpt(text),
                message: "a flush IPI taken is written iSENDER>TARGET, e.g. i0>1".to_string(),
            })?;
            return Ok(Event::Ipi {
                from: CpuId(small_number(from, "CPU", text)?),
                to: CpuId(small_number(to, "CPU", text)?),
            });
        }
        Err(EventParseError {
            text: excerpt(text),
            message: "an event is sN (step CPU N) or dI>T (deliver CPU I's TLBI to CPU T)"
                .to_string(),
        })
    }
}

impl From<Event> for String {
    fn from(e: Event) -> String {
        e.to_string()
    }
}

impl TryFrom<String> for Event {
    type Error = EventParseError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

/// Why a schedule's text could not be read: which event (0-based) and why.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("event {index} of the schedule: {source}")]
pub struct ScheduleParseError {
    /// 0-based position of the bad event.
    pub index: usize,
    /// What is wrong with it.
    pub source: EventParseError,
}

/// Reads a comma-separated schedule; empty text is the empty schedule.
pub fn parse_schedule(text: &str) -> Result<Vec<Event>, ScheduleParseError> {
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    text.split(',')
        .enumerate()
        .map(|(index, part)| {
            part.parse()
                .map_err(|source| ScheduleParseError { index, source })
        })
        .collect()
}

/// Writes a schedule in the form [`parse_schedule`] reads.
pub fn format_schedule(events: &[Event]) -> String {
    events
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",")
}
