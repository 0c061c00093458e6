//! Scenarios: the file format (JSON, documented in docs/scenario-format.md), its
//! validation, and the built-in scenarios, which are written in that format.

use serde::{Deserialize, Serialize};

use crate::event::{parse_schedule, Event};
use crate::mitigation::Mitigation;
use crate::op::{CpuId, Op, PageId};

/// The only version of the scenario format so far.
pub const FORMAT_VERSION: u32 = 1;
/// Most CPUs a scenario may have.
pub const MAX_CPUS: usize = 8;
/// Most pages a scenario's mm may have.
pub const MAX_PAGES: usize = 16;
/// Largest TLB a scenario may configure.
pub const MAX_TLB_CAPACITY: u8 = 16;
/// Most operations in one CPU's program.
pub const MAX_PROGRAM_LEN: usize = 32;

/// A scenario as written in a file: pages named by strings, not yet checked.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    /// Format version; must be [`FORMAT_VERSION`].
    pub format: u32,
    /// Short identifier, e.g. `seed-race`.
    pub name: String,
    /// One-line title.
    pub title: String,
    /// One paragraph telling what happens and why it matters.
    pub story: String,
    /// The mm's address-space identifier.
    #[serde(default = "default_asid")]
    pub asid: u16,
    /// Entries per TLB (least recently used entry evicted first).
    #[serde(default = "default_tlb_capacity")]
    pub tlb_capacity: u8,
    /// Whether `__switch_to()` executes its `dsb(ish)` (false only for the
    /// hypothetical kernel of `migration-no-switch-dsb`).
    #[serde(default = "default_true")]
    pub switch_to_dsb: bool,
    /// The pages of the mm, all present at the start.
    pub pages: Vec<PageSpec>,
    /// One entry per CPU, CPU0 first.
    pub cpus: Vec<CpuSpec>,
    /// The schedule that tells the scenario's story, in the text form of events.
    #[serde(default)]
    pub default_schedule: String,
}

/// One page of the mm as a file describes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageSpec {
    /// Name used by operations (`"P"`).
    pub name: String,
    /// Virtual page number.
    pub vpn: u32,
    /// Physical frame number it maps to.
    pub pfn: u32,
    /// Whether the PTE starts writable.
    #[serde(default = "default_true")]
    pub writable: bool,
    /// The page's initial contents (one byte stands for the page).
    #[serde(default)]
    pub data: u8,
}

/// One CPU as a file describes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CpuSpec {
    /// What this CPU runs, in a few words (`"kswapd: reclaim"`).
    pub role: String,
    /// Pages whose translation this CPU's TLB holds at the start.
    #[serde(default)]
    pub tlb: Vec<String>,
    /// The operations this CPU executes, in order.
    pub program: Vec<Op<String>>,
}

fn default_asid() -> u16 {
    1
}
fn default_tlb_capacity() -> u8 {
    4
}
fn default_true() -> bool {
    true
}

/// Why a scenario file was rejected: where, and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ScenarioError {
    /// The text is not valid JSON of the expected shape. The message starts with
    /// the path of the value being read when there is one (`cpus[1].program[2]: `).
    #[error("line {line}, column {column}: {message}")]
    Syntax {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What the JSON parser expected.
        message: String,
    },
    /// The JSON is well formed but a field's value is not acceptable.
    #[error("{field}: {message}")]
    Invalid {
        /// Path of the field, e.g. `cpus[1].program[2].page`.
        field: String,
        /// Why it is wrong.
        message: String,
    },
}

/// Parses JSON text into `T`. Errors carry serde_json's line and column and, in
/// front of the message, the path of the value being read (`cpus[1].program[2]`):
/// serde reports some errors only after the whole value (an operation) is read,
/// so the position alone can point past the culprit.
pub(crate) fn parse<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, ScenarioError> {
    let mut de = serde_json::Deserializer::from_str(text);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        // "." is the root and "?" a value serde could not name: no path to show.
        let path = e.path().to_string();
        let path = path.trim_end_matches(".?").trim_end_matches('?');
        let path = (!path.is_empty() && path != ".").then(|| path.to_string());
        syntax(e.into_inner(), path)
    })?;
    // Like serde_json::from_str: nothing but whitespace may follow the value.
    de.end().map_err(|e| syntax(e, None))?;
    Ok(value)
}

