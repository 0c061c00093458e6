//! The cases of issue 11's "Why" list, each with the kernel's answer. v1 got every
//! one of them wrong (a false lost write, a false race under the fix, an
//! impossible flow judged, a deadlock called safe); each test says what the kernel
//! does and checks the model does the same.

mod common;

use serde_json::{json, Value};
use sim_core::scenario::ScenarioError;
use sim_core::{
    explore, parse_schedule, CpuId, CpuStatus, Event, ExploreConfig, History, Mitigation, Model,
    Outcome, Scenario, TaskId, ViolationKind,
};

use ViolationKind::{Deadlock, StaleWrite as Stale};

/// A format-2 file: pages P, Q and R in one PTE table (vpn 1024 to 1026, so one
/// page-table lock), N unmapped in another table; `cpus` CPUs with empty TLBs.
fn file(cpus: usize, tasks: Vec<Value>) -> String {
    json!({
        "format": 2,
        "name": "case",
        "title": "A case from issue 11",
        "story": "",
        "pages": [
            {"name": "P", "vpn": 1024, "pfn": 2210},
            {"name": "Q", "vpn": 1025, "pfn": 2211},
            {"name": "R", "vpn": 1026, "pfn": 2212},
            {"name": "N", "vpn": 2048, "present": false}
        ],
        "cpus": vec![json!({"tlb": []}); cpus],
        "tasks": tasks,
    })
    .to_string()
}

fn scenario(cpus: usize, tasks: Vec<Value>) -> Scenario {
    Scenario::from_json(&file(cpus, tasks)).unwrap_or_else(|e| panic!("{e}"))
}

fn task(name: &str, cpu: u8, program: Vec<Value>) -> Value {
    json!({"name": name, "role": "", "cpu": cpu, "program": program})
}

fn write(page: &str, value: u8) -> Value {
    json!({"op": "write", "page": page, "value": value})
}
fn op(name: &str) -> Value {
    json!({ "op": name })
}
fn on(name: &str, page: &str) -> Value {
    json!({"op": name, "page": page})
}
fn mprotect(pages: &[&str]) -> Value {
    json!({"op": "mprotect", "pages": pages})
}
fn flag(name: &str, flag: &str) -> Value {
    json!({"op": name, "flag": flag})
}

/// shrink_folio_list() on one page, as the kernel runs it: unmap (flush
/// deferred), flush the batch before writing a dirty page, write it out,
/// complete the batch, free the frame.
fn reclaim(page: &str) -> Vec<Value> {
    vec![
        on("try_to_unmap_one", page),
        op("try_to_unmap_flush_dirty"),
        on("pageout", page),
        op("try_to_unmap_flush"),
        on("free_folio", page),
    ]
}

/// Explores under every kernel: exactly these kinds reachable, counterexamples replay.
fn check(s: &Scenario, expect: [&[ViolationKind]; 3]) {
    for (m, kinds) in Mitigation::ALL.into_iter().zip(expect) {
        common::check_model(&Model::new(s.clone(), m), kinds, &format!("case/{m}"));
    }
}

/// The two-reclaimers built-in with `cpus` CPUs: kswapd0 (CPU0) reclaims P,
/// kswapd2 (CPU2) reclaims Q, thread1 (CPU1) writes both, calls mprotect over
/// both pages of their one PTE table, and writes both again.
fn two_reclaimers(cpus: usize) -> Scenario {
    scenario(
        cpus,
        vec![
            task("kswapd0", 0, reclaim("P")),
            task(
                "thread1",
                1,
                vec![
                    write("P", 1),
                    write("Q", 2),
                    mprotect(&["P", "Q"]),
                    write("P", 3),
                    write("Q", 4),
                ],
            ),
            task("kswapd2", 2, reclaim("Q")),
        ],
    )
}

