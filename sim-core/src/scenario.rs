//! Scenarios: the file format (JSON, documented in docs/scenario-format.md), its
//! validation, and the built-in scenarios, which are written in that format.
//!
//! A scenario has CPUs (each with a TLB), pages of one mm, and tasks. A task runs
//! on one CPU at a time and has a program of [`Call`]s; validation expands each
//! call into the kernel's steps ([`Op`]) and refuses what no kernel does. Files
//! of format 1 (one program per CPU) are translated by [`crate::v1`].

use serde::{Deserialize, Serialize};

use crate::arch::Arch;
use crate::event::{parse_schedule, Event};
use crate::limits::{
    MAX_PAGE_NAME, MAX_ROLE_CHARS, MAX_SCENARIO_NAME, MAX_STORY_CHARS, MAX_TASK_NAME,
    MAX_TITLE_CHARS,
};
use crate::mitigation::Mitigation;
use crate::op::{
    Call, CpuId, FlagId, Op, PageId, PageSet, Syscall, TableId, Tables, TaskId, PTRS_PER_PTE,
};

/// The version of the scenario format this tlbsim writes.
pub const FORMAT_VERSION: u32 = 2;
/// Most CPUs a scenario may have.
pub const MAX_CPUS: usize = 16;
/// Most tasks a scenario may have.
pub const MAX_TASKS: usize = 16;
/// Most pages a scenario's mm may have.
pub const MAX_PAGES: usize = 16;
/// Most flags a scenario may name.
pub const MAX_FLAGS: usize = 8;
/// Largest TLB a scenario may configure.
pub const MAX_TLB_CAPACITY: u8 = 16;
/// Most calls in one task's program.
pub const MAX_PROGRAM_LEN: usize = 32;
/// Most steps one task's program may expand to.
pub const MAX_STEPS: usize = 200;

/// A scenario as written in a file (format 2): names not yet resolved or checked.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    /// Format version; must be [`FORMAT_VERSION`] (format 1 is read by [`crate::v1`]).
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
    /// The architecture the scenario runs on by default (`arm64`, `x86`, `riscv`;
    /// `--arch` and permalinks override it). Left out of files when arm64.
    #[serde(default, skip_serializing_if = "Arch::is_arm64")]
    pub arch: Arch,
    /// The pages of the mm.
    pub pages: Vec<PageSpec>,
    /// One entry per CPU, CPU0 first.
    pub cpus: Vec<CpuSpec>,
    /// The tasks; tasks that start on the same CPU run there in this order.
    pub tasks: Vec<TaskSpec>,
    /// The schedule that tells the scenario's story, in the text form of events.
    #[serde(default)]
    pub default_schedule: String,
}

/// One page of the mm as a file describes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageSpec {
    /// Name used by calls (`"P"`).
    pub name: String,
    /// Virtual page number. Pages whose numbers agree after division by 512 share
    /// a PTE table, and so a page-table lock.
    pub vpn: u32,
    /// Physical frame number it maps to (ignored when `present` is false).
    #[serde(default)]
    pub pfn: u32,
    /// Whether the PTE starts writable (and dirty).
    #[serde(default = "default_true")]
    pub writable: bool,
    /// Whether the page is mapped at the start; an unmapped page is the target of
    /// an `mremap`.
    #[serde(default = "default_true", skip_serializing_if = "is_true")]
    pub present: bool,
    /// The page's initial contents (one byte stands for the page).
    #[serde(default)]
    pub data: u8,
}

/// One CPU as a file describes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct CpuSpec {
    /// Pages whose translation this CPU's TLB holds at the start.
    #[serde(default)]
    pub tlb: Vec<String>,
}

/// One task as a file describes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaskSpec {
    /// Short identifier shown in the lanes (`"kswapd0"`, `"thread1"`).
    pub name: String,
    /// What it does, in a few words (`"reclaim"`).
    pub role: String,
    /// The CPU it starts on.
    pub cpu: u8,
    /// Its calls, in order.
    pub program: Vec<Call<String>>,
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
fn is_true(b: &bool) -> bool {
    *b
}

/// Why a scenario file was rejected: where, and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ScenarioError {
    /// The text is not valid JSON of the expected shape. The message starts with
    /// the path of the value being read when there is one (`tasks[1].program[2]: `).
    #[error("line {line}, column {column}: {message}")]
    Syntax {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What the JSON parser expected.
        message: String,
    },
    /// The text is over its size limit ([`crate::limits`]); nothing of it was parsed.
    #[error("{0}")]
    TooLarge(crate::limits::TooLarge),
    /// The JSON is well formed but a field's value is not acceptable.
    #[error("{field}: {message}")]
    Invalid {
        /// Path of the field, e.g. `tasks[1].program[2].page`.
        field: String,
        /// Why it is wrong.
        message: String,
    },
}

impl ScenarioError {
    /// The same error with `prefix.` in front of its field (a scenario inside a
    /// trace or a lesson).
    pub fn within(self, prefix: &str) -> ScenarioError {
        match self {
            ScenarioError::Invalid { field, message } => ScenarioError::Invalid {
                field: format!("{prefix}.{field}"),
                message,
            },
            syntax => syntax,
        }
    }
}

/// Parses JSON text into `T`. Errors carry serde_json's line and column and, in
/// front of the message, the path of the value being read (`tasks[1].program[2]`):
/// serde reports some errors only after the whole value (a call) is read, so the
/// position alone can point past the culprit.
pub(crate) fn parse<'de, T: serde::Deserialize<'de>>(text: &'de str) -> Result<T, ScenarioError> {
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
    // serde quotes the offending input (an unknown field or variant, a string of
    // the wrong type): only an excerpt of it is kept, and of the path too.
    let path = path.map(|p| excerpt(&p));
    // Shown as "line L, column C: PATH: MESSAGE": the whole stays bounded.
    let prefix = format!("line {}, column {}: ", e.line(), e.column()).len()
        + path.as_ref().map_or(0, |p| p.len() + 2);
    let message = crate::limits::bound_message_after(
        prefix,
        match message.rfind(" at line ") {
            Some(cut) => &message[..cut],
            None => &message,
        },
    );
    ScenarioError::Syntax {
        line: e.line(),
        column: e.column(),
        message: match path {
            Some(path) => format!("{path}: {message}"),
            None => message,
        },
    }
}

