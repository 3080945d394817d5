//! The ConductorOne Terraform provider: user-facing schema and behaviour.
//!
//! Layers: `tfplugin` (workspace crate) holds the generic plugin machinery;
//! this crate holds the API clients (`conductorone`, `segment`, sharing
//! `retry`) and the provider (`provider`) with its resources and data
//! sources, one file each.

pub mod conductorone;
pub mod data_sources;
pub mod docs;
pub mod provider;
pub mod resources;
pub mod retry;
pub mod secret;
pub mod segment;

/// The source address every example and test uses.
pub const PROVIDER_ADDRESS: &str = "registry.terraform.io/seed/conductorone";