/// v1 had one `tlb_ubc` for the machine: kswapd2's try_to_unmap_flush cleared
/// kswapd0's, kswapd0 skipped its DSB, and the fix was called unsafe. Each task
/// has its own batch (`current->tlb_ubc`), so the fix is safe.
#[test]
fn two_reclaimers_are_safe_under_the_fix() {
    check(&two_reclaimers(3), [&[Stale], &[Stale], &[]]);
}

/// The same on 8 CPUs, as the issue tried it. Five idle CPUs multiply the orders
/// in which TLBIs can reach them past two million states, so this explores the
/// first 200,000 (every interleaving up to some depth, breadth first) and plays
/// 300 random schedules to the end; the 3-CPU test above is the exhaustive one.
#[test]
fn two_reclaimers_on_8_cpus_are_safe_under_the_fix() {
    let s = two_reclaimers(8);
    let model = Model::new(s.clone(), Mitigation::FlushTlbMm);
    let bounded = explore(
        &model,
        ExploreConfig {
            max_states: 200_000,
            ..Default::default()
        },
    );
    assert_eq!(common::kinds(&bounded), [], "within the bound");
    // Random schedules played to the end: none breaks a promise under the fix.
    let stale = |model: &Model| {
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut found = 0;
        for _ in 0..300 {
            let mut history = History::new(model.clone());
            loop {
                let enabled = model.enabled_events(history.current());
                if enabled.is_empty() {
                    break;
                }
                // xorshift: a fixed pseudo-random sequence, the same on every run.
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                history
                    .apply(enabled[(seed % enabled.len() as u64) as usize])
                    .unwrap();
            }
            let m = history.current();
            assert!(model.deadlocked(m).is_empty());
            let kinds: Vec<ViolationKind> = m.broken.iter().collect();
            match kinds.as_slice() {
                [] => {}
                [Stale] => found += 1,
                other => panic!("{other:?} after {:?}", history.schedule()),
            }
        }
        found
    };
    assert_eq!(stale(&model), 0);
    // The 3-CPU race's schedule is a schedule of this scenario too: a stale write
    // on the dsb kernel, nothing under the fix.
    let race = parse_schedule("s1,s0,s0,s1,s1,s1,s1,s1,s1,s1,s1,s1").unwrap();
    let dsb = History::replay(Model::new(s, Mitigation::Dsb), &race).unwrap();
    assert_eq!(dsb.current().broken.iter().collect::<Vec<_>>(), [Stale]);
    let fixed = History::replay(model, &race).unwrap();
    assert_eq!(fixed.current().broken, Default::default());
}

/// Two reclaimers and no mprotect at all: each completes its own batch before
/// writing its page out, so no write can be lost, on any kernel (v1 reported a
/// lost write under all three).
#[test]
fn two_reclaimers_without_mprotect_lose_no_write() {
    let s = scenario(
        3,
        vec![
            task("kswapd0", 0, reclaim("P")),
            task(
                "thread1",
                1,
                vec![write("P", 1), write("Q", 2), write("P", 3), write("Q", 4)],
            ),
            task("kswapd2", 2, reclaim("Q")),
        ],
    );
    check(&s, [&[], &[], &[]]);
}

/// A task whose batch is empty calls try_to_unmap_flush(): it has nothing to
/// flush, and kswapd0's batch stays owed (v1 cleared the one global flag, so
/// kswapd0 skipped its DSB and a lost write followed).
#[test]
fn an_empty_batch_flush_leaves_another_tasks_batch_alone() {
    let s = scenario(
        3,
        vec![
            task("kswapd0", 0, reclaim("P")),
            task("thread1", 1, vec![write("P", 1), write("P", 2)]),
            task("other", 2, vec![op("try_to_unmap_flush")]),
        ],
    );
    check(&s, [&[], &[], &[]]);
    // thread1 caches P, kswapd0 unmaps it, the other task flushes its empty batch.
    let model = Model::new(s, Mitigation::Dsb);
    let events = parse_schedule("s1,s0,s0,s2").unwrap();
    let history = History::replay(model, &events).unwrap();
    let m = history.current();
    assert!(
        m.tasks[0].tlb_ubc.flush_required,
        "kswapd0 still owes its flush"
    );
    assert!(m.tasks[0].tlb_ubc.writable, "P was dirty");
    assert_eq!(m.tlbis.len(), 1, "kswapd0's TLBI is still in flight");
    assert_eq!(
        history.last().unwrap().effects,
        [sim_core::Effect::NothingToDo { task: TaskId(2) }]
    );
}

