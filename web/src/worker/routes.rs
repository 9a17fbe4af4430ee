//! The routes of the requests about an open dump ([`Loaded::serve`]): each decodes its
//! params, asks the core (through the analyses [`Loaded`] keeps) and answers with a page of
//! the core's rows. Nothing here analyses: the rows and pages are `heaplens::analysis::views`.

use heaplens::analysis::{domtree, inspect, references, views};
use heaplens::compare::compare;
use heaplens::hprof::reread::ObjectSource;
use heaplens::report;

use super::explore as explore_views;
use super::host::Host;
use super::service::{announce, answer, Reply};
use super::session::{ChildrenKey, Loaded};
use crate::protocol::*;

impl Loaded {
    /// Routes a request about the open dump (see [`super::service::Service::handle_with`]).
    pub(super) fn serve(
        &mut self,
        method: &str,
        params: serde_json::Value,
        host: &mut dyn Host,
    ) -> Reply {
        use req::*;
        match method {
            Summary::METHOD => answer::<Summary>(params, |()| Ok(Box::new(self.overview()))),
            Histogram::METHOD => answer::<Histogram>(params, |q| Ok(self.histogram(q, host))),
            Children::METHOD => answer::<Children>(params, |q| self.children(q)),
            TreeSearch::METHOD => answer::<TreeSearch>(params, |q| {
                let limit = q.limit.min(MAX_PAGE);
                Ok(views::tree_search(
                    &self.graph,
                    &self.d,
                    q.pattern,
                    q.offset,
                    limit,
                ))
            }),
            References::METHOD => answer::<References>(params, |q| {
                self.references(&q.object, q.incoming, q.offset, q.limit)
            }),
            Paths::METHOD => answer::<Paths>(params, |q| {
                let v = self.node(&q.object)?;
                let found = self
                    .paths(q.include_weak)
                    .paths(v, q.max.clamp(1, 10) as usize);
                Ok(PathsResult {
                    object_id: q.object,
                    include_weak: q.include_weak,
                    paths: found,
                })
            }),
            Instances::METHOD => answer::<Instances>(params, |q| {
                self.instances(q.class, q.unreachable, q.offset, q.limit)
            }),
            Suspects::METHOD => answer::<Suspects>(params, |()| Ok(self.suspects(host).clone())),
            Threads::METHOD => answer::<Threads>(params, |q| {
                Ok(self.threads_page(&q.filter, q.offset, q.limit, host))
            }),
            Thread::METHOD => {
                answer::<Thread>(params, |q| Ok(Box::new(self.thread(&q.object, host)?)))
            }
            ClassLoaders::METHOD => {
                answer::<ClassLoaders>(params, |()| Ok(self.class_loaders(host).clone()))
            }
            Waste::METHOD => answer::<Waste>(params, |()| Ok(self.waste(host).clone())),
            Export::METHOD => {
                answer::<Export>(params, |q| Ok(self.export(q.format, q.redact, host)))
            }
            Digest::METHOD => answer::<Digest>(params, |()| {
                serde_json::to_string(self.digest(host))
                    .map(DigestText)
                    .map_err(|e| format!("cannot encode the digest: {e}"))
            }),
            Compare::METHOD => answer::<Compare>(params, |p| {
                let base: heaplens::compare::Digest = serde_json::from_str(&p.baseline.0)
                    .map_err(|e| format!("the baseline's digest is unreadable: {e}"))?;
                let this = self.digest(host);
                announce(host, "comparison");
                let diff = compare(&base, this);
                let result = super::compare::result(&diff);
                self.diff = Some(diff);
                Ok(Box::new(result))
            }),
            CompareHistogram::METHOD => answer::<CompareHistogram>(params, |q| {
                let diff = self
                    .diff
                    .as_ref()
                    .ok_or("no comparison: ask \"compare\" first")?;
                Ok(super::compare::page(diff, q))
            }),
            RetainedSet::METHOD => answer::<RetainedSet>(params, |q| {
                announce(host, "retained set");
                self.explore.retained_set(&self.graph, &self.d, q)
            }),
            ImmediateDominators::METHOD => answer::<ImmediateDominators>(params, |q| {
                self.explore.dominators(&self.graph, &self.d, q)
            }),
            MergedPaths::METHOD => answer::<MergedPaths>(params, |q| {
                self.paths(q.include_weak);
                announce(host, "merged paths");
                let index = if q.include_weak {
                    &self.weak_paths
                } else {
                    &self.paths
                };
                let finder = index.as_ref().expect("built above").finder(&self.graph);
                self.explore.merged_paths(&self.graph, &self.d, &finder, q)
            }),
            MorePaths::METHOD => answer::<MorePaths>(params, |q| {
                let v = self.node(&q.object)?;
                let page = self.paths(q.include_weak).paths_page(
                    v,
                    q.offset as u64,
                    q.limit.clamp(1, 100) as usize,
                );
                Ok(MorePathsPage {
                    object_id: q.object,
                    include_weak: q.include_weak,
                    total: page.total,
                    complete: page.complete,
                    offset: q.offset,
                    paths: page.paths,
                })
            }),
            Contents::METHOD => {
                answer::<Contents>(params, |q| explore_views::contents(&self.graph, q))
            }
            FindObject::METHOD => {
                answer::<FindObject>(params, |q| explore_views::find(&self.graph, &self.d, q))
            }
            InstancesCsv::METHOD => answer::<InstancesCsv>(params, |q| {
                self.instances(q.class, q.unreachable, 0, 0)?;
                let list = &self.instances_cache.as_ref().expect("filled").1;
                Ok(explore_views::instances_csv(
                    &self.graph,
                    &self.d,
                    list,
                    q.class,
                    q.unreachable,
                ))
            }),
            ProcessMemory::METHOD => answer::<ProcessMemory>(params, |()| {
                Ok(Box::new(self.process_memory(host).clone()))
            }),
            other => Err(format!("{other:?} is not a request about an open dump")),
        }
    }