/// A field's error. The message is bounded ([`crate::limits::bound_message`]):
/// one that lists names from the file stays short whatever the file holds.
pub(crate) fn invalid(field: impl Into<String>, message: impl Into<String>) -> ScenarioError {
    let field = field.into();
    // Shown as "FIELD: MESSAGE": the whole stays bounded.
    let message = crate::limits::bound_message_after(field.len() + 2, &message.into());
    ScenarioError::Invalid { field, message }
}

/// A page once validated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Page {
    /// Name used by calls.
    pub name: String,
    /// Virtual page number.
    pub vpn: u32,
    /// Physical frame number (meaningful when `present`).
    pub pfn: u32,
    /// Whether the PTE starts writable.
    pub writable: bool,
    /// Whether the page is mapped at the start.
    pub present: bool,
    /// Initial contents.
    pub data: u8,
    /// The PTE table that maps it.
    pub table: TableId,
}

impl Page {
    /// The page's virtual address.
    pub fn address(&self) -> u64 {
        u64::from(self.vpn) << 12
    }
}

/// A PTE table once validated: the 512 virtual pages it maps start at `first_vpn`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Table {
    /// The first virtual page number it maps (a multiple of 512).
    pub first_vpn: u32,
}

impl Table {
    /// The name the UI and the narrative use for its lock (`ptl@0x400000`).
    pub fn lock_name(&self) -> String {
        format!("ptl@{:#x}", u64::from(self.first_vpn) << 12)
    }
}

/// A CPU once validated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cpu {
    /// Pages cached in its TLB at the start.
    pub tlb: Vec<PageId>,
}

/// A task once validated: its calls, and the steps they expand to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Task {
    /// Short identifier.
    pub name: String,
    /// What it does.
    pub role: String,
    /// The CPU it starts on.
    pub cpu: CpuId,
    /// Its calls, as written.
    pub calls: Vec<Call<PageId>>,
    /// The steps they expand to.
    pub steps: Vec<Op>,
    /// For each step, the index of the call it belongs to.
    pub call_of: Vec<u8>,
}

impl Task {
    /// Whether the task is a thread of the mm: its program makes a user access,
    /// signals or waits (user space), or makes a system call on the mm. A task
    /// that only reclaims (kswapd) is a kernel thread: running it does not put
    /// its CPU in `mm_cpumask(mm)` (x86, riscv).
    pub fn uses_mm(&self) -> bool {
        self.calls.iter().any(|c| {
            matches!(
                c,
                Call::Read { .. }
                    | Call::Write { .. }
                    | Call::Signal { .. }
                    | Call::Wait { .. }
                    | Call::Mprotect { .. }
                    | Call::Munmap { .. }
                    | Call::MadviseDontneed { .. }
                    | Call::Mremap { .. }
            )
        })
    }
}

/// A validated scenario: every name resolved, every index in range, every
/// program one that a kernel could run. Only [`ScenarioFile::validate`] makes one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scenario {
    name: String,
    title: String,
    story: String,
    asid: u16,
    tlb_capacity: u8,
    switch_to_dsb: bool,
    arch: Arch,
    pages: Vec<Page>,
    tables: Vec<Table>,
    cpus: Vec<Cpu>,
    tasks: Vec<Task>,
    flags: Vec<String>,
    isolated: PageSet,
    default_schedule: Vec<Event>,
}

impl Scenario {
    /// Parses and validates a scenario file's text, of format 2 or (translated) 1.
    pub fn from_json(text: &str) -> Result<Scenario, ScenarioError> {
        Ok(crate::v1::read_scenario(text)?.scenario)
    }

    /// Whether this is the built-in scenario of its name, unchanged (a custom
    /// scenario may reuse a built-in name).
    pub fn is_builtin(&self) -> bool {
        builtin_ref(self.name()) == Some(self)
    }

