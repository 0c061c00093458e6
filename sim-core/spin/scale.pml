/*
 * scale-N for SPIN: the seed race (sim-core/scenarios/seed-race.json) plus N-2
 * identical threads of the mm that each write P twice, as `tlbsim explore scale-N`
 * models it, step for step, for `cargo xtask bench` to compare with SPIN 6.5.
 *
 *   spin -DN=7 -DKERNEL=1 -a scale.pml && cc -O2 -DSAFETY -o pan pan.c && ./pan -c0
 *
 * N: CPUs (2 to 16). KERNEL: what flush_tlb_batched_pending() does: 0 nothing
 * (before 3ea277194daa), 1 dsb(ish) on the caller's CPU (arm64 before
 * 4b634918384c), 2 flush_tlb_mm() (the fix). A broken promise sets `stale` or
 * `lost` and the monitor asserts; `./pan -c0` counts errors and explores on, so
 * the whole state space is stored, as the explorer does.
 *
 * One statement per event of the explorer: each `atomic` is one step of a task
 * (the kernel functions named as in the model), each delivery process delivers
 * reclaim's TLBI to one CPU. Only page P matters here (Q and R, cached on CPU1,
 * are never touched, and no TLB holds more than its capacity).
 */
#ifndef N
#define N 4
#endif
#ifndef KERNEL
#define KERNEL 1
#endif

#define FREE 255

/* P's PTE: present, writable, dirty, a swap entry (after reclaim cleared it). */
bool pte_present = 1;
bool pte_writable = 1;
bool pte_dirty = 1;
bool pte_swap = 0;
/* Each CPU's TLB entry for P, and whether it is read-write. */
bool tlb_has[N];
bool tlb_w[N];
/* Reclaim's broadcast tlbi vale1is for P from CPU0: CPUs it has not reached. */
bool pend[N];
/* Holder of P's page-table lock (a CPU), FREE if none. */
byte ptl = FREE;
/* mm->tlb_flush_batched: batches queued and batches marked flushed. */
byte batched_pending = 0;
byte batched_flushed = 0;
/* kswapd0's current->tlb_ubc. */
bool ubc_flush = 0;
bool ubc_writable = 0;
bool rmap_dirty = 0;
/* The frame's fate, mprotect's promise and its mmu_gather. */
bool written_out = 0;
bool freed = 0;
bool prot_read = 0;
bool recorded = 0;
/* Promises broken. */
bool stale = 0;
bool lost = 0;

/* dsb(ish) on CPU0: reclaim's TLBI completes on every CPU it has not reached. */
inline dsb_cpu0(i) {
  i = 0;
  do
  :: i < N -> if :: pend[i] -> pend[i] = 0; tlb_has[i] = 0 :: else -> skip fi; i++
  :: else -> break
  od
}

/* A broadcast TLBI of the ASID (or of P) from CPU1 and its dsb(ish) on CPU1: P's
   entry goes from every TLB (reclaim's TLBI stays in flight: CPU1's DSB does not
   complete it). */
inline flush_everywhere(i) {
  i = 0;
  do
  :: i < N -> tlb_has[i] = 0; i++
  :: else -> break
  od
}

/* A user store to P on CPU c: TLB lookup, walk on a miss (a present PTE fills the
   TLB; Armv8 caches no faulting translation), then the store and what it breaks. */
inline write_p(c) {
  d_step {
    if
    :: !tlb_has[c] && pte_present -> tlb_has[c] = 1; tlb_w[c] = pte_writable
    :: else -> skip
    fi;
    if
    :: tlb_has[c] && tlb_w[c] ->
       if :: prot_read && !(pte_present && pte_writable) -> stale = 1 :: else -> skip fi;
       if :: (written_out || freed) && (pte_present || pte_swap) -> lost = 1 :: else -> skip fi;
       if :: pte_present && pte_writable -> pte_dirty = 1 :: else -> skip fi
    :: else -> skip /* a fault */
    fi
  }
}

/* One process per CPU delivers reclaim's TLBI there, at any moment. */
active [N] proctype deliver() {
end:
  do
  :: d_step { pend[_pid] -> pend[_pid] = 0; tlb_has[_pid] = 0 }
  od
}

/* CPU0: kswapd0 reclaims P. */
active proctype kswapd0() {
  byte i;
  /* try_to_unmap_one(): the PTL, ptep_get_and_clear() */
  atomic { ptl == FREE -> ptl = 0; rmap_dirty = pte_dirty;
           pte_present = 0; pte_writable = 0; pte_dirty = 0; pte_swap = 1 }
  /* set_tlb_ubc_flush_pending(): tlbi vale1is, no DSB; drop the PTL */
  d_step { i = 0;
           do :: i < N -> pend[i] = 1; i++ :: else -> break od;
           ubc_flush = 1; ubc_writable = ubc_writable || rmap_dirty;
           batched_pending++; ptl = FREE; i = 0 }
  /* try_to_unmap_flush_dirty() */
  d_step { if :: ubc_writable -> dsb_cpu0(i); ubc_flush = 0; ubc_writable = 0
              :: else -> skip fi; i = 0 }
  /* pageout() */
  written_out = 1;
  /* try_to_unmap_flush() */
  d_step { if :: ubc_flush -> dsb_cpu0(i); ubc_flush = 0; ubc_writable = 0
              :: else -> skip fi; i = 0 }
  /* free_unref_folios() */
  freed = 1
}

/* CPU1: thread1 writes P, mprotect(P, PROT_READ), writes P. */
active proctype thread1() {
  byte i;
  write_p(1);
  /* pte_offset_map_lock() (mmap_lock, tlb_gather_mmu()) */
  atomic { ptl == FREE -> ptl = 1 }
  /* flush_tlb_batched_pending() */
  d_step {
    if
    :: KERNEL != 0 && batched_pending != batched_flushed ->
       if :: KERNEL == 2 -> flush_everywhere(i) :: else -> skip fi;
       batched_flushed = batched_pending
    :: else -> skip
    fi; i = 0
  }
  /* change_pte_range(P) */
  d_step { if :: pte_present && pte_writable -> pte_writable = 0; recorded = 1
              :: else -> skip fi }
  /* pte_unmap_unlock() */
  ptl = FREE;
  /* tlb_finish_mmu(): TLBI by VA and dsb(ish) if P was recorded */
  d_step { if :: recorded -> flush_everywhere(i); recorded = 0 :: else -> skip fi; i = 0 }
  /* mprotect() returns */
  prot_read = 1;
  write_p(1)
}

#if N > 2
/* CPU2 to CPU(N-1): identical threads that write P twice (the N delivery
   processes, kswapd0 and thread1 have the _pids below theirs). */
active [N - 2] proctype writer() {
  byte c = _pid - N;
  write_p(c);
  write_p(c)
}
#endif

/* A broken promise is an error; pan -c0 counts them and explores on. */
active proctype monitor() {
end:
  atomic { (stale || lost) -> assert(!(stale || lost)) }
}