/// A JSON error with its position; serde_json's own text repeats the position, so
/// it is cut off the message.
fn syntax(e: serde_json::Error, path: Option<String>) -> ScenarioError {
    let message = e.to_string();
    let message = match message.rfind(" at line ") {
        Some(cut) => message[..cut].to_string(),
        None => message,
    };
    ScenarioError::Syntax {
        line: e.line(),
        column: e.column(),
        message: match path {
            Some(path) => format!("{path}: {message}"),
            None => message,
        },
    }
}

pub(crate) fn invalid(field: impl Into<String>, message: impl Into<String>) -> ScenarioError {
    ScenarioError::Invalid {
        field: field.into(),
        message: message.into(),
    }
}

/// A page once validated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Page {
    /// Name used by operations.
    pub name: String,
    /// Virtual page number.
    pub vpn: u32,
    /// Physical frame number.
    pub pfn: u32,
    /// Whether the PTE starts writable.
    pub writable: bool,
    /// Initial contents.
    pub data: u8,
}

/// A CPU once validated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cpu {
    /// What it runs.
    pub role: String,
    /// Pages cached in its TLB at the start.
    pub tlb: Vec<PageId>,
    /// Its program.
    pub program: Vec<Op<PageId>>,
}

/// A validated scenario: every page name resolved, every CPU index in range,
/// every program well formed. Only [`ScenarioFile::validate`] makes one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scenario {
    name: String,
    title: String,
    story: String,
    asid: u16,
    tlb_capacity: u8,
    switch_to_dsb: bool,
    pages: Vec<Page>,
    cpus: Vec<Cpu>,
    default_schedule: Vec<Event>,
}

impl Scenario {
    /// Parses and validates a scenario file's text.
    pub fn from_json(text: &str) -> Result<Scenario, ScenarioError> {
        let file: ScenarioFile = parse(text)?;
        file.validate()
    }

    /// Whether this is the built-in scenario of its name, unchanged (a custom
    /// scenario may reuse a built-in name).
    pub fn is_builtin(&self) -> bool {
        parsed_builtins().iter().any(|b| b == self)
    }

    /// Short identifier.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// One-line title.
    pub fn title(&self) -> &str {
        &self.title
    }
    /// One-paragraph story.
    pub fn story(&self) -> &str {
        &self.story
    }
    /// The mm's ASID.
    pub fn asid(&self) -> u16 {
        self.asid
    }
    /// Entries per TLB.
    pub fn tlb_capacity(&self) -> usize {
        usize::from(self.tlb_capacity)
    }
    /// Whether `__switch_to()` executes `dsb(ish)`.
    pub fn switch_to_dsb(&self) -> bool {
        self.switch_to_dsb
    }
    /// The pages, indexed by [`PageId`].
    pub fn pages(&self) -> &[Page] {
        &self.pages
    }
    /// One page.
    pub fn page(&self, page: PageId) -> &Page {
        &self.pages[page.index()]
    }
    /// The CPUs, indexed by [`CpuId`].
    pub fn cpus(&self) -> &[Cpu] {
        &self.cpus
    }
    /// One CPU's program.
    pub fn program(&self, cpu: CpuId) -> &[Op<PageId>] {
        &self.cpus[cpu.index()].program
    }
    /// Number of CPUs.
    pub fn cpu_count(&self) -> usize {
        self.cpus.len()
    }
    /// The schedule that tells the story.
    pub fn default_schedule(&self) -> &[Event] {
        &self.default_schedule
    }
    /// A page's name.
    pub fn page_name(&self, page: PageId) -> &str {
        &self.pages[page.index()].name
    }

    /// The file form of this scenario (for export; validates back to `self`).
    pub fn to_file(&self) -> ScenarioFile {
        let name = |p: PageId| self.page_name(p).to_string();
        ScenarioFile {
            format: FORMAT_VERSION,
            name: self.name.clone(),
            title: self.title.clone(),
            story: self.story.clone(),
            asid: self.asid,
            tlb_capacity: self.tlb_capacity,
            switch_to_dsb: self.switch_to_dsb,
            pages: self
                .pages
                .iter()
                .map(|p| PageSpec {
                    name: p.name.clone(),
                    vpn: p.vpn,
                    pfn: p.pfn,
                    writable: p.writable,
                    data: p.data,
                })
                .collect(),
            cpus: self
                .cpus
                .iter()
                .map(|c| CpuSpec {
                    role: c.role.clone(),
                    tlb: c.tlb.iter().map(|p| name(*p)).collect(),
                    program: c
                        .program
                        .iter()
                        .map(|op| {
                            op.clone()
                                .try_map_page(|p| Ok::<_, ()>(name(p)))
                                .expect("infallible")
                        })
                        .collect(),
                })
                .collect(),
            default_schedule: crate::event::format_schedule(&self.default_schedule),
        }
    }
}