    /// Whether its name alone gives it back ([`named`]): a built-in or a
    /// generated member, unchanged. A link then names it instead of carrying it.
    pub fn is_named(&self) -> bool {
        self.is_builtin() || generated(&self.name).is_some_and(|g| g.is_ok_and(|g| &g == self))
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

    /// The title as told on `arch`: a built-in's arm64 title is retold for x86
    /// and riscv where it says something only arm64 does
    /// (`crate::arch_story`); otherwise [`Scenario::title`].
    pub fn title_on(&self, arch: Arch) -> String {
        self.retold(arch)
            .map(|(t, _)| t)
            .unwrap_or_else(|| self.title.clone())
    }

    /// The story as told on `arch` (see [`Scenario::title_on`]).
    pub fn story_on(&self, arch: Arch) -> String {
        self.retold(arch)
            .map(|(_, s)| s)
            .unwrap_or_else(|| self.story.clone())
    }

    fn retold(&self, arch: Arch) -> Option<(String, String)> {
        if arch == self.arch || !self.is_builtin() {
            return None;
        }
        crate::arch_story::retold(&self.name, arch)
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
    /// The architecture the scenario names (the default of a [`crate::Model`]).
    pub fn arch(&self) -> Arch {
        self.arch
    }

    /// Why this scenario cannot run on `arch`, if it cannot: raw arm64
    /// instructions (`tlbi_va`, `tlbi_aside`, `dsb_ish`) have no x86 or riscv
    /// meaning, and a kernel without `__switch_to()`'s `dsb(ish)` is a hypothetical
    /// arm64 kernel (the other architectures have no such DSB to leave out).
    pub fn arch_refusal(&self, arch: Arch) -> Option<String> {
        if !arch.uses_ipis() {
            return None;
        }
        if !self.switch_to_dsb {
            return Some(format!(
                "{} is about arm64's __switch_to() dsb(ish) (switch_to_dsb: false); {arch} completes a batch by flush IPIs that its sender waits for, so a context switch has no DSB to leave out",
                self.name
            ));
        }
        for task in &self.tasks {
            if let Some(call) = task
                .calls
                .iter()
                .find(|c| matches!(c, Call::TlbiVa { .. } | Call::TlbiAside | Call::DsbIsh))
            {
                return Some(format!(
                    "{}'s {} is a raw arm64 instruction, which {arch} does not have",
                    task.name,
                    call.name()
                ));
            }
        }
        None
    }

    /// The pages, indexed by [`PageId`].
    pub fn pages(&self) -> &[Page] {
        &self.pages
    }
    /// One page.
    pub fn page(&self, page: PageId) -> &Page {
        &self.pages[page.index()]
    }
    /// A page's name.
    pub fn page_name(&self, page: PageId) -> &str {
        &self.pages[page.index()].name
    }
    /// The PTE tables, indexed by [`TableId`].
    pub fn tables(&self) -> &[Table] {
        &self.tables
    }
    /// The CPUs, indexed by [`CpuId`].
    pub fn cpus(&self) -> &[Cpu] {
        &self.cpus
    }
    /// Number of CPUs.
    pub fn cpu_count(&self) -> usize {
        self.cpus.len()
    }
    /// The tasks, indexed by [`TaskId`].
    pub fn tasks(&self) -> &[Task] {
        &self.tasks
    }
    /// One task.
    pub fn task(&self, task: TaskId) -> &Task {
        &self.tasks[task.index()]
    }
    /// The tasks that start on `cpu`, in the order they run there.
    pub fn tasks_on(&self, cpu: CpuId) -> impl Iterator<Item = (TaskId, &Task)> {
        self.tasks
            .iter()
            .enumerate()
            .filter(move |(_, t)| t.cpu == cpu)
            .map(|(i, t)| (TaskId(i as u8), t))
    }
    /// What a CPU runs at the start, for column headers: `kswapd0: reclaim`, the
    /// tasks queued there after a `+`, or `idle`.
    pub fn cpu_label(&self, cpu: CpuId) -> String {
        let names: Vec<String> = self
            .tasks_on(cpu)
            .map(|(_, t)| {
                if t.role.is_empty() {
                    t.name.clone()
                } else {
                    format!("{}: {}", t.name, t.role)
                }
            })
            .collect();
        if names.is_empty() {
            "idle".into()
        } else {
            names.join(" + ")
        }
    }
    /// The flags' names, indexed by [`FlagId`].
    pub fn flags(&self) -> &[String] {
        &self.flags
    }
    /// Pages whose folio reclaim has isolated (some task calls `try_to_unmap_one`
    /// on it): reclaim holds a reference, so only reclaim's `free_folio` frees it.
    pub fn isolated(&self) -> PageSet {
        self.isolated
    }
    /// The schedule that tells the story.
    pub fn default_schedule(&self) -> &[Event] {
        &self.default_schedule
    }
    /// The frame index (a [`PageId`] of a page mapped at the start) of `pfn`.
    pub fn frame_of(&self, pfn: u32) -> Option<usize> {
        self.pages.iter().position(|p| p.present && p.pfn == pfn)
    }
    /// Whether some task makes a call of this syscall (for the outcome's wording).
    pub fn calls_syscall(&self, syscall: Syscall) -> bool {
        self.tasks.iter().any(|t| {
            t.steps
                .iter()
                .any(|op| matches!(op, Op::Return { syscall: s, .. } if *s == syscall))
        })
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
            arch: self.arch,
            pages: self
                .pages
                .iter()
                .map(|p| PageSpec {
                    name: p.name.clone(),
                    vpn: p.vpn,
                    pfn: p.pfn,
                    writable: p.writable,
                    present: p.present,
                    data: p.data,
                })
                .collect(),
            cpus: self
                .cpus
                .iter()
                .map(|c| CpuSpec {
                    tlb: c.tlb.iter().map(|p| name(*p)).collect(),
                })
                .collect(),
            tasks: self
                .tasks
                .iter()
                .map(|t| TaskSpec {
                    name: t.name.clone(),
                    role: t.role.clone(),
                    cpu: t.cpu.0,
                    program: t
                        .calls
                        .iter()
                        .map(|c| {
                            c.clone()
                                .try_map_pages(|p| Ok::<_, ()>(name(p)))
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
    /// Checks every field, resolves names and expands calls; the error names the
    /// field. The default schedule must replay on the default kernel.
    pub fn validate(&self) -> Result<Scenario, ScenarioError> {
        let scenario = self.validate_structure()?;
        if let Some(why) = scenario.arch_refusal(scenario.arch) {
            return Err(invalid("arch", why));
        }
        let schedule = scenario.default_schedule().to_vec();
        check_replays(
            &scenario,
            scenario.arch.default_mitigation(),
            &schedule,
            "default_schedule",
        )?;
        Ok(scenario)
    }

    /// Everything but the replay of the default schedule.
    fn validate_structure(&self) -> Result<Scenario, ScenarioError> {
        if self.format != FORMAT_VERSION {
            return Err(invalid(
                "format",
                format!(
                    "version {} is not supported: this tlbsim reads versions 1 and {FORMAT_VERSION}",
                    self.format
                ),
            ));
        }
        check_name("name", &self.name, MAX_SCENARIO_NAME)?;
        check_text("title", &self.title, MAX_TITLE_CHARS, false)?;
        if !crate::limits::is_one_line(&self.title) {
            return Err(invalid("title", "must be one line (no line breaks)"));
        }
        check_text("story", &self.story, MAX_STORY_CHARS, true)?;
        if self.asid == 0 {
            return Err(invalid("asid", "ASID 0 is reserved; use 1 or more"));
        }
        if self.tlb_capacity == 0 || self.tlb_capacity > MAX_TLB_CAPACITY {
            return Err(invalid(
                "tlb_capacity",
                format!("must be 1 to {MAX_TLB_CAPACITY}, not {}", self.tlb_capacity),
            ));
        }
        let (pages, tables) = self.validate_pages()?;
        let page_id = |field: &str, name: &str| -> Result<PageId, ScenarioError> {
            pages
                .iter()
                .position(|p| p.name == name)
                .map(|i| PageId(i as u8))
                .ok_or_else(|| {
                    let known: Vec<&str> = pages.iter().map(|p| p.name.as_str()).collect();
                    invalid(
                        field,
                        format!(
                            "page \"{}\" is not a page of the mm (pages: {})",
                            excerpt(name),
                            known.join(", ")
                        ),
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
                let field = format!("{at}.tlb[{i}]");
                let id = page_id(&field, name)?;
                if tlb.contains(&id) {
                    return Err(invalid(field, format!("page {name:?} listed twice")));
                }
                if !pages[id.index()].present {
                    return Err(invalid(
                        field,
                        format!("page {name:?} is not mapped at the start, so no TLB caches it"),
                    ));
                }
                tlb.push(id);
            }
            cpus.push(Cpu { tlb });
        }
        if self.tasks.is_empty() || self.tasks.len() > MAX_TASKS {
            return Err(invalid(
                "tasks",
                format!("must list 1 to {MAX_TASKS} tasks, not {}", self.tasks.len()),
            ));
        }
        let flags = self.flags()?;
        let mut tasks: Vec<Task> = Vec::with_capacity(self.tasks.len());
        for (t, spec) in self.tasks.iter().enumerate() {
            let at = format!("tasks[{t}]");
            check_name(&format!("{at}.name"), &spec.name, MAX_TASK_NAME)?;
            if let Some(j) = tasks.iter().position(|o| o.name == spec.name) {
                return Err(invalid(
                    format!("{at}.name"),
                    format!("{:?} is also the name of tasks[{j}]", spec.name),
                ));
            }
            check_text(&format!("{at}.role"), &spec.role, MAX_ROLE_CHARS, true)?;
            if usize::from(spec.cpu) >= self.cpus.len() {
                return Err(invalid(
                    format!("{at}.cpu"),
                    format!(
                        "CPU{} does not exist (the scenario has {} CPUs)",
                        spec.cpu,
                        self.cpus.len()
                    ),
                ));
            }
            if spec.program.len() > MAX_PROGRAM_LEN {
                return Err(invalid(
                    format!("{at}.program"),
                    format!(
                        "at most {MAX_PROGRAM_LEN} calls, not {}",
                        spec.program.len()
                    ),
                ));
            }
            let mut calls = Vec::with_capacity(spec.program.len());
            for (i, call) in spec.program.iter().enumerate() {
                let field = format!("{at}.program[{i}]");
                let mut n = 0;
                let call = call.clone().try_map_pages(|name| {
                    let sub = match call {
                        Call::Mprotect { .. }
                        | Call::Munmap { .. }
                        | Call::MadviseDontneed { .. } => {
                            format!("{field}.pages[{n}]")
                        }
                        Call::Mremap { .. } if n == 1 => format!("{field}.to"),
                        _ => format!("{field}.page"),
                    };
                    n += 1;
                    page_id(&sub, &name)
                })?;
                calls.push(call);
            }
            tasks.push(Task {
                name: spec.name.clone(),
                role: spec.role.clone(),
                cpu: CpuId(spec.cpu),
                calls,
                steps: Vec::new(),
                call_of: Vec::new(),
            });
        }
        let isolated = check_reclaim(&tasks)?;
        check_mremap_targets(&pages, &tasks)?;
        check_batches(&tasks)?;
        check_mapped(&pages, &tasks)?;
        for (t, task) in tasks.iter_mut().enumerate() {
            let (steps, call_of) = expand(t, task, &pages, &flags, self.cpus.len())?;
            task.steps = steps;
            task.call_of = call_of;
        }
        let scenario = Scenario {
            name: self.name.clone(),
            title: self.title.clone(),
            story: self.story.clone(),
            asid: self.asid,
            tlb_capacity: self.tlb_capacity,
            switch_to_dsb: self.switch_to_dsb,
            arch: self.arch,
            pages,
            tables,
            cpus,
            tasks,
            flags,
            isolated,
            default_schedule: Vec::new(),
        };
        let default_schedule = parse_schedule(&self.default_schedule).map_err(|e| {
            invalid(
                format!("default_schedule[{}]", e.index),
                e.source.to_string(),
            )
        })?;
        Ok(Scenario {
            default_schedule,
            ..scenario
        })
    }

    /// Every flag a task signals or waits on, in order of first mention; a wait on
    /// a flag nobody signals could never end.
    fn flags(&self) -> Result<Vec<String>, ScenarioError> {
        let mut flags: Vec<String> = Vec::new();
        for (t, task) in self.tasks.iter().enumerate() {
            for (i, call) in task.program.iter().enumerate() {
                if let Call::Signal { flag } | Call::Wait { flag } = call {
                    check_name(
                        &format!("tasks[{t}].program[{i}].flag"),
                        flag,
                        MAX_TASK_NAME,
                    )?;
                    if !flags.contains(flag) {
                        if flags.len() == MAX_FLAGS {
                            return Err(invalid(
                                format!("tasks[{t}].program[{i}].flag"),
                                format!("at most {MAX_FLAGS} flags"),
                            ));
                        }
                        flags.push(flag.clone());
                    }
                }
            }
        }
        for (t, task) in self.tasks.iter().enumerate() {
            for (i, call) in task.program.iter().enumerate() {
                if let Call::Wait { flag } = call {
                    let signalled = self.tasks.iter().any(|o| {
                        o.program
                            .iter()
                            .any(|c| matches!(c, Call::Signal { flag: f } if f == flag))
                    });
                    if !signalled {
                        return Err(invalid(
                            format!("tasks[{t}].program[{i}].flag"),
                            format!("no task signals {flag:?}, so this wait could never end"),
                        ));
                    }
                }
            }
        }
        Ok(flags)
    }

    fn validate_pages(&self) -> Result<(Vec<Page>, Vec<Table>), ScenarioError> {
        if self.pages.is_empty() || self.pages.len() > MAX_PAGES {
            return Err(invalid(
                "pages",
                format!("must list 1 to {MAX_PAGES} pages, not {}", self.pages.len()),
            ));
        }
        let mut firsts: Vec<u32> = self
            .pages
            .iter()
            .map(|p| p.vpn - p.vpn % PTRS_PER_PTE)
            .collect();
        crate::small_sort::by_key(&mut firsts, |f| *f);
        firsts.dedup();
        let tables: Vec<Table> = firsts
            .iter()
            .map(|&first_vpn| Table { first_vpn })
            .collect();
        let mut pages: Vec<Page> = Vec::with_capacity(self.pages.len());
        for (i, p) in self.pages.iter().enumerate() {
            check_name(&format!("pages[{i}].name"), &p.name, MAX_PAGE_NAME)?;
            if let Some(j) = pages.iter().position(|q| q.name == p.name) {
                return Err(invalid(
                    format!("pages[{i}].name"),
                    format!("{:?} is also the name of pages[{j}]", p.name),
                ));
            }
            if p.vpn >= 1 << 24 {
                return Err(invalid(
                    format!("pages[{i}].vpn"),
                    format!("{:#x} is above the model's 64 GB of virtual pages", p.vpn),
                ));
            }
            if let Some(j) = pages.iter().position(|q| q.vpn == p.vpn) {
                return Err(invalid(
                    format!("pages[{i}].vpn"),
                    format!("{:#x} is also the vpn of pages[{j}]", p.vpn),
                ));
            }
            if let Some(j) = pages
                .iter()
                .position(|q| p.present && q.present && q.pfn == p.pfn)
            {
                return Err(invalid(
                    format!("pages[{i}].pfn"),
                    format!("{:#x} is also the pfn of pages[{j}]", p.pfn),
                ));
            }
            let first = p.vpn - p.vpn % PTRS_PER_PTE;
            let table = TableId(firsts.iter().position(|f| *f == first).unwrap_or(0) as u8);
            pages.push(Page {
                name: p.name.clone(),
                vpn: p.vpn,
                pfn: if p.present { p.pfn } else { 0 },
                writable: p.writable,
                present: p.present,
                data: p.data,
                table,
            });
        }
        Ok((pages, tables))
    }
}

pub(crate) use crate::limits::excerpt;

/// `events` replay on `scenario` under `mitigation`; otherwise the error names
/// `field[i]`, the event, the kernel and why it cannot happen there.
pub(crate) fn check_replays(
    scenario: &Scenario,
    mitigation: Mitigation,
    events: &[Event],
    field: &str,
) -> Result<(), ScenarioError> {
    let model = crate::Model::new(scenario.clone(), mitigation);
    let kernel = model.kernel_name();
    match crate::History::replay(model, events) {
        Ok(_) => Ok(()),
        Err((_, e)) => Err(invalid(
            format!("{field}[{}]", e.index),
            format!(
                "{} does not replay on the {kernel} kernel: {}",
                e.event, e.error
            ),
        )),
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
            format!(
                "\"{}\" must be 1 to {max} ASCII letters, digits, '-' or '_'",
                excerpt(name)
            ),
        ))
    }
}

/// Free text (titles, stories, roles): bounded, so that no file can make the
/// layout of a ladder or a page expensive.
fn check_text(
    field: &str,
    text: &str,
    max: usize,
    may_be_empty: bool,
) -> Result<(), ScenarioError> {
    if !may_be_empty && crate::limits::is_blank(text) {
        return Err(invalid(field, "must not be empty or blank"));
    }
    let count = text.chars().count();
    if count > max {
        return Err(invalid(
            field,
            format!("at most {max} characters, not {count}"),
        ));
    }
    Ok(())
}

/// Reclaim works on folios it isolated from the LRU: each page is reclaimed by at
/// most one task, once; `pageout` needs the page unmapped by this task and its
/// batch flushed (`try_to_unmap_flush_dirty` or `try_to_unmap_flush`) after that;
/// `free_folio` needs the unmap and a `try_to_unmap_flush` after it.
fn check_reclaim(tasks: &[Task]) -> Result<PageSet, ScenarioError> {
    let mut isolated = PageSet::default();
    let mut by: Vec<Option<(usize, usize)>> = vec![None; MAX_PAGES];
    for (t, task) in tasks.iter().enumerate() {
        // Per page: unmapped at call index, flushed (any), flushed (full), paged out, freed.
        let mut unmapped: [Option<usize>; MAX_PAGES] = [None; MAX_PAGES];
        let mut flushed_any = [false; MAX_PAGES];
        let mut flushed_full = [false; MAX_PAGES];
        let mut paged_out = [false; MAX_PAGES];
        let mut freed = [false; MAX_PAGES];
        for (i, call) in task.calls.iter().enumerate() {
            let field = format!("tasks[{t}].program[{i}].page");
            match *call {
                Call::TryToUnmapOne { page } => {
                    if let Some((ot, oi)) = by[page.index()] {
                        return Err(invalid(
                            field,
                            format!("this page is already reclaimed by tasks[{ot}].program[{oi}]: a folio is isolated by one reclaimer, once"),
                        ));
                    }
                    by[page.index()] = Some((t, i));
                    isolated = isolated.with(page);
                    unmapped[page.index()] = Some(i);
                }
                Call::TryToUnmapFlushDirty => flushed_any
                    .iter_mut()
                    .zip(&unmapped)
                    .for_each(|(f, u)| *f |= u.is_some()),
                Call::TryToUnmapFlush => {
                    for p in 0..MAX_PAGES {
                        if unmapped[p].is_some() {
                            flushed_any[p] = true;
                            flushed_full[p] = true;
                        }
                    }
                }
                Call::Pageout { page } => {
                    let p = page.index();
                    if unmapped[p].is_none() {
                        return Err(invalid(field, "pageout of a page this task has not unmapped with try_to_unmap_one: reclaim writes out only pages it unmapped"));
                    }
                    if !flushed_any[p] {
                        return Err(invalid(field, "pageout before try_to_unmap_flush_dirty or try_to_unmap_flush: shrink_folio_list() flushes the batch before writing a dirty page"));
                    }
                    if paged_out[p] || freed[p] {
                        return Err(invalid(field, "this page was already written out or freed"));
                    }
                    paged_out[p] = true;
                }
                Call::FreeFolio { page } => {
                    let p = page.index();
                    if unmapped[p].is_none() {
                        return Err(invalid(
                            field,
                            "free_folio of a page this task has not unmapped with try_to_unmap_one",
                        ));
                    }
                    if !flushed_full[p] {
                        return Err(invalid(field, "free_folio before try_to_unmap_flush: shrink_folio_list() completes the batch before freeing"));
                    }
                    if freed[p] {
                        return Err(invalid(field, "this page was already freed"));
                    }
                    freed[p] = true;
                }
                _ => {}
            }
        }
    }
    Ok(isolated)
}

/// Reclaim's batch lives inside `shrink_folio_list()`, which always ends with
/// `try_to_unmap_flush()`: between a task's first `try_to_unmap_one` and its
/// `try_to_unmap_flush` it runs only reclaim (and may be moved or rescheduled),
/// and no program ends with a batch open.
fn check_batches(tasks: &[Task]) -> Result<(), ScenarioError> {
    for (t, task) in tasks.iter().enumerate() {
        let mut open: Option<usize> = None;
        for (i, call) in task.calls.iter().enumerate() {
            match call {
                Call::TryToUnmapOne { .. } => {
                    open.get_or_insert(i);
                }
                Call::TryToUnmapFlush => open = None,
                Call::TryToUnmapFlushDirty
                | Call::Pageout { .. }
                | Call::FreeFolio { .. }
                | Call::Migrate { .. }
                | Call::CondResched
                | Call::TlbiVa { .. }
                | Call::TlbiAside
                | Call::DsbIsh => {}
                other => {
                    if let Some(j) = open {
                        return Err(invalid(
                            format!("tasks[{t}].program[{i}]"),
                            format!(
                                "{} while this task's reclaim batch (from program[{j}]) is not flushed: shrink_folio_list() calls try_to_unmap_flush() before it returns, so add it before this call",
                                other.name()
                            ),
                        ));
                    }
                }
            }
        }
        if let Some(j) = open {
            return Err(invalid(
                format!("tasks[{t}].program[{j}]"),
                "the program ends with this reclaim batch not flushed: shrink_folio_list() always ends with try_to_unmap_flush()",
            ));
        }
    }
    Ok(())
}

/// System calls act on mapped ranges: a page that is not mapped at the start and
/// that no mremap moves a page to has no VMA (mprotect would fail with -ENOMEM,
/// munmap and madvise would do nothing), so no promise could come of it.
fn check_mapped(pages: &[Page], tasks: &[Task]) -> Result<(), ScenarioError> {
    let targets: Vec<PageId> = tasks
        .iter()
        .flat_map(|t| &t.calls)
        .filter_map(|c| match c {
            Call::Mremap { to, .. } => Some(*to),
            _ => None,
        })
        .collect();
    for (t, task) in tasks.iter().enumerate() {
        for (i, call) in task.calls.iter().enumerate() {
            let list = match call {
                Call::Mprotect { pages }
                | Call::Munmap { pages }
                | Call::MadviseDontneed { pages } => pages.clone(),
                Call::Mremap { page, .. } => vec![*page],
                _ => continue,
            };
            for p in list {
                if !pages[p.index()].present && !targets.contains(&p) {
                    return Err(invalid(
                        format!("tasks[{t}].program[{i}]"),
                        format!(
                            "page {:?} is never mapped (\"present\": false and no mremap moves a page there), so this call has no VMA to act on",
                            pages[p.index()].name
                        ),
                    ));
                }
            }
        }
    }
    Ok(())
}

/// An mremap moves a page to an address that starts unmapped and that nothing
/// else moves a page to; reclaim never isolates it.
fn check_mremap_targets(pages: &[Page], tasks: &[Task]) -> Result<(), ScenarioError> {
    let mut targets: Vec<(PageId, String)> = Vec::new();
    for (t, task) in tasks.iter().enumerate() {
        for (i, call) in task.calls.iter().enumerate() {
            let Call::Mremap { page, to } = *call else {
                continue;
            };
            let field = format!("tasks[{t}].program[{i}]");
            if page == to {
                return Err(invalid(format!("{field}.to"), "mremap to the same page"));
            }
            if pages[to.index()].present {
                return Err(invalid(
                    format!("{field}.to"),
                    format!(
                        "page {:?} is mapped at the start; an mremap target must have \"present\": false",
                        pages[to.index()].name
                    ),
                ));
            }
            if let Some((_, other)) = targets.iter().find(|(p, _)| *p == to) {
                return Err(invalid(
                    format!("{field}.to"),
                    format!("{other} already moves a page there"),
                ));
            }
            targets.push((to, field));
        }
    }
    Ok(())
}

/// The steps of one task's program, and for each the call it belongs to.
fn expand(
    t: usize,
    task: &Task,
    pages: &[Page],
    flags: &[String],
    cpu_count: usize,
) -> Result<(Vec<Op>, Vec<u8>), ScenarioError> {
    let mut steps = Vec::new();
    let mut call_of = Vec::new();
    let mut cpu = task.cpu;
    let flag = |name: &str| FlagId(flags.iter().position(|f| f == name).unwrap_or(0) as u8);
    for (i, call) in task.calls.iter().enumerate() {
        let field = format!("tasks[{t}].program[{i}]");
        let mut ops: Vec<Op> = Vec::new();
        match call {
            Call::Read { page } => ops.push(Op::Read { page: *page }),
            Call::Write { page, value } => ops.push(Op::Write {
                page: *page,
                value: *value,
            }),
            Call::Signal { flag: f } => ops.push(Op::Signal { flag: flag(f) }),
            Call::Wait { flag: f } => ops.push(Op::Wait { flag: flag(f) }),
            Call::Mprotect { pages: list }
            | Call::Munmap { pages: list }
            | Call::MadviseDontneed { pages: list } => {
                let syscall = match call {
                    Call::Mprotect { .. } => Syscall::Mprotect,
                    Call::Munmap { .. } => Syscall::Munmap,
                    _ => Syscall::MadviseDontneed,
                };
                let range = check_range(&field, list, pages)?;
                let mut set = PageSet::default();
                let mut k = 0;
                while k < range.len() {
                    let table = pages[range[k].index()].table;
                    let tables = Tables::one(table);
                    ops.push(Op::PteOffsetMapLock {
                        syscall,
                        tables,
                        enters: k == 0,
                    });
                    ops.push(Op::FlushTlbBatchedPending { syscall });
                    while k < range.len() && pages[range[k].index()].table == table {
                        let page = range[k];
                        set = set.with(page);
                        ops.push(match syscall {
                            Syscall::Mprotect => Op::ChangePte { page },
                            _ => Op::ZapPte { page },
                        });
                        k += 1;
                    }
                    ops.push(Op::PteUnmapUnlock { syscall, tables });
                }
                ops.push(Op::TlbFinishMmu { syscall });
                ops.push(Op::Return {
                    syscall,
                    pages: set,
                });
            }
            Call::Mremap { page, to } => {
                let (old, new) = (pages[page.index()].table, pages[to.index()].table);
                let tables = Tables {
                    first: old,
                    second: (new != old).then_some(new),
                };
                let syscall = Syscall::Mremap;
                ops.extend([
                    Op::PteOffsetMapLock {
                        syscall,
                        tables,
                        enters: true,
                    },
                    Op::FlushTlbBatchedPending { syscall },
                    Op::MovePte {
                        page: *page,
                        to: *to,
                    },
                    Op::FlushTlbRange { page: *page },
                    Op::PteUnmapUnlock { syscall, tables },
                    Op::Return {
                        syscall,
                        pages: PageSet::default().with(*page),
                    },
                ]);
            }
            Call::TryToUnmapOne { page } => {
                if !pages[page.index()].present {
                    return Err(invalid(
                        format!("{field}.page"),
                        "reclaim unmaps a page that is mapped at the start (it names the folio)",
                    ));
                }
                ops.extend([
                    Op::PtepGetAndClear { page: *page },
                    Op::SetTlbUbcFlushPending { page: *page },
                ]);
            }
            Call::TryToUnmapFlushDirty => ops.push(Op::TryToUnmapFlushDirty),
            Call::TryToUnmapFlush => ops.push(Op::TryToUnmapFlush),
            Call::Pageout { page } => ops.push(Op::Pageout { page: *page }),
            Call::FreeFolio { page } => ops.push(Op::FreeFolio { page: *page }),
            Call::Migrate { to } => {
                if to.index() >= cpu_count {
                    return Err(invalid(
                        format!("{field}.to"),
                        format!(
                            "CPU{} does not exist (the scenario has {cpu_count} CPUs)",
                            to.0
                        ),
                    ));
                }
                if *to == cpu {
                    return Err(invalid(
                        format!("{field}.to"),
                        format!("the task is already on {cpu} here"),
                    ));
                }
                cpu = *to;
                ops.push(Op::Migrate { to: *to });
            }
            Call::CondResched => ops.push(Op::CondResched),
            Call::TlbiVa { page } => ops.push(Op::TlbiVa { page: *page }),
            Call::TlbiAside => ops.push(Op::TlbiAside),
            Call::DsbIsh => ops.push(Op::DsbIsh),
        }
        call_of.extend(std::iter::repeat_n(i as u8, ops.len()));
        steps.extend(ops);
        if steps.len() > MAX_STEPS {
            return Err(invalid(
                format!("tasks[{t}].program"),
                format!("expands to more than {MAX_STEPS} steps"),
            ));
        }
    }
    Ok((steps, call_of))
}

/// The pages of one mprotect, munmap or madvise: one range of consecutive virtual
/// pages (a system call takes a start and a length), returned in address order.
fn check_range(field: &str, list: &[PageId], pages: &[Page]) -> Result<Vec<PageId>, ScenarioError> {
    if list.is_empty() {
        return Err(invalid(
            format!("{field}.pages"),
            "must name at least one page",
        ));
    }
    let mut sorted = list.to_vec();
    crate::small_sort::by_key(&mut sorted, |p| pages[p.index()].vpn);
    for pair in sorted.windows(2) {
        let (a, b) = (&pages[pair[0].index()], &pages[pair[1].index()]);
        if a.vpn == b.vpn {
            return Err(invalid(
                format!("{field}.pages"),
                format!("page {:?} listed twice", a.name),
            ));
        }
        if b.vpn != a.vpn + 1 {
            return Err(invalid(
                format!("{field}.pages"),
                format!(
                    "a system call takes one range of consecutive pages, but {:?} ({:#x}) and {:?} ({:#x}) are not adjacent",
                    a.name, a.vpn, b.name, b.vpn
                ),
            ));
        }
    }
    Ok(sorted)
}

// The built-in scenarios' files, as `tlbsim` and the editor show them, in the
// order the UI lists them.
const BUILTIN_FILES: [(&str, &str); 11] = [
    ("seed-race", include_str!("../scenarios/seed-race.json")),
    ("same-cpu", include_str!("../scenarios/same-cpu.json")),
    ("migration", include_str!("../scenarios/migration.json")),
    (
        "migration-no-switch-dsb",
        include_str!("../scenarios/migration-no-switch-dsb.json"),
    ),
    ("tlb-cost", include_str!("../scenarios/tlb-cost.json")),
    (
        "seed-race-4cpu",
        include_str!("../scenarios/seed-race-4cpu.json"),
    ),
    ("munmap-race", include_str!("../scenarios/munmap-race.json")),
    (
        "madvise-dontneed-race",
        include_str!("../scenarios/madvise-dontneed-race.json"),
    ),
    ("mremap-race", include_str!("../scenarios/mremap-race.json")),
    (
        "two-reclaimers",
        include_str!("../scenarios/two-reclaimers.json"),
    ),
    (
        "other-thread-writes",
        include_str!("../scenarios/other-thread-writes.json"),
    ),
];

/// The built-in scenarios' names, apart from their files' text, so that a
/// program that lists them links no JSON text (the web app's light build).
const BUILTIN_NAMES: [&str; 11] = [
    "seed-race",
    "same-cpu",
    "migration",
    "migration-no-switch-dsb",
    "tlb-cost",
    "seed-race-4cpu",
    "munmap-race",
    "madvise-dontneed-race",
    "mremap-race",
    "two-reclaimers",
    "other-thread-writes",
];

/// Names of the built-in scenarios, in the order the UI lists them.
pub fn builtin_names() -> impl Iterator<Item = &'static str> {
    BUILTIN_NAMES.iter().copied()
}

/// Whether `name` is a built-in scenario.
pub fn is_builtin(name: &str) -> bool {
    builtin_names().any(|n| n == name)
}

/// Built-in number `index` ([`BUILTIN_NAMES`]' order), validated the first
/// time it is asked for. One at a time: a page that opens on `seed-race` need
/// not validate the ten others before its first render. Their files' values
/// come from `builtins.rs`, generated from the JSON files (tests/sourcegen.rs),
/// so showing one reads no JSON.
fn builtin_at(index: usize) -> &'static Scenario {
    static PARSED: [std::sync::OnceLock<Scenario>; BUILTIN_NAMES.len()] =
        [const { std::sync::OnceLock::new() }; BUILTIN_NAMES.len()];
    PARSED[index].get_or_init(|| {
        let file = crate::builtins::FILES[index]();
        file.validate()
            .unwrap_or_else(|e| panic!("built-in {}: {e}", file.name))
    })
}

/// The built-in scenario `name`, if there is one.
pub fn builtin(name: &str) -> Option<Scenario> {
    builtin_ref(name).cloned()
}

fn builtin_ref(name: &str) -> Option<&'static Scenario> {
    BUILTIN_NAMES
        .iter()
        .position(|n| *n == name)
        .map(builtin_at)
}

/// The text of a built-in scenario's file.
pub fn builtin_json(name: &str) -> Option<&'static str> {
    BUILTIN_FILES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, t)| *t)
}

/// All built-in scenarios.
pub fn builtins() -> Vec<Scenario> {
    (0..BUILTIN_NAMES.len())
        .map(|i| builtin_at(i).clone())
        .collect()
}

/// What the scenario picker lists: names and titles, built without validating
/// any scenario (a first render validates only the one it shows).
#[derive(Debug)]
pub struct PickerEntries {
    /// Every built-in, as (name, title), in [`builtin_names`]' order.
    pub builtins: Vec<(String, String)>,
    /// The generated members offered, `scale-3` to `scale-16` (`scale-2`
    /// explores like `seed-race`), to watch the explorer decide the seed race
    /// with many more CPUs.
    pub generated: Vec<(String, String)>,
}

/// The scenario picker's entries, made once (a picker asks on every render).
pub fn picker_entries() -> &'static PickerEntries {
    static ENTRIES: std::sync::OnceLock<PickerEntries> = std::sync::OnceLock::new();
    ENTRIES.get_or_init(|| PickerEntries {
        builtins: crate::builtins::FILES
            .iter()
            .map(|file| {
                let file = file();
                (file.name, file.title)
            })
            .collect(),
        generated: (3..=MAX_CPUS)
            .map(|n| (format!("scale-{n}"), writers_title(n, "scale")))
            .collect(),
    })
}