/// mprotect over P and Q, one PTE table: change_pte_range() takes the lock once,
/// calls flush_tlb_batched_pending(), walks both PTEs and unlocks. Reclaim of Q
/// cannot slip in after the pending flush and before Q's PTE is walked (v1
/// dropped the lock after P, and found a false race under the fix).
#[test]
fn mprotect_holds_the_lock_over_its_whole_walk() {
    let s = scenario(
        2,
        vec![
            task(
                "thread0",
                0,
                vec![
                    write("P", 1),
                    write("Q", 2),
                    mprotect(&["P", "Q"]),
                    write("Q", 3),
                ],
            ),
            task("kswapd1", 1, reclaim("Q")),
        ],
    );
    // Before the fix this is the seed race with the roles swapped (kswapd1's TLBI
    // for Q in flight, thread0's DSB on CPU0); with it, safe.
    check(&s, [&[Stale], &[Stale], &[]]);
    // thread0 writes P and Q (events 1, 2), then pte_offset_map_lock (3),
    // flush_tlb_batched_pending (4), change_pte_range(P) (5) and (Q) (6),
    // pte_unmap_unlock (7): kswapd1's try_to_unmap_one spins from 3 to 6.
    let model = Model::new(s, Mitigation::FlushTlbMm);
    let mut history = History::new(model.clone());
    for n in 1..=7 {
        history.apply(Event::Step(CpuId(0))).unwrap();
        let status = model.cpu_status(history.current(), CpuId(1));
        if (3..=6).contains(&n) {
            assert!(
                matches!(
                    status,
                    CpuStatus::SpinningOnPtl {
                        holder: TaskId(0),
                        ..
                    }
                ),
                "after {n} events: {status:?}"
            );
        } else {
            assert_eq!(status, CpuStatus::Ready, "after {n} events");
        }
    }
}

/// Two tasks, each waiting for a flag the other signals only after its own wait:
/// neither can go on. A deadlock, not "safe, 1 state".
#[test]
fn waiting_for_each_other_is_a_deadlock() {
    let s = scenario(
        2,
        vec![
            task(
                "a",
                0,
                vec![flag("wait", "b_ready"), flag("signal", "a_ready")],
            ),
            task(
                "b",
                1,
                vec![flag("wait", "a_ready"), flag("signal", "b_ready")],
            ),
        ],
    );
    check(&s, [&[Deadlock], &[Deadlock], &[Deadlock]]);
    let model = Model::new(s, Mitigation::Dsb);
    let report = explore(&model, ExploreConfig::default());
    assert_eq!(report.verdict(), sim_core::Verdict::DeadlockReachable);
    assert_eq!((report.states, report.terminal_states), (1, 1));
    let history = History::new(model.clone());
    assert_eq!(
        Outcome::of(&model, history.current()),
        Outcome::Deadlock { stuck: 2 }
    );
    assert_eq!(
        Outcome::of(&model, history.current()).describe(&model, history.current()),
        "DEADLOCK: nothing can happen any more, but a waits for flag \"b_ready\", b waits for flag \"a_ready\"."
    );
}

fn refused(text: &str) -> String {
    match Scenario::from_json(text) {
        Err(e @ ScenarioError::Invalid { .. }) => e.to_string(),
        other => panic!("expected a refusal naming a field, got {other:?}"),
    }
}