impl ScenarioFile {
    /// Checks every field and resolves page names; the error names the field.
    pub fn validate(&self) -> Result<Scenario, ScenarioError> {
        if self.format != FORMAT_VERSION {
            return Err(invalid(
                "format",
                format!(
                    "version {} is not supported: this tlbsim reads version {FORMAT_VERSION}",
                    self.format
                ),
            ));
        }
        check_name("name", &self.name, 40)?;
        if self.title.trim().is_empty() {
            return Err(invalid("title", "must not be empty"));
        }
        if self.asid == 0 {
            return Err(invalid("asid", "ASID 0 is reserved; use 1 or more"));
        }
        if self.tlb_capacity == 0 || self.tlb_capacity > MAX_TLB_CAPACITY {
            return Err(invalid(
                "tlb_capacity",
                format!("must be 1 to {MAX_TLB_CAPACITY}, not {}", self.tlb_capacity),
            ));
        }
        let pages = self.validate_pages()?;
        let page_id = |field: &str, name: &str| -> Result<PageId, ScenarioError> {
            pages
                .iter()
                .position(|p| p.name == name)
                .map(|i| PageId(i as u8))
                .ok_or_else(|| {
                    let known: Vec<&str> = pages.iter().map(|p| p.name.as_str()).collect();
                    invalid(
                        field,
                        format!("page {name:?} is not mapped (pages: {})", known.join(", ")),
                    )
                })
        };
        if self.cpus.is_empty() || self.cpus.len() > MAX_CPUS {
            return Err(invalid(
                "cpus",
                format!("must list 1 to {MAX_CPUS} CPUs, not {}", self.cpus.len()),
            ));
        }
        let mut cpus = Vec::with_capacity(self.cpus.len());
        for (c, spec) in self.cpus.iter().enumerate() {
            let at = format!("cpus[{c}]");
            if spec.tlb.len() > usize::from(self.tlb_capacity) {
                return Err(invalid(
                    format!("{at}.tlb"),
                    format!(
                        "{} entries do not fit a TLB of capacity {}",
                        spec.tlb.len(),
                        self.tlb_capacity
                    ),
                ));
            }
            let mut tlb = Vec::new();
            for (i, name) in spec.tlb.iter().enumerate() {
                let id = page_id(&format!("{at}.tlb[{i}]"), name)?;
                if tlb.contains(&id) {
                    return Err(invalid(
                        format!("{at}.tlb[{i}]"),
                        format!("page {name:?} listed twice"),
                    ));
                }
                tlb.push(id);
            }
            if spec.program.len() > MAX_PROGRAM_LEN {
                return Err(invalid(
                    format!("{at}.program"),
                    format!(
                        "at most {MAX_PROGRAM_LEN} operations, not {}",
                        spec.program.len()
                    ),
                ));
            }
            let mut program = Vec::with_capacity(spec.program.len());
            for (i, op) in spec.program.iter().enumerate() {
                let field = format!("{at}.program[{i}]");
                let op = op
                    .clone()
                    .try_map_page(|name| page_id(&format!("{field}.page"), &name))?;
                match op {
                    Op::SwitchTo { to: other } | Op::SwitchIn { from: other } => {
                        let key = if matches!(op, Op::SwitchTo { .. }) {
                            "to"
                        } else {
                            "from"
                        };
                        if other.index() >= self.cpus.len() {
                            return Err(invalid(
                                format!("{field}.{key}"),
                                format!(
                                    "CPU{} does not exist (the scenario has {} CPUs)",
                                    other.0,
                                    self.cpus.len()
                                ),
                            ));
                        }
                        if other.index() == c {
                            return Err(invalid(
                                format!("{field}.{key}"),
                                "a task cannot migrate to the CPU it is on",
                            ));
                        }
                    }
                    _ => {}
                }
                program.push(op);
            }
            check_ptl_pairing(&at, &program)?;
            cpus.push(Cpu {
                role: spec.role.clone(),
                tlb,
                program,
            });
        }
        check_migrations(&cpus)?;
        let default_schedule = parse_schedule(&self.default_schedule)
            .map_err(|e| invalid("default_schedule", e.to_string()))?;
        for (i, event) in default_schedule.iter().enumerate() {
            for cpu in event.cpus() {
                if cpu.index() >= cpus.len() {
                    return Err(invalid(
                        format!("default_schedule[{i}]"),
                        format!(
                            "{cpu} does not exist (the scenario has {} CPUs)",
                            cpus.len()
                        ),
                    ));
                }
            }
        }
        Ok(Scenario {
            name: self.name.clone(),
            title: self.title.clone(),
            story: self.story.clone(),
            asid: self.asid,
            tlb_capacity: self.tlb_capacity,
            switch_to_dsb: self.switch_to_dsb,
            pages,
            cpus,
            default_schedule,
        })
    }