/// The generated families a scenario name can stand for, `family-N` and
/// `scale-N` (N = 2 to [`MAX_CPUS`]): the name's prefix and its generator.
pub const GENERATED_FAMILIES: [(&str, Generator); 2] = [("family-", family), ("scale-", scale)];

/// Makes the member of a generated family with N CPUs.
pub type Generator = fn(usize) -> Scenario;

/// The generated member a name stands for: `None` if the name has no family's
/// prefix; an error naming the valid range if it has one but no valid N
/// (written in decimal without leading zeros, so each member has one name).
pub fn generated(name: &str) -> Option<Result<Scenario, String>> {
    let (prefix, make) = GENERATED_FAMILIES
        .iter()
        .find(|(prefix, _)| name.starts_with(prefix))?;
    let digits = &name[prefix.len()..];
    Some(match digits.parse::<usize>() {
        Ok(n) if (2..=MAX_CPUS).contains(&n) && n.to_string() == digits => Ok(make(n)),
        _ => Err(format!(
            "{prefix}N takes N from 2 to {MAX_CPUS} (the CPUs), written without leading zeros, not \"{}\"",
            excerpt(digits)
        )),
    })
}

/// A scenario by the name a link or the CLI may give: a built-in, or a
/// generated member ([`generated`]).
pub fn named(name: &str) -> Option<Scenario> {
    builtin(name).or_else(|| generated(name).and_then(Result::ok))
}

