//! Command-line flags.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;

/// A local stand-in for the ConductorOne API (at the root) and Segment's Public
/// API (under /segment), built from the vendors' OpenAPI specs. It prints the
/// environment variables that point the provider at it.
#[derive(Parser, Clone, Debug)]
#[command(name = "conductorone-sandbox", version)]
pub struct Config {
    /// Address to listen on. Port 0 picks a free port; the address chosen is printed.
    #[arg(long, default_value = "127.0.0.1:0")]
    pub listen: SocketAddr,

    /// Write the KEY=VALUE environment lines to this file. It appears only
    /// once the listener accepts connections, and whole (written beside it,
    /// then renamed): its existence is the readiness signal, no sleep needed.
    #[arg(long, value_name = "PATH")]
    pub env_file: Option<PathBuf>,

    /// Make every id, key and token deterministic (the same seed gives the same values).
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,

    /// Lifetime of ConductorOne access tokens, in seconds.
    #[arg(long, default_value_t = 600, value_name = "SECONDS")]
    pub token_ttl: u64,

    /// How long a connector sync runs before it is DONE (or ERROR), in milliseconds.
    #[arg(long = "sync-delay", default_value_t = 2000, value_name = "MS")]
    pub sync_delay_ms: u64,

    /// Number of Segment user groups to seed.
    #[arg(long, default_value_t = 25, value_name = "N")]
    pub segment_groups: usize,

    /// Number of Segment roles to seed (the first eight are Segment's standard roles).
    #[arg(long, default_value_t = 8, value_name = "N")]
    pub segment_roles: usize,

    /// Number of Segment workspace users to seed.
    #[arg(long, default_value_t = 50, value_name = "N")]
    pub segment_users: usize,

    /// Give the last N seeded groups the names of the first N (duplicate names,
    /// which Segment does not forbid), for tests of name lookups.
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub segment_duplicate_names: usize,

    /// Number of ConductorOne apps to seed (named "App 1", "App 2", …), for
    /// tenants at scale.
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub c1_apps: usize,

    /// Segment connectors to seed, spread over the seeded apps (each with the
    /// owner token, synced, named "Segment (env-N)").
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub c1_segment_connectors: usize,

    /// Connectors of other catalogs to seed, spread over the seeded apps.
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub c1_other_connectors: usize,

    /// Seed the Segment app that an identity provider integration makes in ConductorOne (named "Segment",
    /// with no connector), as tenants that sign in to Segment through their identity provider have.
    #[arg(long)]
    pub c1_idp_segment_app: bool,

    /// How many Segment tokens with the Workspace Owner access level to hand out: SEGMENT_ACCESS_TOKEN,
    /// then SEGMENT_ACCESS_TOKEN_2 and so on.
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub segment_owner_tokens: usize,

    /// Segment requests allowed per token per minute before 429 Too Many Requests (0: no limit).
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub segment_rate_limit: u32,

    /// Delay added to every API request (not to /__sandbox), in milliseconds.
    #[arg(long, default_value_t = 0, value_name = "MS")]
    pub latency_ms: u64,

    /// Random extra delay of up to this many milliseconds on top of --latency-ms.
    #[arg(long, default_value_t = 0, value_name = "MS")]
    pub latency_jitter_ms: u64,

    /// Load apps, connectors and tokens from this file at start, and save them after each change.
    #[arg(long, value_name = "PATH")]
    pub state_file: Option<PathBuf>,

    /// Refuse (400, saying what is wrong) any request whose query or JSON body
    /// does not conform to the vendor's OpenAPI spec, where the spec covers it.
    #[arg(long)]
    pub strict: bool,

    /// Where the vendors' OpenAPI specs are (for --strict).
    #[arg(long, default_value = "../shared/specs", value_name = "DIR")]
    pub spec_dir: PathBuf,
}