    fn validate_pages(&self) -> Result<Vec<Page>, ScenarioError> {
        if self.pages.is_empty() || self.pages.len() > MAX_PAGES {
            return Err(invalid(
                "pages",
                format!("must list 1 to {MAX_PAGES} pages, not {}", self.pages.len()),
            ));
        }
        let mut pages: Vec<Page> = Vec::with_capacity(self.pages.len());
        for (i, p) in self.pages.iter().enumerate() {
            check_name(&format!("pages[{i}].name"), &p.name, 8)?;
            if let Some(j) = pages.iter().position(|q| q.name == p.name) {
                return Err(invalid(
                    format!("pages[{i}].name"),
                    format!("{:?} is also the name of pages[{j}]", p.name),
                ));
            }
            if let Some(j) = pages.iter().position(|q| q.vpn == p.vpn) {
                return Err(invalid(
                    format!("pages[{i}].vpn"),
                    format!("{:#x} is also the vpn of pages[{j}]", p.vpn),
                ));
            }
            if let Some(j) = pages.iter().position(|q| q.pfn == p.pfn) {
                return Err(invalid(
                    format!("pages[{i}].pfn"),
                    format!("{:#x} is also the pfn of pages[{j}]", p.pfn),
                ));
            }
            pages.push(Page {
                name: p.name.clone(),
                vpn: p.vpn,
                pfn: p.pfn,
                writable: p.writable,
                data: p.data,
            });
        }
        Ok(pages)
    }
}

fn check_name(field: &str, name: &str, max: usize) -> Result<(), ScenarioError> {
    let ok = !name.is_empty()
        && name.len() <= max
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(invalid(
            field,
            format!("{name:?} must be 1 to {max} ASCII letters, digits, '-' or '_'"),
        ))
    }
}

/// The page-table lock is a spinlock: a program must drop it before taking it again,
/// and must not end holding it, or the model would deadlock by construction.
fn check_ptl_pairing(at: &str, program: &[Op<PageId>]) -> Result<(), ScenarioError> {
    let mut held_since: Option<usize> = None;
    for (i, op) in program.iter().enumerate() {
        if op.takes_ptl() {
            if let Some(j) = held_since {
                return Err(invalid(
                    format!("{at}.program[{i}]"),
                    format!(
                        "{} takes the page-table lock, which this CPU already holds since program[{j}] ({}); drop it first with set_tlb_ubc_flush_pending or change_pte_range",
                        op.name(),
                        program[j].name()
                    ),
                ));
            }
            held_since = Some(i);
        } else if op.drops_ptl() {
            held_since = None;
        } else if let (Some(j), Op::SwitchTo { .. }) = (held_since, op) {
            return Err(invalid(
                format!("{at}.program[{i}]"),
                format!("switch_to while holding the page-table lock taken at program[{j}]"),
            ));
        }
    }
    match held_since {
        Some(j) => Err(invalid(
            format!("{at}.program[{j}]"),
            format!(
                "{} takes the page-table lock but the program ends without dropping it",
                program[j].name()
            ),
        )),
        None => Ok(()),
    }
}

