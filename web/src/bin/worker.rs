//! Entry point of the analysis Web Worker (see `heaplens_web::worker::entry`).

#![forbid(unsafe_code)]

#[cfg(target_family = "wasm")]
fn main() {
    heaplens_web::worker::entry::start();
}

// Natively this bin only has to compile (so `cargo test --workspace` works); it never runs.
#[cfg(not(target_family = "wasm"))]
fn main() {
    eprintln!("the heaplens worker runs in a browser: build it with `trunk build` (see README)");
    std::process::exit(2);
}
