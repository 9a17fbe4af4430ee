//! Deep links within the loaded dump: the URL hash names the view (`#/histogram`,
//! `#/object/0x7f01…`, `#/object/0x7f01…/paths`, `#/instances/42`, `#/query?q=SELECT…`,
//! `#/compare` for the comparison of two dumps, the investigation views
//! `#/explore/retained/class/42`, `#/explore/dominators/0x7f01…/<skip pattern>`). A view's own
//! settings may follow a `?` (`#/histogram?filter=Foo&sort=shallow`): [`query_of`].

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
    /// An investigation view over a class's instances or one object.
    Explore {
        view: ExploreView,
        target: Target,
        /// Immediate dominators: the skip pattern (`None`: the default); merged paths:
        /// `Some("weak")` to follow weak references.
        option: Option<String>,
    },
}

/// The investigation views (`ui/explore_*.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExploreView {
    Retained,
    Dominators,
    Merged,
    Values,
    Contents,
}

impl ExploreView {
    pub const ALL: [ExploreView; 5] = [
        ExploreView::Retained,
        ExploreView::Dominators,
        ExploreView::Merged,
        ExploreView::Values,
        ExploreView::Contents,
    ];

    fn slug(self) -> &'static str {
        match self {
            ExploreView::Retained => "retained",
            ExploreView::Dominators => "dominators",
            ExploreView::Merged => "merged",
            ExploreView::Values => "values",
            ExploreView::Contents => "contents",
        }
    }

    fn from_slug(s: &str) -> Option<ExploreView> {
        ExploreView::ALL.into_iter().find(|v| v.slug() == s)
    }

    /// The action's label.
    pub fn label(self) -> &'static str {
        match self {
            ExploreView::Retained => "Retained set",
            ExploreView::Dominators => "Immediate dominators",
            ExploreView::Merged => "Merged paths to GC roots",
            ExploreView::Values => "Group by value",
            ExploreView::Contents => "Contents",
        }
    }

    /// What the action shows (its tooltip).
    pub fn help(self) -> &'static str {
        match self {
            ExploreView::Retained => "What these objects keep alive: the objects that would be freed with them, by class",
            ExploreView::Dominators => "Who keeps these objects alive: their immediate dominators by class, JDK classes skipped",
            ExploreView::Merged => "The shortest paths from the GC roots to these objects, merged into one tree with counts",
            ExploreView::Values => "The objects grouped by value (Strings, boxed primitives, enums), with the bytes copies waste",
            ExploreView::Contents => "The collection's elements, or the map's keys and values",
        }
    }
}

/// What an investigation view runs over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// The instances of a class (its index).
    Class(u32),
    /// One object (`0x…`).
    Object(String),
    /// Every object the rows of an OQL query name (the Query view's result), as the CLI's
    /// `heaplens explore DUMP VIEW 'SELECT …'` reads a selection.
    Query(String),
}

impl Target {
    pub fn selection(&self) -> crate::protocol::ExploreSelection {
        match self {
            Target::Class(class) => crate::protocol::ExploreSelection::Class { class: *class },
            Target::Object(id) => crate::protocol::ExploreSelection::Objects {
                ids: vec![id.clone()],
            },
            Target::Query(text) => crate::protocol::ExploreSelection::Text { text: text.clone() },
        }
    }
}

/// `name=value` pairs after the `?` of a hash, decoded.
pub fn query_of(hash: &str) -> Vec<(String, String)> {
    let Some((_, q)) = hash.split_once('?') else {
        return Vec::new();
    };
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

/// A `?a=1&b=2` suffix of the pairs (empty values left out).
pub fn query_suffix(pairs: &[(&str, String)]) -> String {
    let parts: Vec<String> = pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!("?{}", parts.join("&"))
    }
}

fn encode(s: &str) -> String {
    String::from(js_sys::encode_uri_component(s))
}

fn decode(s: &str) -> String {
    js_sys::decode_uri_component(s)
        .map(String::from)
        .unwrap_or_else(|_| s.to_string())
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
        let path = path.split_once('?').map_or(path, |(p, _)| p);
        let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
        if let ["explore", view, rest @ ..] = parts.as_slice() {
            let view = ExploreView::from_slug(view);
            let (target, rest) = match rest {
                ["class", c, rest @ ..] => (c.parse().ok().map(Target::Class), rest),
                ["query", q, rest @ ..] => (Some(Target::Query(decode(q))), rest),
                [id, rest @ ..] if id.starts_with("0x") => {
                    (Some(Target::Object(id.to_string())), rest)
                }
                _ => (None, rest),
            };
            if let (Some(view), Some(target)) = (view, target) {
                return Route::Explore {
                    view,
                    target,
                    // Written `=…` so an empty option (skip nothing) survives the URL.
                    option: rest
                        .first()
                        .map(|o| decode(o.strip_prefix('=').unwrap_or(o))),
                };
            }
            return Route::Overview;
        }
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
            Route::Explore {
                view,
                target,
                option,
            } => {
                let target = match target {
                    Target::Class(c) => format!("class/{c}"),
                    Target::Object(id) => id.clone(),
                    Target::Query(text) => format!("query/{}", encode(text)),
                };
                let option = option
                    .as_ref()
                    .map(|o| format!("/={}", encode(o)))
                    .unwrap_or_default();
                format!("#/explore/{}/{target}{option}", view.slug())
            }
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
            Route::Explore {
                target: Target::Class(_),
                ..
            } => Some(Route::Histogram),
            Route::Explore {
                target: Target::Query(_),
                ..
            } => Some(Route::Query {
                text: String::new(),
            }),
            Route::Explore { .. } => None,
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

/// The route of an investigation view.
pub fn explore_href(view: ExploreView, target: &Target) -> String {
    Route::Explore {
        view,
        target: target.clone(),
        option: None,
    }
    .to_hash()
}

pub fn current_hash() -> String {
    web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default()
}

/// Show `hash` in the URL without a history entry or a `hashchange` (a view's settings).
pub fn replace_hash(hash: &str) {
    if let Some(h) = web_sys::window().and_then(|w| w.history().ok()) {
        if current_hash() != hash {
            let _ = h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(hash));
        }
    }
}

/// Go to a route (through the URL hash, so back/forward and deep links work).
pub fn navigate(route: &Route) {
    if let Some(w) = web_sys::window() {
        let _ = w.location().set_hash(&route.to_hash());
    }
}