/// Reclaim writes out only a page it unmapped, and only after flushing its batch
/// (shrink_folio_list()); v1 accepted both and judged them as lost writes.
#[test]
fn pageout_of_a_mapped_or_unflushed_page_is_refused() {
    assert_eq!(
        refused(&file(1, vec![task("kswapd0", 0, vec![on("pageout", "P")])])),
        "tasks[0].program[0].page: pageout of a page this task has not unmapped with try_to_unmap_one: reclaim writes out only pages it unmapped"
    );
    assert_eq!(
        refused(&file(
            1,
            vec![task(
                "kswapd0",
                0,
                vec![on("try_to_unmap_one", "P"), on("pageout", "P")]
            )]
        )),
        "tasks[0].program[1].page: pageout before try_to_unmap_flush_dirty or try_to_unmap_flush: shrink_folio_list() flushes the batch before writing a dirty page"
    );
    assert_eq!(
        refused(&file(
            1,
            vec![task(
                "kswapd0",
                0,
                vec![
                    on("try_to_unmap_one", "P"),
                    op("try_to_unmap_flush_dirty"),
                    on("pageout", "P"),
                    on("free_folio", "P")
                ]
            )]
        )),
        "tasks[0].program[3].page: free_folio before try_to_unmap_flush: shrink_folio_list() completes the batch before freeing"
    );
    // Another task's flush does not count: the batch belongs to the reclaimer.
    assert_eq!(
        refused(&file(
            2,
            vec![
                task("kswapd0", 0, vec![on("try_to_unmap_one", "P"), on("pageout", "P")]),
                task("other", 1, vec![op("try_to_unmap_flush")]),
            ]
        )),
        "tasks[0].program[1].page: pageout before try_to_unmap_flush_dirty or try_to_unmap_flush: shrink_folio_list() flushes the batch before writing a dirty page"
    );
}

/// The format-1 seed-race file with CPU `cpu`'s program replaced.
fn v1_with(cpu: usize, program: Value) -> String {
    let mut v1: Value =
        serde_json::from_str(sim_core::v1::builtin_v1("seed-race").unwrap()).unwrap();
    v1["cpus"][cpu]["program"] = program;
    v1["default_schedule"] = json!("");
    v1.to_string()
}

/// Format 1 wrote kernel steps one by one, so it could write flows no kernel
/// runs. They are refused, naming the step, instead of being judged.
#[test]
fn format_1_flows_no_kernel_runs_are_refused() {
    // change_pte_range without the lock flush_tlb_batched_pending took.
    assert_eq!(
        refused(&v1_with(1, json!([on("change_pte_range", "P"), on("mprotect_return", "P")]))),
        "cpus[1].program[0]: format 1: change_pte_range without the page-table lock (flush_tlb_batched_pending right before it takes it): no kernel walks PTEs unlocked"
    );
    // A user access while holding the lock, in reclaim and in mprotect.
    assert_eq!(
        refused(&v1_with(
            0,
            json!([on("ptep_get_and_clear", "P"), write("P", 1), on("set_tlb_ubc_flush_pending", "P")])
        )),
        "cpus[0].program[0]: format 1: ptep_get_and_clear must be followed by set_tlb_ubc_flush_pending of the same page (try_to_unmap_one holds the page-table lock over both, and does nothing else in between)"
    );
    assert_eq!(
        refused(&v1_with(
            1,
            json!([op("flush_tlb_batched_pending"), write("P", 1), on("change_pte_range", "P"), on("mprotect_return", "P")])
        )),
        "cpus[1].program[0]: format 1: flush_tlb_batched_pending must be followed by one change_pte_range and its mprotect_return (mprotect holds the page-table lock over its whole walk)"
    );
    // switch_to while holding the lock.
    let mut held = v1_with(
        0,
        json!([on("ptep_get_and_clear", "P"), {"op": "switch_to", "to": 1}]),
    );
    held = {
        let mut v: Value = serde_json::from_str(&held).unwrap();
        v["cpus"][1]["program"] =
            json!([{"op": "switch_in", "from": 0}, on("set_tlb_ubc_flush_pending", "P")]);
        v.to_string()
    };
    assert_eq!(
        refused(&held),
        "cpus[0].program[0]: format 1: ptep_get_and_clear must be followed by set_tlb_ubc_flush_pending of the same page (try_to_unmap_one holds the page-table lock over both, and does nothing else in between)"
    );
    // Each CPU switches in the task the other switches out: a cycle of switch_ins,
    // which v1 explored to "safe, 1 state".
    let mut cycle: Value = serde_json::from_str(&v1_with(
        0,
        json!([{"op": "switch_in", "from": 1}, write("P", 1), {"op": "switch_to", "to": 1}]),
    ))
    .unwrap();
    cycle["cpus"][1]["program"] =
        json!([{"op": "switch_in", "from": 0}, on("read", "P"), {"op": "switch_to", "to": 0}]);
    assert_eq!(
        refused(&cycle.to_string()),
        "cpus[0].program[0]: switch_in resumes a task that never starts (its switch_to is missing or part of a cycle): no kernel has such a task"
    );
    // A format-1 swap_writepage of a page that is still mapped.
    assert_eq!(
        refused(&v1_with(0, json!([on("swap_writepage", "P")]))),
        "cpus[0].program[0].page: pageout of a page this task has not unmapped with try_to_unmap_one: reclaim writes out only pages it unmapped (in the format-2 translation of this format-1 file; see docs/scenario-format.md)"
    );
}

