//! The analysis moved between workers: a snapshot of the open dump (graph, dominator tree and
//! what was computed once: [`Carried`]) for the hand-over to a fresh worker ([`req::Restore`];
//! a wasm memory never shrinks), or sealed and kept on this computer ([`req::Keep`],
//! [`req::OpenKept`]); and reading one back.

use heaplens::analysis::{self, Histogram};
use heaplens::compare::{Diff, Digest};
use heaplens::graph::{
    read_sealed, read_snapshot, snapshot_len, write_sealed, write_snapshot, Snapshot, SEAL_LEN,
    SNAPSHOT_FORMAT,
};
use serde::{Deserialize, Serialize};

use super::host::{DumpSource, Host};
use super::open::Opened;
use super::service::Service;
use crate::protocol::*;

/// A snapshot about to be written: see [`Service::prepare_snapshot`].
pub struct SnapshotPlan {
    /// What travels next to the graph: [`Carried`] as JSON.
    extra: Vec<u8>,
    /// The snapshot's size in bytes.
    pub bytes: u64,
}

/// What a restored dump needs besides the graph and the dominance (computed once, in the
/// worker that built them).
#[derive(Serialize, Deserialize)]
struct Carried {
    name: String,
    file_size: u64,
    #[serde(default)]
    settings: OpenSettings,
    hist: Histogram,
    summary: analysis::Summary,
    phases: Vec<PhaseTime>,
    analysis_ms: f64,
    suspects: Option<SuspectsResult>,
    /// The comparison state (a digest asked, a comparison made) survives the hand-over.
    #[serde(default)]
    digest: Option<Digest>,
    #[serde(default)]
    diff: Option<Diff>,
    #[serde(default)]
    process_memory: Option<Box<ProcessMemoryView>>,
}

impl Service {
    /// Prepares a snapshot of the open dump for [`req::Restore`] in another worker: computes
    /// the leak suspects and the process memory first (the UI asks for them right after
    /// opening — the overview shows the process-memory verdict; computing them here keeps
    /// their working memory, the paths from GC roots, out of the next worker) and returns the
    /// snapshot's size and what [`Self::write_snapshot`] needs. `None` when no dump is open.
    pub fn prepare_snapshot(&mut self, host: &mut dyn Host) -> Option<SnapshotPlan> {
        let dump = self.dump.as_mut()?;
        let suspects = dump.suspects(host).clone();
        let process_memory = dump.process_memory(host).clone();
        let hist = dump.hist(host).clone();
        let carried = Carried {
            name: dump.name.clone(),
            file_size: dump.file_size,
            settings: dump.settings,
            hist,
            summary: dump.summary.clone(),
            phases: dump.phases.clone(),
            analysis_ms: dump.analysis_ms,
            suspects: Some(suspects),
            digest: dump.digest.clone(),
            diff: dump.diff.clone(),
            process_memory: Some(Box::new(process_memory)),
        };
        let extra = serde_json::to_vec(&carried).ok()?;
        let bytes = snapshot_len(dump.g(), &dump.d, &extra);
        Some(SnapshotPlan { extra, bytes })
    }

    /// Writes the snapshot `plan` describes, in pieces, to `sink` (`plan.bytes` in all).
    pub fn write_snapshot(&self, plan: &SnapshotPlan, sink: &mut dyn FnMut(&[u8])) {
        if let Some(dump) = &self.dump {
            write_snapshot(dump.g(), &dump.d, &plan.extra, sink);
        }
    }

    /// Prepares keeping the open dump on this computer ([`req::Keep`]): the snapshot (as for
    /// the hand-over) and the manifest that goes next to it (`snapshot_bytes`: the sealed
    /// file's size). `None` when no dump is open.
    pub fn prepare_keep(
        &mut self,
        key: String,
        kept_ms: f64,
        host: &mut dyn Host,
    ) -> Option<(SnapshotPlan, KeptManifest)> {
        let plan = self.prepare_snapshot(host)?;
        let dump = self.dump.as_ref()?;
        let manifest = KeptManifest {
            key,
            format: SNAPSHOT_FORMAT,
            version: env!("CARGO_PKG_VERSION").to_string(),
            name: dump.name.clone(),
            size: dump.file_size,
            settings: dump.settings,
            kept_ms,
            objects: dump.summary.objects_total,
            snapshot_bytes: plan.bytes + SEAL_LEN,
        };
        Some((plan, manifest))
    }