/// A generated member of the seed race's family, for measuring how exploration
/// grows with the number of CPUs: `seed-race` (reclaim on CPU0, mprotect and a
/// write on CPU1) plus `cpus - 2` more threads of the same mm, each on its own
/// CPU, writing P twice (the first write caches P, the second may go through a
/// stale entry); thread N writes N*10 and N*10+1. `cpus` is clamped to
/// 2..=[`MAX_CPUS`]; `family(2)` explores like `seed-race`.
pub fn family(cpus: usize) -> Scenario {
    seed_race_with_writers(cpus, "family", |c| u8::try_from(c * 10).unwrap_or(250))
}

/// The scaling family: `seed-race` plus `cpus - 2` *identical* threads of the mm,
/// each on its own CPU, each writing P twice with the same values, so that the
/// explorer's symmetry reduction applies to them. `cpus` is clamped to
/// 2..=[`MAX_CPUS`]; `scale(2)` explores like `seed-race`.
pub fn scale(cpus: usize) -> Scenario {
    seed_race_with_writers(cpus, "scale", |_| 10)
}

/// The title of `family`'s member with `cpus` CPUs (2..=[`MAX_CPUS`]).
fn writers_title(cpus: usize, family: &str) -> String {
    let identical = if family == "scale" { " identical" } else { "" };
    format!(
        "The seed race with {} more{identical} threads writing P",
        cpus - 2
    )
}

