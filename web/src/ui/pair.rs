//! Two dumps open at once, to compare them (issue 13).
//!
//! Each dump is analyzed by its own worker, as a single dump is (a fresh worker per dump, the
//! hand-over to a lean one). The views show one side at a time: the side on screen is the
//! ordinary current dump of [`Ctx`] (its engine, overview, suspects), the other one is
//! [`Parked`] with its worker; [`Ctx::show_side`] swaps them, so every view (inspector, tree,
//! paths…) works on either dump unchanged. The comparison itself is computed in the newer
//! dump's worker ([`req::Compare`], given the baseline worker's [`req::Digest`] as text) and
//! kept there; the comparison view pages it from that worker, whichever side is on screen.
//!
//! Opening a pair: the first dump is analyzed and handed over to its lean worker, then parked;
//! the second is opened with the first's memory reserved, so the memory check plans for both
//! and says when the pair does not fit. The baseline is the older dump by the dumps' own
//! header timestamps, whatever order the files were given in.

use std::rc::Rc;
use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::engine::{Engine, EngineError};
use super::route::Route;
use super::state::{default_histogram, now_ms, sleep_ms, Ctx, DumpState, SuspectsState};
use super::tree_model::TreeModel;
use crate::protocol::*;

/// A side of the comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Baseline,
    New,
}

impl Side {
    pub fn label(self) -> &'static str {
        match self {
            Side::Baseline => "Baseline",
            Side::New => "New",
        }
    }
}

/// The dump of the pair that is not on screen.
pub struct Parked {
    eid: u32,
    engine: Rc<Engine>,
    overview: Arc<Overview>,
    suspects: SuspectsState,
    handed_over_memory: Option<u64>,
}

/// Where the comparison stands.
#[derive(Debug, Clone, PartialEq)]
pub enum PairStatus {
    /// Analyzing the dumps (`waiting`: the second one's name, while the first is analyzed).
    Opening {
        second: String,
    },
    /// Both analyzed; the newer dump's worker compares.
    Comparing,
    Ready(Arc<CompareResult>),
    Failed(String),
}

/// Two dumps compared: their overviews (once both are open), which one is on screen, and the
/// comparison.
#[derive(Debug, Clone, PartialEq)]
pub struct Pair {
    /// `(baseline, new)` once both are analyzed.
    pub sides: Option<(Arc<Overview>, Arc<Overview>)>,
    pub active: Side,
    pub status: PairStatus,
}

/// Whether the dump given second is the newer one: by the dumps' header timestamps, the given
/// order when they are equal.
pub fn second_is_newer(first: &Overview, second: &Overview) -> bool {
    second.summary.timestamp_ms >= first.summary.timestamp_ms
}

impl Ctx {
    /// Two files at once: analyze both and compare them.
    pub fn compare_files(self, first: web_sys::File, second: web_sys::File) {
        self.drop_pair();
        self.pair.set(Some(Pair {
            sides: None,
            active: Side::Baseline,
            status: PairStatus::Opening {
                second: second.name(),
            },
        }));
        spawn_local(async move {
            let generation = self.generation.get_untracked() + 1;
            if !self.open_dump(first.name(), first.into(), 0, false).await {
                if self.generation.get_untracked() == generation {
                    self.pair_failed("The first dump could not be analyzed.".into());
                }
                return;
            }
            self.add_second(second).await;
        });
    }

    /// "Compare with another dump…": the dump on screen and `file`.
    pub fn compare_with(self, file: web_sys::File) {
        if !matches!(self.dump.get_untracked(), DumpState::Ready(_)) {
            return self.open(file.name(), file.into());
        }
        if let Some(parked) = self.parked.try_update_value(|p| p.take()).flatten() {
            parked.engine.terminate();
        }
        self.pair.set(Some(Pair {
            sides: None,
            active: Side::Baseline,
            status: PairStatus::Opening {
                second: file.name(),
            },
        }));
        spawn_local(async move { self.add_second(file).await });
    }

    /// With the first dump on screen and analyzed: park it, analyze `file` next to it, then
    /// compare.
    async fn add_second(self, file: web_sys::File) {
        let DumpState::Ready(first) = self.dump.get_untracked() else {
            return;
        };
        // The first worker's memory is the lean one after the hand-over: wait for it (the
        // hand-over follows the leak suspects), at most a few seconds after them.
        let generation = self.generation.get_untracked();
        let mut suspects_at = None;
        let started = now_ms();
        loop {
            if self.generation.get_untracked() != generation {
                return;
            }
            if self.handed_over_memory.get_untracked().is_some() {
                break;
            }
            let now = now_ms();
            if self.suspects.with_untracked(|s| s.is_some()) {
                let t = *suspects_at.get_or_insert(now);
                if now - t > 3000.0 {
                    break;
                }
            }
            if now - started > 60_000.0 {
                break;
            }
            sleep_ms(100).await;
        }
        let reserved = self
            .handed_over_memory
            .get_untracked()
            .unwrap_or(first.wasm_memory_bytes);
        let Some(engine) = self.engine.try_update_value(|e| e.take()).flatten() else {
            return self.pair_failed("The analysis worker of the first dump is gone.".into());
        };
        self.parked.set_value(Some(Parked {
            eid: self.engine_id.get_value(),
            engine,
            overview: first.clone(),
            suspects: self.suspects.get_untracked(),
            handed_over_memory: self.handed_over_memory.get_untracked(),
        }));
        let generation = self.generation.get_untracked() + 1;
        if !self
            .open_dump(file.name(), file.into(), reserved, false)
            .await
        {
            if self.generation.get_untracked() != generation {
                return;
            }
            let message = match self.dump.get_untracked() {
                DumpState::Failed { error, .. } => error.message,
                _ => "The second dump could not be analyzed.".into(),
            };
            // Back to the first dump, which is still analyzed.
            self.unpark();
            return self.pair_failed(message);
        }
        let DumpState::Ready(second) = self.dump.get_untracked() else {
            return;
        };
        let new_on_screen = second_is_newer(&first, &second);
        let (sides, active) = if new_on_screen {
            ((first, second), Side::New)
        } else {
            ((second, first), Side::Baseline)
        };
        self.pair.set(Some(Pair {
            sides: Some(sides),
            active,
            status: PairStatus::Comparing,
        }));
        self.go(Route::Compare);
        let result = self.run_compare().await;
        self.pair.update(|p| {
            if let Some(p) = p {
                p.status = match result {
                    Ok(r) => PairStatus::Ready(Arc::new(r)),
                    Err(e) => PairStatus::Failed(e),
                };
            }
        });
    }