    pub(super) fn histogram(&mut self, q: HistogramQuery, host: &mut dyn Host) -> HistogramPage {
        self.hist(host);
        let hist = self.hist.as_ref().expect("computed above");
        views::histogram_page(&self.graph, hist, q, MAX_PAGE)
    }

    pub(super) fn children(&mut self, q: ChildrenQuery) -> Result<ChildrenPage, String> {
        let parent = match &q.parent {
            None => self.graph.super_root(),
            Some(id) => self.node(id)?,
        };
        let key = ChildrenKey {
            parent,
            sort: q.sort,
            filter: q.filter.to_lowercase(),
        };
        if self.children_cache.as_ref().map(|(k, _)| k) != Some(&key) {
            let order = match q.sort {
                TreeSort::Retained => domtree::ChildOrder::Retained,
                TreeSort::Shallow => domtree::ChildOrder::Shallow,
                TreeSort::Class => domtree::ChildOrder::Class,
            };
            let list = domtree::children(&self.graph, &self.d, parent, order, &key.filter);
            self.children_cache = Some((key, list));
        }
        let list = &self.children_cache.as_ref().expect("filled").1;
        Ok(ChildrenPage {
            total: list.len() as u32,
            rows: list[page_bounds(list.len(), q.offset, q.limit)]
                .iter()
                .map(|&v| self.row(v))
                .collect(),
            query: q,
        })
    }

    /// One object's details; with the dump's file (`source`), the primitive fields the build
    /// did not keep are read from it (a failed read leaves them "(not kept)": the rest of the
    /// page is still right, and the file may have changed since it was opened).
    pub(super) fn object(
        &mut self,
        object: &str,
        source: Option<&mut dyn ObjectSource>,
        host: &mut dyn Host,
    ) -> Result<ObjectDetails, String> {
        let v = self.node(object)?;
        if self.graph.as_class(v).is_some() {
            // A class's page shows its instance count: the histogram has it.
            self.hist(host);
        }
        let hist = self.hist.as_ref();
        Ok(inspect::object_details_from(&self.graph, &self.d, v, hist, source).0)
    }

    pub(super) fn references(
        &mut self,
        object: &str,
        incoming: bool,
        offset: u32,
        limit: u32,
    ) -> Result<ReferencePage, String> {
        let v = self.node(object)?;
        let (g, d) = (&self.graph, &self.d);
        let (total, rows) = if incoming {
            if self.incoming_cache.as_ref().map(|c| c.0) != Some(v) {
                self.incoming_cache = Some((v, references::referrers(g, d, v)));
            }
            let refs = &self.incoming_cache.as_ref().expect("filled").1;
            let page = &refs[page_bounds(refs.len(), offset, limit)];
            (refs.len(), views::referrer_rows(g, d, v, page))
        } else {
            let total = references::outgoing_count(g, v);
            let page = page_bounds(total, offset, limit);
            (total, views::outgoing_rows(g, d, v, page.start, page.end))
        };
        Ok(ReferencePage {
            object_id: report::format_id(g.id(v)),
            incoming,
            total: total as u32,
            offset,
            rows,
        })
    }