/// The seed race plus threads on CPU2.. that write P twice (`value(cpu)`, then one more).
fn seed_race_with_writers(cpus: usize, family: &str, value: impl Fn(usize) -> u8) -> Scenario {
    let cpus = cpus.clamp(2, MAX_CPUS);
    let seed = builtin("seed-race").expect("seed-race is built in");
    let mut file = seed.to_file();
    let identical = if family == "scale" { " identical" } else { "" };
    file.name = format!("{family}-{cpus}");
    file.title = writers_title(cpus, family);
    file.story = format!(
        "Generated: the seed race, plus {} {}threads of the same mm on CPU2 to CPU{} that each write P twice. Used to measure how the number of states grows with the number of CPUs.",
        cpus - 2,
        if identical.is_empty() { "" } else { "identical " },
        cpus - 1
    );
    for c in 2..cpus {
        let value = value(c);
        file.cpus.push(CpuSpec::default());
        file.tasks.push(TaskSpec {
            name: format!("thread{c}"),
            role: "writes P".into(),
            cpu: c as u8,
            program: vec![
                Call::Write {
                    page: "P".into(),
                    value,
                },
                Call::Write {
                    page: "P".into(),
                    value: value + 1,
                },
            ],
        });
    }
    let mut schedule = seed.default_schedule().to_vec();
    for c in 2..cpus {
        schedule.push(Event::Step(CpuId(c as u8)));
        schedule.push(Event::Step(CpuId(c as u8)));
    }
    file.default_schedule = crate::event::format_schedule(&schedule);
    file.validate().expect("a generated family member is valid")
}

pub use crate::v1::{import, Imported};
