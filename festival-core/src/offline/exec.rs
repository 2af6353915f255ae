//! How reconciliation runs work that is independent from one job to the next (one device's chain
//! walk, one wallet's or ticket's fold): [`Sequential`] in the default build, on several threads
//! with the `parallel` feature (`super::parallel::Threads`).
//!
//! A job only reads shared, immutable inputs and writes its own fields, and the caller combines
//! the jobs' results in job order afterwards; so whatever runs the jobs, and in whatever order or
//! grouping, the outcome is the one of running them one after the other.

/// Runs independent jobs.
pub(crate) trait Exec: Sync {
    /// Runs `work` once on every job (any order, any thread). `weight` estimates a job's cost (to
    /// balance threads). `reset` puts a job back to its state before `work`, whether `work` ran on
    /// it fully, partly (a thread that panicked) or not at all: an executor that loses a thread
    /// resets that thread's jobs and runs them again on the calling thread.
    fn run<J, W, R>(&self, jobs: &mut [J], weight: &dyn Fn(&J) -> usize, work: &W, reset: &R)
    where
        J: Send,
        W: Fn(&mut J) + Sync,
        R: Fn(&mut J);
}

/// Every job on the calling thread, in order.
pub(crate) struct Sequential;

impl Exec for Sequential {
    fn run<J, W, R>(&self, jobs: &mut [J], _weight: &dyn Fn(&J) -> usize, work: &W, _reset: &R)
    where
        J: Send,
        W: Fn(&mut J) + Sync,
        R: Fn(&mut J),
    {
        for j in jobs {
            work(j);
        }
    }
}
