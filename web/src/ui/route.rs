//! Deep links within the loaded dump: the URL hash names the view (`#/histogram`,
//! `#/object/0x7f01…`, `#/object/0x7f01…/paths`, `#/instances/42`, `#/query?q=SELECT…`;
//! `#/compare` for the comparison of two dumps).

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    Overview,
    Suspects,
    Dominators,
    Histogram,
    /// Instances of a class (histogram row), reachable or not.
    Instances {
        class: u32,
        unreachable: bool,
    },
    Threads,
    Loaders,
    Waste,
    /// Memory beyond the heap: buffers, thread stacks, class metadata.
    ProcessMemory,
    /// The object inspector; `paths`: open at the paths to GC roots.
    Object {
        id: String,
        paths: bool,
    },
    /// OQL; `text` (URI-encoded in the hash) is run when not empty.
    Query {
        text: String,
    },
    /// The comparison of two dumps (a tab while two are open).
    Compare,
}

/// The tabs, in order.
pub const TABS: &[(Route, &str)] = &[
    (Route::Overview, "Overview"),
    (Route::Suspects, "Leak suspects"),
    (Route::Dominators, "Dominator tree"),
    (Route::Histogram, "Histogram"),
    (Route::Threads, "Threads"),
    (Route::Loaders, "Class loaders"),
    (Route::Waste, "Waste"),
    (Route::ProcessMemory, "Process memory"),
    (
        Route::Query {
            text: String::new(),
        },
        "Query",
    ),
];

impl Route {
    pub fn parse(hash: &str) -> Route {
        let path = hash.trim_start_matches('#').trim_start_matches('/');
        // The query text may hold any character (`/` too): it is the whole rest, URI-encoded.
        if let Some(rest) = path.strip_prefix("query") {
            if rest.is_empty() || rest.starts_with('?') {
                let text = rest
                    .strip_prefix("?q=")
                    .and_then(|q| js_sys::decode_uri_component(q).ok())
                    .and_then(|q| q.as_string())
                    .unwrap_or_default();
                return Route::Query { text };
            }
        }
        let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
        match parts.as_slice() {
            ["suspects"] => Route::Suspects,
            ["dominators"] => Route::Dominators,
            ["histogram"] => Route::Histogram,
            ["instances", c] => c
                .parse()
                .map(|class| Route::Instances {
                    class,
                    unreachable: false,
                })
                .unwrap_or(Route::Histogram),
            ["instances", c, "unreachable"] => c
                .parse()
                .map(|class| Route::Instances {
                    class,
                    unreachable: true,
                })
                .unwrap_or(Route::Histogram),
            ["threads"] => Route::Threads,
            ["loaders"] => Route::Loaders,
            ["waste"] => Route::Waste,
            ["compare"] => Route::Compare,
            ["process-memory"] => Route::ProcessMemory,
            ["object", id] => Route::Object {
                id: id.to_string(),
                paths: false,
            },
            ["object", id, "paths"] => Route::Object {
                id: id.to_string(),
                paths: true,
            },
            _ => Route::Overview,
        }
    }

    pub fn to_hash(&self) -> String {
        match self {
            Route::Overview => "#/overview".into(),
            Route::Suspects => "#/suspects".into(),
            Route::Dominators => "#/dominators".into(),
            Route::Histogram => "#/histogram".into(),
            Route::Instances {
                class,
                unreachable: false,
            } => format!("#/instances/{class}"),
            Route::Instances {
                class,
                unreachable: true,
            } => format!("#/instances/{class}/unreachable"),
            Route::Threads => "#/threads".into(),
            Route::Loaders => "#/loaders".into(),
            Route::Waste => "#/waste".into(),
            Route::Compare => "#/compare".into(),
            Route::ProcessMemory => "#/process-memory".into(),
            Route::Object { id, paths: false } => format!("#/object/{id}"),
            Route::Object { id, paths: true } => format!("#/object/{id}/paths"),
            Route::Query { text } if text.is_empty() => "#/query".into(),
            Route::Query { text } => format!(
                "#/query?q={}",
                String::from(js_sys::encode_uri_component(text))
            ),
        }
    }

    /// The tab a route belongs to (for highlighting).
    pub fn tab(&self) -> Option<Route> {
        match self {
            Route::Instances { .. } => Some(Route::Histogram),
            Route::Object { .. } => None,
            Route::Query { .. } => Some(Route::Query {
                text: String::new(),
            }),
            r => Some(r.clone()),
        }
    }
}

pub fn object_href(id: &str) -> String {
    Route::Object {
        id: id.to_string(),
        paths: false,
    }
    .to_hash()
}

pub fn paths_href(id: &str) -> String {
    Route::Object {
        id: id.to_string(),
        paths: true,
    }
    .to_hash()
}

pub fn current_hash() -> String {
    web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default()
}

/// Go to a route (through the URL hash, so back/forward and deep links work).
pub fn navigate(route: &Route) {
    if let Some(w) = web_sys::window() {
        let _ = w.location().set_hash(&route.to_hash());
    }
}