    /// Writes the sealed snapshot `plan` describes (`heaplens::graph::write_sealed`), in
    /// pieces, to `sink` (`plan.bytes + SEAL_LEN` in all).
    pub fn write_kept(&self, plan: &SnapshotPlan, sink: &mut dyn FnMut(&[u8])) {
        if let Some(dump) = &self.dump {
            write_sealed(dump.g(), &dump.d, &plan.extra, sink);
        }
    }

    /// Loads an analysis kept on this computer ([`req::OpenKept`]): `source` is the sealed
    /// snapshot, checked (seal, CRC-32) before anything is used; `name` the dump's file name
    /// now. Answers like opening, with the time it took as the analysis time; a damaged or
    /// stale file is an error (the caller deletes it and analyzes the dump).
    pub fn restore_kept(
        &mut self,
        source: &mut dyn DumpSource,
        name: String,
        host: &mut dyn Host,
    ) -> Result<OpenOutcome, String> {
        self.dump = None;
        let started = host.now_ms();
        let len = source.size();
        let snapshot = read_sealed(len, &mut |at, buf| {
            read_exact_at(source, at, buf, "the kept file")
        })
        .map_err(|e| e.to_string())?;
        self.restored(snapshot, started, Some(name), host)
    }

    /// Loads a snapshot another worker made ([`Self::prepare_snapshot`]); answers like opening.
    pub(super) fn restore(
        &mut self,
        source: &mut dyn DumpSource,
        host: &mut dyn Host,
    ) -> Result<OpenOutcome, String> {
        self.dump = None;
        let started = host.now_ms();
        let mut offset = 0u64;
        let mut fill = |buf: &mut [u8]| -> Result<(), String> {
            read_exact_at(source, offset, buf, "the snapshot")?;
            offset += buf.len() as u64;
            Ok(())
        };
        let snapshot =
            read_snapshot(&mut fill).map_err(|e| format!("cannot restore the analysis: {e}"))?;
        self.restored(snapshot, started, None, host)
    }

    /// Keeps a snapshot read back: the hand-over's (`kept_as: None`: its time is added to the
    /// last phase), or a kept analysis opened as the dump `kept_as` (no phase ran: the
    /// analysis time is the reading time).
    fn restored(
        &mut self,
        snapshot: Snapshot,
        started: f64,
        kept_as: Option<String>,
        host: &mut dyn Host,
    ) -> Result<OpenOutcome, String> {
        let carried: Carried = serde_json::from_slice(&snapshot.extra)
            .map_err(|e| format!("cannot restore the analysis: {e}"))?;
        let Carried {
            name,
            file_size,
            settings,
            hist,
            summary,
            mut phases,
            analysis_ms,
            suspects,
            digest,
            diff,
            process_memory,
        } = carried;
        let restore_ms = host.now_ms() - started;
        let (name, analysis_ms) = match kept_as {
            Some(now_named) => {
                // Opened from disk: none of the analysis' phases ran now.
                phases.clear();
                (now_named, restore_ms)
            }
            None => {
                if let Some(last) = phases.last_mut() {
                    // The hand-over is part of the analysis as the user waits for it.
                    last.ms += restore_ms;
                }
                (name, analysis_ms + restore_ms)
            }
        };
        let memory = snapshot.graph.heap_bytes() as u64 + snapshot.dominance.heap_bytes() as u64;
        let opened = Opened {
            name,
            file_size,
            settings,
            graph: snapshot.graph,
            d: snapshot.dominance,
            summary,
            totals: None,
            phases,
            analysis_ms,
            memory,
            wasm_memory: host.memory_bytes(),
        };
        let outcome = self.keep(opened, Some(hist), suspects, process_memory);
        if let Some(dump) = self.dump.as_mut() {
            dump.digest = digest;
            dump.diff = diff;
        }
        Ok(outcome)
    }
}

/// Fills `buf` from `source` at byte `at`; a source that ends first is an error naming `what`
/// and where it ended.
fn read_exact_at(
    source: &mut dyn DumpSource,
    mut at: u64,
    buf: &mut [u8],
    what: &str,
) -> Result<(), String> {
    let mut done = 0;
    while done < buf.len() {
        let n = source.read_at(at, &mut buf[done..])?;
        if n == 0 {
            return Err(format!("{what} ends at byte {at}"));
        }
        done += n;
        at += n as u64;
    }
    Ok(())
}
