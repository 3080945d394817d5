//! The ConductorOne Terraform provider: user-facing schema and behaviour.
//!
//! Layers: `tfplugin` (workspace crate) holds the generic plugin machinery;
//! this crate holds the API clients (`conductorone`, `segment`, sending
//! through one transport, `http`) and the provider (`provider`) with its
//! resources, data sources, list resources and actions, and the glue they
//! share (`glue`).

pub mod actions;
pub mod cache;
pub mod conductorone;
pub mod data_sources;
pub mod docs;
#[doc(hidden)]
pub mod fuzz;
pub mod glue;
pub mod http;
pub mod list_resources;
pub mod provider;
pub mod resources;
pub mod secret;
pub mod segment;

/// The source address every example and test uses.
pub const PROVIDER_ADDRESS: &str = "registry.terraform.io/seed/conductorone";
