//! The scroll geometry every virtualized list of the UI shares: where the scroller is, how
//! high its viewport and rows are, and which rows to draw ([`Viewport::window`], whole blocks
//! around the ones in view, so the DOM changes only when a block boundary scrolls past). One
//! row may be *expanded* (a detail drawn under it, as a thread's stack): its measured height
//! counts in the geometry.
//!
//! The tables (`virtual_list::VirtualRows`, rows from a `Paged` list) and the dominator tree
//! (rows from its `TreeModel`, drawn by `virtual_grid::VirtualGrid`) are built on it.

use leptos::prelude::*;

use super::paged::block_window_by;

/// The scroll state of one virtualized list (a Copy handle: every field is a signal).
#[derive(Clone, Copy)]
pub struct Viewport {
    pub scroll_top: RwSignal<f64>,
    pub viewport_h: RwSignal<f64>,
    pub row_h: RwSignal<f64>,
    /// Height of the sticky header inside the scroller, above the first row (px).
    pub head_h: f64,
    /// The row whose detail row is drawn under it, and that detail's measured height.
    pub expanded: RwSignal<Option<usize>>,
    pub expanded_h: RwSignal<f64>,
    pub scroller: NodeRef<leptos::html::Div>,
    /// Rows to draw: whole blocks around the viewport (changes only at block boundaries).
    pub window: Memo<(usize, usize)>,
}

impl Viewport {
    /// The geometry of a list of `len` rows of `row_h` px (until measured) below a header of
    /// `head_h` px, drawn `block` rows at a time.
    pub fn new(len: Signal<usize>, row_h: f64, head_h: f64, block: usize) -> Self {
        let scroll_top = RwSignal::new(0.0);
        let viewport_h = RwSignal::new(600.0);
        let row_h = RwSignal::new(row_h);
        let expanded = RwSignal::new(None::<usize>);
        let expanded_h = RwSignal::new(0.0);
        // The row at height `y` below the header (an expanded row's detail counts as part of
        // its row).
        let row_at = move |y: f64| -> usize {
            let h = row_h.get();
            match expanded.get() {
                Some(o) if y > (o + 1) as f64 * h => {
                    let y = y - expanded_h.get();
                    if y < (o + 1) as f64 * h {
                        o
                    } else {
                        (y / h) as usize
                    }
                }
                _ => (y / h) as usize,
            }
        };
        let window = Memo::new(move |_| {
            let top = scroll_top.get();
            let bottom = (top + viewport_h.get() - head_h).max(top);
            block_window_by(row_at(top), row_at(bottom) + 1, len.get(), block)
        });
        Viewport {
            scroll_top,
            viewport_h,
            row_h,
            head_h,
            expanded,
            expanded_h,
            scroller: NodeRef::new(),
            window,
        }
    }

    /// The scroller moved: read its position and height; returns the position.
    pub fn scrolled(&self) -> f64 {
        let Some(el) = self.scroller.get_untracked() else {
            return self.scroll_top.get_untracked();
        };
        let top = el.scroll_top() as f64;
        self.scroll_top.set(top);
        self.measure_height();
        top
    }

    /// Read the viewport's height (it follows the window's).
    pub fn measure_height(&self) {
        if let Some(el) = self.scroller.get_untracked() {
            let vh = el.client_height() as f64;
            if (vh - self.viewport_h.get_untracked()).abs() > 0.5 {
                self.viewport_h.set(vh);
            }
        }
    }

    /// Scroll to `top` px (clamped by the browser) and take the position it settled at.
    pub fn scroll_to(&self, top: f64) {
        if let Some(el) = self.scroller.get_untracked() {
            el.set_scroll_top(top.max(0.0) as i32);
        }
        self.scrolled();
    }

    /// Rows in a screenful (PageUp, PageDown).
    pub fn page_rows(&self) -> usize {
        (((self.viewport_h.get_untracked() - self.head_h) / self.row_h.get_untracked()) as usize)
            .max(1)
    }

    /// Scroll as little as keeps row `i` in view below the header.
    pub fn keep_in_view(&self, i: usize) {
        let top = self.scroll_top.get_untracked();
        let h = self.viewport_h.get_untracked() - self.head_h;
        let rh = self.row_h.get_untracked();
        let y = i as f64 * rh;
        if y < top {
            self.scroll_to(y);
        } else if y + rh > top + h {
            self.scroll_to((y + rh - h).ceil());
        }
    }

    /// Scroll row `i` to the middle of the viewport.
    pub fn center(&self, i: usize) {
        self.measure_height();
        let rh = self.row_h.get_untracked();
        let h = self.viewport_h.get_untracked();
        self.scroll_to(i as f64 * rh - (h - self.head_h) / 2.0 + rh / 2.0);
    }

    /// Whether row `i` is among the rows drawn.
    pub fn drawn(&self, i: usize) -> bool {
        let (first, last) = self.window.get();
        i >= first && i < last
    }
}