    /// The baseline's digest, compared by the newer dump's worker.
    async fn run_compare(self) -> Result<CompareResult, String> {
        let base = self
            .side_engine(Side::Baseline)
            .ok_or("no baseline worker")?;
        let new = self
            .side_engine(Side::New)
            .ok_or("no worker for the new dump")?;
        let gone = |e: EngineError| match e {
            EngineError::Gone => "the analysis worker stopped (out of memory?)".to_string(),
            EngineError::Send(m) | EngineError::Failed(m) => m,
        };
        self.inflight.update(|n| *n += 1);
        let digest = base.request::<req::Digest>(()).await.map_err(gone);
        let r = match digest {
            Ok(baseline) => new
                .request::<req::Compare>(CompareParams { baseline })
                .await
                .map(|r| *r)
                .map_err(gone),
            Err(e) => Err(e),
        };
        self.inflight.update(|n| *n = n.saturating_sub(1));
        r
    }

    /// The worker of one side (on screen or parked).
    pub fn side_engine(self, side: Side) -> Option<Rc<Engine>> {
        let active = self.pair.with_untracked(|p| p.as_ref().map(|p| p.active))?;
        if active == side {
            self.engine.get_value()
        } else {
            self.parked
                .with_value(|p| p.as_ref().map(|p| p.engine.clone()))
        }
    }

    /// Asks the newer dump's worker (which keeps the comparison) `R`.
    pub async fn call_new<R: Request>(self, params: R::Params) -> Result<R::Response, String> {
        let engine = self.side_engine(Side::New).ok_or("no comparison is open")?;
        self.inflight.update(|n| *n += 1);
        let r = engine.request::<R>(params).await;
        self.inflight.update(|n| *n = n.saturating_sub(1));
        r.map_err(|e| match e {
            EngineError::Gone => "the analysis worker stopped (out of memory?)".into(),
            EngineError::Send(m) | EngineError::Failed(m) => m,
        })
    }

    /// Puts `side` on screen: the two dumps' workers and states swap, so the usual views show
    /// that dump. Answers still coming for the other side are dropped (`generation`).
    pub fn show_side(self, side: Side) {
        let Some(active) = self.pair.with_untracked(|p| p.as_ref().map(|p| p.active)) else {
            return;
        };
        if active == side {
            return;
        }
        let DumpState::Ready(overview) = self.dump.get_untracked() else {
            return;
        };
        let Some(other) = self.parked.try_update_value(|p| p.take()).flatten() else {
            return;
        };
        let Some(engine) = self.engine.try_update_value(|e| e.take()).flatten() else {
            self.parked.set_value(Some(other));
            return;
        };
        self.parked.set_value(Some(Parked {
            eid: self.engine_id.get_value(),
            engine,
            overview,
            suspects: self.suspects.get_untracked(),
            handed_over_memory: self.handed_over_memory.get_untracked(),
        }));
        self.generation.update(|g| *g += 1);
        self.engine_id.set_value(other.eid);
        self.engine.set_value(Some(other.engine));
        self.tree.set(TreeModel::default());
        self.histogram.set(default_histogram());
        self.handed_over_memory.set(other.handed_over_memory);
        self.suspects.set(other.suspects);
        self.pair.update(|p| {
            if let Some(p) = p {
                p.active = side;
            }
        });
        self.dump.set(DumpState::Ready(other.overview));
        // Ids and class indices of one dump mean nothing in the other.
        if matches!(
            self.route.get_untracked(),
            Route::Object { .. } | Route::Instances { .. }
        ) {
            self.go(Route::Overview);
        }
    }

    /// Back to the parked dump alone (the second one failed).
    fn unpark(self) {
        let Some(p) = self.parked.try_update_value(|p| p.take()).flatten() else {
            return;
        };
        if let Some(e) = self.engine.try_update_value(|e| e.take()).flatten() {
            e.terminate();
        }
        self.generation.update(|g| *g += 1);
        self.engine_id.set_value(p.eid);
        self.engine.set_value(Some(p.engine));
        self.handed_over_memory.set(p.handed_over_memory);
        self.suspects.set(p.suspects);
        self.tree.set(TreeModel::default());
        self.histogram.set(default_histogram());
        self.dump.set(DumpState::Ready(p.overview));
    }

    fn pair_failed(self, message: String) {
        self.pair.update(|p| match p {
            Some(p) => p.status = PairStatus::Failed(message),
            None => {
                *p = Some(Pair {
                    sides: None,
                    active: Side::Baseline,
                    status: PairStatus::Failed(message),
                })
            }
        });
    }

    /// Forgets the pair: the parked dump's worker is terminated (its memory freed).
    pub fn drop_pair(self) {
        if let Some(p) = self.parked.try_update_value(|p| p.take()).flatten() {
            p.engine.terminate();
        }
        if self.pair.with_untracked(|p| p.is_some()) {
            self.pair.set(None);
        }
    }
}
