//! Links the provider's binaries as position-dependent executables on Linux,
//! as Go links Terraform's other providers there. A position-independent one
//! spends a tenth of its start-up, at every one of the several starts of a
//! plan, having the dynamic loader patch some 19,000 pointers into pages it
//! must first copy; linked at a fixed address they hold their final values.
//! The code itself stays position-independent (rustc's default), so only the
//! link differs.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let env = std::env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    if os == "linux" && env == "gnu" {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
}
