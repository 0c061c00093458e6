//! One sort for the model's short lists (a scenario's pages, a symmetry group's
//! CPUs, the flush IPIs in flight, the explorer's counterexample kinds).
//!
//! Why not `slice::sort_by_key`: the standard library's sorts are built for
//! long slices, and each call site instantiates its own copy (driftsort or
//! ipnsort with their small-sort helpers, 1-5 KB of wasm each). The web app's
//! light build carried 33 KB of sort code before optimisation. The lists here
//! hold at most `MAX_CPUS` or a scenario's pages (a few dozen), where an
//! insertion sort is as fast as any and a few hundred bytes per instantiation.

/// Sorts `v` by `key`, stably (equal keys keep their order), in place.
pub(crate) fn by_key<T, K: Ord>(v: &mut [T], mut key: impl FnMut(&T) -> K) {
    for i in 1..v.len() {
        let mut j = i;
        while j > 0 && key(&v[j - 1]) > key(&v[j]) {
            v.swap(j - 1, j);
            j -= 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    proptest! {
        /// The same order as the standard library's stable sort, ties included.
        #[test]
        fn agrees_with_the_stable_sort(v in proptest::collection::vec((0u8..8, any::<u16>()), 0..64)) {
            let mut ours = v.clone();
            super::by_key(&mut ours, |x| x.0);
            let mut std = v;
            std.sort_by_key(|x| x.0);
            prop_assert_eq!(ours, std);
        }
    }
}