    pub(super) fn instances(
        &mut self,
        class: u32,
        unreachable: bool,
        offset: u32,
        limit: u32,
    ) -> Result<InstancesPage, String> {
        if self.instances_cache.as_ref().map(|c| c.0) != Some((class, unreachable)) {
            let list = references::instances(&self.graph, &self.d, class, unreachable)
                .ok_or_else(|| format!("no class #{class}"))?;
            self.instances_cache = Some(((class, unreachable), list));
        }
        let list = &self.instances_cache.as_ref().expect("filled").1;
        let page = page_bounds(list.len(), offset, limit);
        Ok(InstancesPage {
            class,
            class_name: self.graph.classes[class as usize].name.clone(),
            unreachable,
            total: list.len() as u32,
            offset,
            rows: list[page].iter().map(|&v| self.row(v)).collect(),
            groupable: heaplens::analysis::explore::has_value(&self.graph, class),
        })
    }

    pub(super) fn threads_page(
        &mut self,
        filter: &str,
        offset: u32,
        limit: u32,
        host: &mut dyn Host,
    ) -> ThreadsPage {
        let c = self.threads_cache(host);
        if c.filtered.as_ref().map(|f| f.0.as_str()) != Some(filter) {
            let list = views::matching_threads(&c.threads, filter);
            c.filtered = Some((filter.to_string(), list));
        }
        let list = &c.filtered.as_ref().expect("filled").1;
        ThreadsPage {
            total_threads: c.threads.len() as u32,
            live_threads: c.threads.iter().filter(|t| t.gc_root).count() as u32,
            total: list.len() as u32,
            offset,
            rows: list[page_bounds(list.len(), offset, limit)]
                .iter()
                .map(|&i| ThreadRow::from(&c.threads[i as usize]))
                .collect(),
            groups: c.groups.iter().take(200).cloned().collect(),
            group_count: c.groups.len() as u32,
            thread_local_findings: c.findings.clone(),
        }
    }

    pub(super) fn thread(
        &mut self,
        object: &str,
        host: &mut dyn Host,
    ) -> Result<ThreadDetails, String> {
        let v = self.node(object)?;
        let c = self.threads_cache(host);
        let t = c
            .threads
            .iter()
            .find(|t| t.node == v)
            .ok_or_else(|| format!("{object} is not a thread"))?;
        Ok(ThreadDetails::from(t))
    }

    pub(super) fn export(
        &mut self,
        format: ExportFormat,
        redact: bool,
        host: &mut dyn Host,
    ) -> ExportFile {
        announce(host, "report");
        let g = self.g();
        let opts = report::ReportOptions {
            source: Some(report::Source {
                name: self.name.clone(),
                file_bytes: Some(self.file_size),
            }),
            redact,
            ..Default::default()
        };
        let r = report::build_report(g, &self.d, &opts);
        let stem = self
            .name
            .trim_end_matches(" (sample)")
            .trim_end_matches(".gz")
            .trim_end_matches(".hprof")
            .to_string();
        // A redacted report does not carry the dump's name in its file name either.
        let stem = if redact {
            "heap.redacted".to_string()
        } else if stem.is_empty() {
            "heap".to_string()
        } else {
            stem
        };
        match format {
            ExportFormat::Json => ExportFile {
                file_name: format!("{stem}.heaplens.json"),
                mime: "application/json".into(),
                text: report::to_json(&r),
            },
            ExportFormat::Html => ExportFile {
                file_name: format!("{stem}.heaplens.html"),
                mime: "text/html".into(),
                text: report::to_html(&r),
            },
            ExportFormat::Markdown => ExportFile {
                file_name: format!("{stem}.heaplens.md"),
                mime: "text/markdown".into(),
                text: report::to_markdown(&r),
            },
        }
    }
}

/// The page `offset..` of a list of `len`, at most [`MAX_PAGE`] long.
fn page_bounds(len: usize, offset: u32, limit: u32) -> std::ops::Range<usize> {
    views::page_range(len, offset, limit.min(MAX_PAGE))
}
