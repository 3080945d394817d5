//! Logs as hclog JSON lines on stderr, the form Terraform's plugin client
//! parses: `TF_LOG=debug` or `TF_LOG_PROVIDER=trace` then show our lines among
//! Terraform's own. Quiet by default (warnings and errors only, which
//! Terraform hides unless logging is on).
//!
//! Never log secrets: fields are written as given, so callers log names and
//! ids, not configuration values.

use std::fmt::Write as _;
use std::io::Write as _;
use std::time::{SystemTime, UNIX_EPOCH};

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::Layer;

/// The level Terraform asked for, from `TF_LOG_PROVIDER`, else `TF_LOG`.
pub fn level_from_env() -> Option<Level> {
    let raw = std::env::var("TF_LOG_PROVIDER")
        .ok()
        .filter(|v| !v.is_empty())
        .or_else(|| std::env::var("TF_LOG").ok());
    parse_level(raw.as_deref())
}

fn parse_level(raw: Option<&str>) -> Option<Level> {
    match raw.map(str::trim).filter(|v| !v.is_empty()) {
        None => Some(Level::WARN),
        Some(v) => match v.to_ascii_lowercase().as_str() {
            "off" => None,
            "error" => Some(Level::ERROR),
            "warn" => Some(Level::WARN),
            "info" => Some(Level::INFO),
            "debug" => Some(Level::DEBUG),
            // "trace", "json" and anything unrecognised: Terraform treats them as trace.
            _ => Some(Level::TRACE),
        },
    }
}

/// Installs the stderr hclog layer as the global subscriber. Events from the
/// crates named in `own` (by target prefix) follow the requested level; other
/// crates (HTTP/2 and TLS internals) log warnings and errors only.
pub fn init(module: &'static str, own: &'static [&'static str]) {
    let layer = HclogLayer {
        module,
        own,
        max: level_from_env(),
    };
    let subscriber = tracing_subscriber::registry().with(layer);
    // A second init (tests) keeps the first subscriber.
    let _ = tracing::subscriber::set_global_default(subscriber);
}

struct HclogLayer {
    module: &'static str,
    own: &'static [&'static str],
    max: Option<Level>,
}

impl HclogLayer {
    fn allows(&self, meta: &tracing::Metadata<'_>) -> bool {
        let Some(max) = self.max else { return false };
        let level = *meta.level();
        let target = meta.target();
        let own = target.starts_with("tfplugin") || self.own.iter().any(|p| target.starts_with(p));
        level <= if own { max } else { max.min(Level::WARN) }
    }
}

impl<S: Subscriber> Layer<S> for HclogLayer {
    fn enabled(&self, meta: &tracing::Metadata<'_>, _ctx: Context<'_, S>) -> bool {
        self.allows(meta)
    }

    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        if !self.allows(event.metadata()) {
            return;
        }
        let mut fields = serde_json::Map::new();
        let mut visitor = JsonVisitor(&mut fields);
        event.record(&mut visitor);
        let message = fields
            .remove("message")
            .unwrap_or(serde_json::Value::String(String::new()));
        let mut line = serde_json::Map::new();
        line.insert(
            "@level".into(),
            level_name(*event.metadata().level()).into(),
        );
        line.insert("@message".into(), message);
        line.insert("@module".into(), self.module.into());
        line.insert("@timestamp".into(), timestamp_now().into());
        for (k, v) in fields {
            line.insert(k, v);
        }
        let mut text =
            crate::redact::redact(&serde_json::Value::Object(line).to_string()).into_owned();
        text.push('\n');
        let _ = std::io::stderr().lock().write_all(text.as_bytes());
    }
}

fn level_name(l: Level) -> &'static str {
    match l {
        Level::TRACE => "trace",
        Level::DEBUG => "debug",
        Level::INFO => "info",
        Level::WARN => "warn",
        Level::ERROR => "error",
    }
}

struct JsonVisitor<'a>(&'a mut serde_json::Map<String, serde_json::Value>);

impl Visit for JsonVisitor<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().into(), value.into());
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.insert(field.name().into(), value.into());
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.insert(field.name().into(), value.into());
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name().into(), value.into());
    }
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.0.insert(field.name().into(), value.into());
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0
            .insert(field.name().into(), format!("{value:?}").into());
    }
}

/// Now as hclog writes it: `2006-01-02T15:04:05.000000Z`.
pub fn timestamp_now() -> String {
    let d = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    format_timestamp(d.as_secs(), d.subsec_micros())
}

fn format_timestamp(secs: u64, micros: u32) -> String {
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    let mut s = String::with_capacity(27);
    let _ = write!(
        s,
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{micros:06}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    );
    s
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = u32::try_from(doy - (153 * mp + 2) / 5 + 1).unwrap_or(1);
    let m = u32::try_from(if mp < 10 { mp + 3 } else { mp - 9 }).unwrap_or(1);
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_match_hclog_layout() {
        assert_eq!(format_timestamp(0, 0), "1970-01-01T00:00:00.000000Z");
        // 2026-11-29T01:02:03.000042Z
        assert_eq!(
            format_timestamp(1_795_914_123, 42),
            "2026-11-29T01:02:03.000042Z"
        );
        assert_eq!(
            format_timestamp(951_782_400, 7),
            "2000-02-29T00:00:00.000007Z"
        );
    }

    #[test]
    fn levels_follow_terraform() {
        assert_eq!(parse_level(None), Some(Level::WARN));
        assert_eq!(parse_level(Some("")), Some(Level::WARN));
        assert_eq!(parse_level(Some("off")), None);
        assert_eq!(parse_level(Some("DEBUG")), Some(Level::DEBUG));
        assert_eq!(parse_level(Some("json")), Some(Level::TRACE));
        assert_eq!(parse_level(Some("error")), Some(Level::ERROR));
    }
}