/// Every `switch_to` needs the matching `switch_in` on the target CPU and back.
fn check_migrations(cpus: &[Cpu]) -> Result<(), ScenarioError> {
    for (c, cpu) in cpus.iter().enumerate() {
        let me = CpuId(c as u8);
        for (i, op) in cpu.program.iter().enumerate() {
            let (other, wanted, what) = match op {
                Op::SwitchTo { to } => (*to, Op::SwitchIn { from: me }, "switch_in"),
                Op::SwitchIn { from } => (*from, Op::SwitchTo { to: me }, "switch_to"),
                _ => continue,
            };
            let count = |p: &[Op<PageId>], o: &Op<PageId>| p.iter().filter(|x| *x == o).count();
            if count(&cpus[other.index()].program, &wanted) != 1 || count(&cpu.program, op) != 1 {
                return Err(invalid(
                    format!("cpus[{c}].program[{i}]"),
                    format!(
                        "{} needs exactly one matching {what} in {other}'s program (and itself once)",
                        op.name()
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// What [`import`] found in a file: a scenario, and when the file was an exported
/// trace, the mitigation and schedule it was played with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Imported {
    /// The validated scenario.
    pub scenario: Scenario,
    /// The trace's mitigation (`None` for a plain scenario file).
    pub mitigation: Option<Mitigation>,
    /// The trace's schedule (`None` for a plain scenario file).
    pub schedule: Option<Vec<Event>>,
}

/// The fields of an exported [`crate::trace::Trace`] that matter for re-importing
/// it. Other fields (steps, outcome, machine) are derived, so they are ignored.
#[derive(Deserialize)]
struct TraceFile {
    format: Option<u32>,
    scenario: ScenarioFile,
    mitigation: Option<Mitigation>,
    schedule: Option<String>,
}

/// Reads a scenario file, or a trace exported by `tlbsim run --json` or the web app
/// (recognised by its `scenario` field). Errors name the line and column, or the
/// field (prefixed with `scenario.` inside a trace).
pub fn import(text: &str) -> Result<Imported, ScenarioError> {
    // Parsing into a generic value first tells the two kinds apart; the typed parse
    // below then runs on the text again so that its errors keep line and column.
    let value: serde_json::Value = parse(text)?;
    if value.get("scenario").is_none() {
        return Ok(Imported {
            scenario: Scenario::from_json(text)?,
            mitigation: None,
            schedule: None,
        });
    }
    let trace: TraceFile = parse(text)?;
    if let Some(format) = trace.format.filter(|f| *f != FORMAT_VERSION) {
        return Err(invalid(
            "format",
            format!(
                "version {format} is not supported: this tlbsim reads version {FORMAT_VERSION}"
            ),
        ));
    }
    let scenario = trace.scenario.validate().map_err(|e| match e {
        ScenarioError::Invalid { field, message } => ScenarioError::Invalid {
            field: format!("scenario.{field}"),
            message,
        },
        syntax @ ScenarioError::Syntax { .. } => syntax,
    })?;
    let schedule = trace
        .schedule
        .map(|text| parse_schedule(&text).map_err(|e| invalid("schedule", e.to_string())))
        .transpose()?;
    Ok(Imported {
        scenario,
        mitigation: trace.mitigation,
        schedule,
    })
}

// `BUILTIN_NAMES`, `BUILTIN_FILES` (their text) and `BUILTIN_STATIC` (the
// scenarios as static data, page names resolved), written by build.rs from its
// list of names, so that opening a built-in scenario needs neither the JSON
// parser nor the validator (the web app's first download carries neither).
include!(concat!(env!("OUT_DIR"), "/builtin_scenarios.rs"));

/// A built-in scenario as static data (see `BUILTIN_STATIC`), pages resolved.
struct StaticScenario {
    name: &'static str,
    title: &'static str,
    story: &'static str,
    asid: u16,
    tlb_capacity: u8,
    switch_to_dsb: bool,
    pages: &'static [StaticPage],
    cpus: &'static [StaticCpu],
    default_schedule: &'static str,
}

/// A page of a [`StaticScenario`].
struct StaticPage {
    name: &'static str,
    vpn: u32,
    pfn: u32,
    writable: bool,
    data: u8,
}

/// A CPU of a [`StaticScenario`].
struct StaticCpu {
    role: &'static str,
    tlb: &'static [PageId],
    program: &'static [Op<PageId>],
}

impl StaticScenario {
    /// The scenario, as `ScenarioFile::validate` makes it of the file. Not
    /// validated again here: build.rs resolved it, and a test compares the two.
    fn scenario(&self) -> Scenario {
        Scenario {
            name: self.name.to_string(),
            title: self.title.to_string(),
            story: self.story.to_string(),
            asid: self.asid,
            tlb_capacity: self.tlb_capacity,
            switch_to_dsb: self.switch_to_dsb,
            pages: self
                .pages
                .iter()
                .map(|p| Page {
                    name: p.name.to_string(),
                    vpn: p.vpn,
                    pfn: p.pfn,
                    writable: p.writable,
                    data: p.data,
                })
                .collect(),
            cpus: self
                .cpus
                .iter()
                .map(|c| Cpu {
                    role: c.role.to_string(),
                    tlb: c.tlb.to_vec(),
                    program: c.program.to_vec(),
                })
                .collect(),
            // The built-in schedules are checked by the same test.
            default_schedule: parse_schedule(self.default_schedule).unwrap_or_default(),
        }
    }
}

/// Names of the built-in scenarios, in the order the UI lists them.
pub fn builtin_names() -> impl Iterator<Item = &'static str> {
    BUILTIN_NAMES.into_iter()
}

/// Whether `name` is a built-in scenario.
pub fn is_builtin(name: &str) -> bool {
    builtin_names().any(|n| n == name)
}

/// The built-in scenarios, validated once: the web app asks for them on every
/// render (the scenario picker, and permalinks, which name a scenario only if it
/// is built in).
fn parsed_builtins() -> &'static [Scenario] {
    static PARSED: std::sync::OnceLock<Vec<Scenario>> = std::sync::OnceLock::new();
    PARSED.get_or_init(|| {
        BUILTIN_STATIC
            .iter()
            .map(StaticScenario::scenario)
            .collect()
    })
}

/// A built-in scenario by name (`None` if there is no such scenario).
pub fn builtin(name: &str) -> Option<Scenario> {
    parsed_builtins().iter().find(|s| s.name() == name).cloned()
}

/// The text of a built-in scenario's file.
pub fn builtin_json(name: &str) -> Option<&'static str> {
    BUILTIN_FILES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, t)| *t)
}

/// A generated member of the seed race's family, for measuring how exploration
/// grows with the number of CPUs: `seed-race` (reclaim on CPU0, mprotect and a
/// write on CPU1) plus `cpus - 2` more threads of the same mm, each writing P
/// twice (the first write caches P, the second may go through a stale entry).
/// `cpus` is clamped to 2..=[`MAX_CPUS`]; `family(2)` explores like `seed-race`.
pub fn family(cpus: usize) -> Scenario {
    let cpus = cpus.clamp(2, MAX_CPUS);
    let seed = builtin("seed-race").expect("seed-race is built in");
    let mut file = seed.to_file();
    file.name = format!("family-{cpus}");
    file.title = format!("The seed race with {} more threads writing P", cpus - 2);
    file.story = format!(
        "Generated: the seed race, plus {} threads of the same mm on CPU2 to CPU{} that each write P twice. Used to measure how the number of states grows with the number of CPUs.",
        cpus - 2,
        cpus - 1
    );
    let mut schedule: Vec<String> = vec!["s1".into()];
    for c in 2..cpus {
        let value = u8::try_from(c * 10).unwrap_or(u8::MAX);
        file.cpus.push(CpuSpec {
            role: "thread: writes P".into(),
            tlb: Vec::new(),
            program: vec![
                Op::Write {
                    page: "P".into(),
                    value,
                },
                Op::Write {
                    page: "P".into(),
                    value: value + 1,
                },
            ],
        });
        schedule.push(format!("s{c}"));
    }
    schedule.extend(["s0", "s0", "s1", "s1", "s1", "s1"].map(String::from));
    schedule.extend((2..cpus).map(|c| format!("s{c}")));
    schedule.extend(["s0", "s0"].map(String::from));
    file.default_schedule = schedule.join(",");
    file.validate().expect("a generated family member is valid")
}

/// All built-in scenarios.
pub fn builtins() -> Vec<Scenario> {
    parsed_builtins().to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// build.rs turns the JSON files into resolved static data; each built-in
    /// scenario must be exactly what the parser and the validator make of its
    /// file (defaults, page indices and schedule included), in the same order.
    #[test]
    fn builtins_are_their_files() {
        assert_eq!(parsed_builtins().len(), BUILTIN_FILES.len());
        assert!(BUILTIN_NAMES
            .iter()
            .eq(BUILTIN_FILES.iter().map(|(n, _)| n)));
        for (generated, (name, text)) in parsed_builtins().iter().zip(BUILTIN_FILES) {
            let parsed = Scenario::from_json(text).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(
                *generated, parsed,
                "{name}: build.rs disagrees with the parser"
            );
            assert_eq!(generated.name(), name);
        }
    }
}
