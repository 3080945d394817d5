//! `terraform-provider-conductorone`: Terraform starts this binary and talks
//! to it over the plugin protocol. Run by hand it explains itself; `--debug`
//! serves it for attaching Terraform with `TF_REATTACH_PROVIDERS`.

use std::process::ExitCode;

use terraform_provider_conductorone::provider::ConductorOneProvider;
use tfplugin::server::{serve, ServeOptions};

fn main() -> ExitCode {
    let opts = ServeOptions {
        address: terraform_provider_conductorone::PROVIDER_ADDRESS,
        binary_name: "terraform-provider-conductorone",
        version: env!("CARGO_PKG_VERSION"),
        log_targets: &["terraform_provider_conductorone"],
    };
    serve(&opts, ConductorOneProvider::new)
}
