//! Acceptance tests: the provider binary under real Terraform (every version
//! in the matrix, see `harness.rs`), and the plugin process on its own.

mod actions;
mod ci;
mod crash_safe;
mod docs;
mod economy;
mod examples;
mod harness;
mod hostile;
mod load;
mod mock_http;
mod older_terraform;
mod platforms;
mod plugin_process;
mod provider_config;
mod query;
pub mod release;
mod sandbox;
mod segment_data_sources;
pub mod segment_integration;
mod setup_guide;
mod sync_health;
mod vendor_modes;
