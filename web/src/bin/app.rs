//! Entry point of the page: mounts the Leptos UI (see `heaplens_web::ui`).

#![forbid(unsafe_code)]

#[cfg(target_arch = "wasm32")]
fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(heaplens_web::ui::App);
}

// Natively this bin only has to compile (so `cargo test --workspace` works); it never runs.
#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("the heaplens UI runs in a browser: use scripts/serve.sh (see README)");
    std::process::exit(2);
}