/// After munmap(N) returns, mremap() may map a page at N again (mremap to a fixed
/// address replaces whatever was there): a later access to N goes to the moved
/// page and is no access after unmap. One task, one CPU, no race at all.
#[test]
fn mremap_to_an_address_unmapped_before_maps_it_again() {
    let s = scenario(
        1,
        vec![task(
            "thread0",
            0,
            vec![
                json!({"op": "munmap", "pages": ["N"]}),
                json!({"op": "mremap", "page": "P", "to": "N"}),
                on("read", "N"),
                write("N", 1),
            ],
        )],
    );
    check(&s, [&[], &[], &[]]);
}

/// munmap(R) on CPU0 and mprotect(R) on CPU1 of one mm: both take the mmap_lock
/// for writing (munmap may downgrade it to read for the zap, which still excludes
/// mprotect's write lock until tlb_finish_mmu() is done), so mprotect never runs
/// between munmap's zap and its flush, and then finds no VMA (ENOMEM). No write
/// after a successful mprotect can be stale, on any kernel with the fix.
#[test]
fn mprotect_waits_for_a_concurrent_munmap() {
    let s = scenario(
        2,
        vec![
            task("thread0", 0, vec![json!({"op": "munmap", "pages": ["R"]})]),
            task(
                "thread1",
                1,
                vec![write("R", 1), mprotect(&["R"]), write("R", 2)],
            ),
        ],
    );
    let model = Model::new(s, Mitigation::FlushTlbMm);
    assert_eq!(
        common::kinds(&explore(&model, ExploreConfig::default())),
        []
    );
}

/// Two threads call madvise(P, MADV_DONTNEED) at once (mmap_lock for reading:
/// they may overlap). The second finds P's PTE already cleared and records
/// nothing, but tlb_finish_mmu() sees mm_tlb_flush_nested() (another thread's
/// gather is pending) and flushes the whole mm itself before returning, so no
/// access after its return reaches the old frame.
#[test]
fn concurrent_madvise_dontneed_flushes_when_nested() {
    let dontneed = || json!({"op": "madvise_dontneed", "pages": ["P"]});
    let s = scenario(
        2,
        vec![
            task("thread0", 0, vec![dontneed()]),
            task("thread1", 1, vec![write("P", 1), dontneed(), write("P", 2)]),
        ],
    );
    check(&s, [&[], &[], &[]]);
}
