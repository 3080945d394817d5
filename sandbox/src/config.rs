//! Command-line flags.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, ValueEnum};

/// What the sandbox does with a masked app update (`--c1-app-update-masks`).
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum AppUpdateMasks {
    Honour,
    Refuse,
    Ignore,
}

/// The connector update masks the sandbox takes (`--c1-update-masks`).
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum UpdateMasks {
    Official,
    IgnoreOthers,
    Any,
}

/// How a paused connector shows (`--c1-paused-as`).
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum PausedAs {
    SyncDisabledAt,
    Status,
}

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

    /// Which connector update masks ConductorOne takes. `official` (the strictest, as ConductorOne's own code
    /// proves): `Update` takes only `config` and `UpdateDelegated` only `displayName` and `userIds`; any other
    /// path is 400 INVALID_ARGUMENT naming it. `ignore-others`: other paths are accepted and silently ignored.
    /// `any`: every connector field may be updated through either.
    #[arg(long, value_enum, default_value_t = UpdateMasks::Official, value_name = "MODE")]
    pub c1_update_masks: UpdateMasks,

    /// What an app update with `updateMask` does (a partial app, as ConductorOne's docs show it): `honour` it,
    /// `refuse` it (400 INVALID_ARGUMENT), or `ignore` it (200, nothing changes). An update of the whole app
    /// with no mask, as ConductorOne's Terraform provider sends it, always takes its name and description.
    #[arg(long, value_enum, default_value_t = AppUpdateMasks::Honour, value_name = "MODE")]
    pub c1_app_update_masks: AppUpdateMasks,

    /// The name of the secret field in the Segment catalog entry's configuration schema
    /// (`POST /api/v1/connectorcatalog`); a Segment connector config holding any other key is 400
    /// INVALID_ARGUMENT. Public sources disagree: ConductorOne's connector names it `token`, its Terraform
    /// provider writes `segment_access_token`.
    #[arg(long, default_value = "token", value_name = "NAME")]
    pub c1_catalog_token_field: String,

    /// The name ConductorOne gives a Segment connector created with a config (`/connectors/create` takes
    /// no name).
    #[arg(long, default_value = "Twilio Segment", value_name = "NAME")]
    pub c1_connector_default_name: String,

    /// How a paused connector (`POST .../pause`) shows in its reads; the spec names the fields but not what a
    /// pause sets. `sync-disabled-at` (default): `syncDisabledAt` is set and the sync status stays as it was
    /// (a reader of the status alone misses the pause). `status`: `status.status` reads `SYNC_STATUS_DISABLED`
    /// and `syncDisabledAt` stays null.
    #[arg(long, value_enum, default_value_t = PausedAs::SyncDisabledAt, value_name = "MODE")]
    pub c1_paused_as: PausedAs,

    /// Introspection names no user (as for some service principals and workload identities), and a
    /// connector created without `userIds` has no owner.
    #[arg(long)]
    pub c1_introspect_no_user: bool,

    /// The member token may list roles (Segment's roles are system-wide, and whether a member may list them is
    /// undocumented), but still not users or groups.
    #[arg(long)]
    pub segment_member_reads_roles: bool,

    /// Rate-limited answers (429) carry only `errors[0].data.msBeforeNext` in the body, with no `Retry-After`
    /// or `X-RateLimit-Reset` header, as Segment's limits other than the token's do.
    #[arg(long)]
    pub segment_429_body_only: bool,

    /// Answer every Segment request with 307 and a `Location` under this URL (as the main host is reported
    /// to do for EU workspaces).
    #[arg(long, value_name = "URL")]
    pub segment_redirect_to: Option<String>,

    /// The workspace's plan has no user groups: `/groups` and everything under it answer 400 "Your plan does
    /// not include User Groups", as on plans below the Business tier.
    #[arg(long)]
    pub segment_no_groups_plan: bool,

    /// Load apps, connectors and tokens from this file at start, and save them after each change.
    #[arg(long, value_name = "PATH")]
    pub state_file: Option<PathBuf>,

    /// Refuse (400, saying what is wrong) any request whose query or JSON body
    /// does not conform to the vendor's OpenAPI spec, where the spec covers it. Needs the specs
    /// (`--spec-dir`), which the release archives do not hold.
    #[arg(long)]
    pub strict: bool,

    /// Where the vendors' OpenAPI specs are (for --strict): conductorone-openapi.yaml and
    /// segment-public-api-openapi.v36.json, as in the project's ../shared/specs; not in the release archives.
    #[arg(long, default_value = "../shared/specs", value_name = "DIR")]
    pub spec_dir: PathBuf,
}
