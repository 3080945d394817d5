//! Crash-safe creates. What a create makes (the app, the connector) carries a
//! pending marker in its description until the create has finished:
//! `[terraform-pending f=<fingerprint> a=<attempt> m=<mac>]`. The fingerprint
//! names the configuration (the app's name or ID and the connector's name),
//! the attempt names one create call, and the MAC (HMAC-SHA256, cut to 128
//! bits) proves that the credentials of this provider made it: its key comes
//! from the ConductorOne client secret by HKDF, so no one without the secret
//! can write a marker the provider will accept. Once the connector exists,
//! the app's marker also names it (`c=<connector id>`, under the MAC), so
//! that the connector's own marker can be cleared first.
//!
//! A create whose answer was lost looks for its own attempt's object before
//! trying again; the next apply after a crash looks for an object pending
//! with the same fingerprint and a valid MAC (made by another process) and
//! adopts it when there is exactly one. Objects without a valid marker are
//! never adopted (the apply says which it ignored), nor are those this
//! process is making (two resources of the same configuration in one apply
//! must not take each other's objects).
//!
//! With an access token or a workload identity there is no long-lived key:
//! the key is random per process, so a lost answer is recovered within the
//! same run only, and nothing made by another run is ever adopted.

use std::collections::HashSet;
use std::hash::{BuildHasher, Hasher};
use std::sync::{LazyLock, Mutex, PoisonError};

use aws_lc_rs::{hkdf, hmac};

use super::{Model, DEFAULT_NAME};
use crate::conductorone::{App, ConnectorOf, Credentials};

const OPEN: &str = "[terraform-pending ";
/// Bytes of the HMAC kept in a marker.
const MAC_BYTES: usize = 16;

/// The attempts this process has made.
static MADE_HERE: LazyLock<Mutex<HashSet<u64>>> = LazyLock::new(|| Mutex::new(HashSet::new()));

/// This process's key when the credentials give none that lasts.
static EPHEMERAL: LazyLock<Option<hmac::Key>> = LazyLock::new(|| {
    hmac::Key::generate(hmac::HMAC_SHA256, &aws_lc_rs::rand::SystemRandom::new()).ok()
});

/// What a marker is on: the MAC says, so that one cannot be moved to the other.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    App,
    Connector,
}

/// The key that makes and checks markers' MACs.
#[derive(Clone)]
pub struct MarkerKey {
    key: Option<hmac::Key>,
    /// Derived from a client secret (markers of earlier runs verify).
    pub durable: bool,
}

impl MarkerKey {
    /// From the client secret (HKDF-SHA256, bound to the client ID and the
    /// server); with other credentials, this process's random key.
    pub fn for_credentials(c: &Credentials) -> MarkerKey {
        if let Credentials::ClientCredentials {
            server_url,
            client_id,
            client_secret,
        } = c
        {
            let salt = hkdf::Salt::new(hkdf::HKDF_SHA256, b"terraform-provider-conductorone");
            let info: [&[u8]; 5] = [
                b"pending-marker v1",
                b"\0",
                client_id.as_bytes(),
                b"\0",
                server_url.host_str().unwrap_or_default().as_bytes(),
            ];
            let prk = salt.extract(client_secret.expose().trim().as_bytes());
            if let Ok(okm) = prk.expand(&info, hmac::HMAC_SHA256) {
                return MarkerKey {
                    key: Some(hmac::Key::from(okm)),
                    durable: true,
                };
            }
        }
        MarkerKey {
            key: EPHEMERAL.clone(),
            durable: false,
        }
    }

    fn mac(&self, kind: Kind, m: &Marker) -> Option<String> {
        let key = self.key.as_ref()?;
        let input = format!(
            "v2\0{}\0{:016x}\0{:016x}\0{}\0{}\0{}",
            match kind {
                Kind::App => "app",
                Kind::Connector => "connector",
            },
            m.fingerprint,
            m.attempt,
            m.time,
            m.own.as_deref().unwrap_or(""),
            m.connector.as_deref().unwrap_or("")
        );
        let tag = hmac::sign(key, input.as_bytes());
        Some(hex(&tag.as_ref()[..MAC_BYTES]))
    }

    fn verifies(&self, kind: Kind, m: &Marker, mac: Option<&str>) -> bool {
        let (Some(want), Some(mac)) = (self.mac(kind, m), mac) else {
            return false;
        };
        constant_time_eq(want.as_bytes(), mac.as_bytes())
    }

    /// The valid marker in `description`, if it carries one this key made.
    pub fn valid(&self, kind: Kind, description: &str) -> Option<Marker> {
        let (m, mac) = Marker::parse(description)?;
        self.verifies(kind, &m, mac.as_deref()).then_some(m)
    }
}

/// An ID a marker can carry: letters, digits, `-` and `_` (another would not
/// parse back, so it is not named).
fn plain_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// How far a server's clock may be from ours, either way: the five
/// minutes Kerberos tolerates, far more than NTP-kept clocks differ.
const CLOCK_SKEW_SECS: u64 = 5 * 60;

/// The longest a create call runs after its marker is written: the
/// transport's retries (`RetryPolicy::max_total`, 120 s) and its last
/// attempt's timeout (60 s).
const CREATE_CALL_SECS: u64 = 180;

/// Whether `m` is on the object it was written for: it names `id` as its
/// own; or, written before that object existed (a create whose answer was
/// lost, or that a crash cut short before the marker could name it), the
/// object was made during that create call (`created_at`, RFC 3339, within
/// the call's time and the clocks' skew of the marker's). A marker copied to
/// another object names the wrong one, or is stale on it.
pub fn on_its_object(m: &Marker, id: &str, created_at: Option<&str>) -> bool {
    if let Some(own) = &m.own {
        return own == id;
    }
    let Some(created) = created_at.and_then(unix_seconds) else {
        return false;
    };
    m.time > 0
        && created + CLOCK_SKEW_SECS >= m.time
        && created <= m.time + CREATE_CALL_SECS + CLOCK_SKEW_SECS
}

/// Seconds since the epoch of an RFC 3339 time (`2026-12-07T23:09:58.12Z`,
/// `...+01:00`).
fn unix_seconds(t: &str) -> Option<u64> {
    let b = t.as_bytes();
    let num = |r: std::ops::Range<usize>| t.get(r)?.parse::<i64>().ok();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, s) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    let mut rest = &t[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        rest = &frac[digits..];
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ if rest.len() == 6 && matches!(&rest[..1], "+" | "-") && &rest[3..4] == ":" => {
            let sign = if rest.starts_with('-') { -1 } else { 1 };
            sign * (rest[1..3].parse::<i64>().ok()? * 3600 + rest[4..6].parse::<i64>().ok()? * 60)
        }
        _ => return None,
    };
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if mo <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if mo > 2 { mo - 3 } else { mo + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    u64::try_from(days * 86_400 + h * 3600 + mi * 60 + s - offset).ok()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// One create attempt's marker: when it was written (unix seconds, just
/// before the create call), the ID of the object it is on once that exists,
/// and on an app the connector made in it once there is one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Marker {
    pub fingerprint: u64,
    pub attempt: u64,
    pub time: u64,
    pub own: Option<String>,
    pub connector: Option<String>,
}

impl Marker {
    /// A new attempt for the planned configuration.
    pub fn new(planned: &Model) -> Marker {
        let attempt = loop {
            let a = std::collections::hash_map::RandomState::new()
                .build_hasher()
                .finish();
            let mut made = MADE_HERE.lock().unwrap_or_else(PoisonError::into_inner);
            if made.insert(a) {
                break a;
            }
        };
        Marker {
            fingerprint: fingerprint(planned),
            attempt,
            time: now_secs(),
            own: None,
            connector: None,
        }
    }

    /// This marker for a create call about to be made: written now, on no
    /// object yet.
    pub fn stamped(&self) -> Marker {
        Marker {
            time: now_secs(),
            own: None,
            ..self.clone()
        }
    }

    /// This marker on the object `id`, which it names from now on: copied to
    /// any other object, it is not adopted there.
    pub fn owning(&self, id: &str) -> Marker {
        Marker {
            own: plain_id(id).then(|| id.to_string()),
            ..self.clone()
        }
    }

    /// This marker naming the connector `id` (a connector ID is letters and
    /// digits; another would not parse back, so it is not named).
    pub fn naming(&self, id: &str) -> Marker {
        Marker {
            connector: plain_id(id).then(|| id.to_string()),
            ..self.clone()
        }
    }

    fn text(&self, key: &MarkerKey, kind: Kind) -> String {
        let field =
            |name: &str, v: Option<&str>| v.map_or(String::new(), |v| format!(" {name}={v}"));
        let o = field("o", self.own.as_deref());
        let c = field("c", self.connector.as_deref());
        let m = key.mac(kind, self).unwrap_or_default();
        format!(
            "{OPEN}f={:016x} a={:016x} t={}{o}{c} m={m}]",
            self.fingerprint, self.attempt, self.time
        )
    }

    /// `description` with this marker after it, its MAC made with `key`.
    pub fn add_to(&self, description: &str, key: &MarkerKey, kind: Kind) -> String {
        let d = strip(description);
        if d.is_empty() {
            self.text(key, kind)
        } else {
            format!("{d} {}", self.text(key, kind))
        }
    }

    /// The marker in `description` and its MAC (none in a marker written
    /// before markers were authenticated), if it has one.
    fn parse(description: &str) -> Option<(Marker, Option<String>)> {
        let at = description.find(OPEN)?;
        let rest = &description[at + OPEN.len()..];
        let body = &rest[..rest.find(']')?];
        let mut m = Marker {
            fingerprint: 0,
            attempt: 0,
            time: 0,
            own: None,
            connector: None,
        };
        let (mut f, mut a, mut t, mut mac) = (None, None, None, None);
        for field in body.split(' ') {
            match field.split_once('=')? {
                ("f", v) => f = Some(u64::from_str_radix(v, 16).ok()?),
                ("a", v) => a = Some(u64::from_str_radix(v, 16).ok()?),
                ("t", v) => t = Some(v.parse::<u64>().ok()?),
                ("o", v) => m.own = Some(v.to_string()),
                ("c", v) => m.connector = Some(v.to_string()),
                ("m", v) => mac = Some(v.to_string()),
                _ => return None,
            }
        }
        m.fingerprint = f?;
        m.attempt = a?;
        // A marker of an earlier version (no time) parses, and never verifies.
        m.time = t.unwrap_or(0);
        Some((m, mac))
    }

    /// Pending for this configuration, made by another process.
    fn adoptable(&self, found: &Marker) -> bool {
        found.fingerprint == self.fingerprint
            && !MADE_HERE
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .contains(&found.attempt)
    }
}

/// `description` without any marker.
pub fn strip(description: &str) -> String {
    match description.find(OPEN) {
        None => description.trim().to_string(),
        Some(at) => {
            let rest = &description[at..];
            let end = rest.find(']').map_or(description.len(), |e| at + e + 1);
            format!("{} {}", &description[..at], &description[end..])
                .trim()
                .to_string()
        }
    }
}

/// Whether `description` carries a marker, valid or not.
pub fn is_pending(description: &str) -> bool {
    description.contains(OPEN)
}

/// What a search for pending objects found.
pub enum Found<T> {
    Nothing,
    One(T),
    Several(Vec<T>),
}

impl<T> From<Vec<T>> for Found<T> {
    fn from(mut hits: Vec<T>) -> Self {
        match hits.len() {
            0 => Found::Nothing,
            1 => Found::One(hits.remove(0)),
            _ => Found::Several(hits),
        }
    }
}

/// What `marker`'s configuration may adopt of `items`, and those it must
/// ignore: marked for this configuration, but not by this provider's key.
pub struct Scan<T> {
    pub found: Found<T>,
    pub ignored: Vec<T>,
}

/// An object a marker may be on: its description (or name) holding the
/// marker, its ID and when it was made.
pub trait Marked {
    fn marked(&self) -> &str;
    fn id(&self) -> &str;
    fn created_at(&self) -> Option<&str>;
}

/// An app's marker is in its description.
impl Marked for App {
    fn marked(&self) -> &str {
        &self.description
    }
    fn id(&self) -> &str {
        &self.id
    }
    fn created_at(&self) -> Option<&str> {
        self.created_at.as_deref()
    }
}

/// A connector's marker is in its name.
impl<C> Marked for ConnectorOf<C> {
    fn marked(&self) -> &str {
        &self.display_name
    }
    fn id(&self) -> &str {
        &self.id
    }
    fn created_at(&self) -> Option<&str> {
        self.created_at.as_deref()
    }
}

/// Sorts `items` into the adoptable (a valid marker of this configuration,
/// made by another process, on the object it was written for) and the
/// ignored (a marker of this configuration that `key` did not make: forged,
/// or of other credentials; or a genuine one copied onto another object).
pub fn adoptable<T: Marked>(
    items: Vec<T>,
    marker: &Marker,
    key: &MarkerKey,
    kind: Kind,
) -> Scan<T> {
    let (mut hits, mut ignored) = (Vec::new(), Vec::new());
    for x in items {
        let Some((m, mac)) = Marker::parse(x.marked()) else {
            continue;
        };
        if m.fingerprint != marker.fingerprint {
            continue;
        }
        if !key.verifies(kind, &m, mac.as_deref()) || !on_its_object(&m, x.id(), x.created_at()) {
            ignored.push(x);
        } else if marker.adoptable(&m) {
            hits.push(x);
        }
    }
    Scan {
        found: hits.into(),
        ignored,
    }
}

/// The objects of `items` that this very attempt made.
pub fn own<T: Marked>(items: Vec<T>, marker: &Marker, key: &MarkerKey, kind: Kind) -> Found<T> {
    let mine: Vec<T> = items
        .into_iter()
        .filter(|x| {
            key.valid(kind, x.marked())
                .is_some_and(|m| m.fingerprint == marker.fingerprint && m.attempt == marker.attempt)
        })
        .collect();
    mine.into()
}

/// FNV-1a over the resource type, the app (its name when the resource makes
/// it, else its ID) and the connector's name: stable across processes and
/// Rust versions. It only names the configuration; the MAC authenticates.
fn fingerprint(planned: &Model) -> u64 {
    let managed = planned.managed_app == Some(true);
    let app = if managed {
        planned.app_display_name.as_deref().unwrap_or(DEFAULT_NAME)
    } else {
        planned.app_id.as_deref().unwrap_or("")
    };
    let name = planned.display_name.as_deref().unwrap_or(DEFAULT_NAME);
    let parts = [
        "conductorone_segment_integration",
        if managed { "managed" } else { "given" },
        app,
        name,
    ];
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in p.bytes().chain(std::iter::once(0)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;

    fn planned(app: &str, name: &str) -> Model {
        Model {
            managed_app: Some(true),
            app_display_name: Some(app.into()),
            display_name: Some(name.into()),
            ..Model::default()
        }
    }

    fn key(secret: &str) -> MarkerKey {
        MarkerKey::for_credentials(&Credentials::ClientCredentials {
            server_url: url::Url::parse("https://acme.conductor.one").unwrap(),
            client_id: "fox@acme.conductor.one/spc".into(),
            client_secret: Secret::new(secret),
        })
    }

    #[test]
    fn markers_round_trip_through_descriptions() {
        let k = key("s1");
        let m = Marker::new(&planned("Segment", "Segment"));
        let d = m.add_to(
            "Segment workspace acme (ws1); token checked by Terraform.",
            &k,
            Kind::Connector,
        );
        assert_eq!(k.valid(Kind::Connector, &d), Some(m.clone()));
        assert_eq!(
            k.valid(Kind::App, &d),
            None,
            "a connector's marker is no app's"
        );
        assert_eq!(
            strip(&d),
            "Segment workspace acme (ws1); token checked by Terraform."
        );
        assert_eq!(strip(&m.add_to("", &k, Kind::App)), "");
        let bound = m.naming("2abcDEF");
        let d = bound.add_to("x", &k, Kind::App);
        assert!(d.contains(" c=2abcDEF m="), "{d}");
        assert_eq!(k.valid(Kind::App, &d), Some(bound));
        assert_eq!(m.naming("a b]").connector, None);
        for bad in [
            "no marker",
            "[terraform-pending f=zz a=1 m=00]",
            "[terraform-pending f=1",
            "[terraform-pending f=1 a=2]",
        ] {
            assert_eq!(k.valid(Kind::App, bad), None, "{bad}");
        }
    }

    #[test]
    fn only_the_key_that_made_a_marker_accepts_it() {
        let (mine, theirs) = (key("s1"), key("s2"));
        let m = Marker::new(&planned("Segment", "Segment"));
        let d = m.add_to("", &mine, Kind::App);
        assert!(mine.durable && mine.valid(Kind::App, &d).is_some());
        assert_eq!(theirs.valid(Kind::App, &d), None, "another secret");
        // The naming of the connector is under the MAC.
        let bound = m.naming("conn1").add_to("", &mine, Kind::App);
        let moved = bound.replace("c=conn1", "c=conn2");
        assert_eq!(mine.valid(Kind::App, &moved), None);
        // Forged: the right fingerprint, any MAC.
        let forged = format!(
            "[terraform-pending f={:016x} a=0000000000000001 m={}]",
            m.fingerprint,
            "0".repeat(32)
        );
        assert_eq!(mine.valid(Kind::App, &forged), None);
        // Other credentials: random per process, valid in it only.
        let token = MarkerKey::for_credentials(&Credentials::AccessToken {
            server_url: url::Url::parse("https://acme.conductor.one").unwrap(),
            token: Secret::new("t"),
        });
        assert!(!token.durable);
        let d = m.add_to("", &token, Kind::App);
        assert!(token.valid(Kind::App, &d).is_some());
        assert_eq!(mine.valid(Kind::App, &d), None);
    }

    /// An app holding `description`, made at `created` (RFC 3339).
    fn app(description: &str, id: &str, created: &str) -> App {
        App {
            id: id.into(),
            description: description.into(),
            created_at: Some(created.into()),
            ..App::default()
        }
    }

    /// 2025-12-06T05:46:40Z.
    const T: u64 = 1_765_000_000;
    const AT_T: &str = "2025-12-06T05:46:40Z";

    #[test]
    fn only_other_processes_validly_pending_objects_of_the_same_configuration_are_adoptable() {
        let k = key("s1");
        let mine = Marker {
            time: T,
            ..Marker::new(&planned("Segment", "Segment"))
        };
        let other = Marker {
            attempt: mine.attempt ^ 1,
            ..mine.clone()
        };
        MADE_HERE.lock().unwrap().remove(&other.attempt);
        let elsewhere = Marker::new(&planned("Other", "Segment"));
        let forged = format!(
            "[terraform-pending f={:016x} a=0000000000000001 t={T} m={}]",
            mine.fingerprint,
            "ab".repeat(16)
        );
        let unauthenticated = format!(
            "[terraform-pending f={:016x} a=0000000000000002]",
            mine.fingerprint
        );
        let items = vec![
            app(&mine.add_to("", &k, Kind::App), "a1", AT_T),
            app(
                &other.add_to("", &k, Kind::App),
                "a2",
                "2025-12-06T05:47:10.5Z",
            ),
            app(&elsewhere.add_to("", &k, Kind::App), "a3", AT_T),
            app(&other.add_to("", &key("s2"), Kind::App), "a4", AT_T),
            app(&forged, "a5", AT_T),
            app(&unauthenticated, "a6", AT_T),
            app("not pending", "a7", AT_T),
        ];
        let scan = adoptable(items.clone(), &mine, &k, Kind::App);
        match scan.found {
            Found::One(a) => assert_eq!(a.id, "a2"),
            _ => panic!("exactly the other process's object"),
        }
        let ignored: Vec<&str> = scan.ignored.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(ignored, ["a4", "a5", "a6"]);
        match own(items, &mine, &k, Kind::App) {
            Found::One(a) => assert_eq!(a.id, "a1"),
            _ => panic!("this attempt's object"),
        }
        assert_ne!(
            fingerprint(&planned("a", "bc")),
            fingerprint(&planned("ab", "c"))
        );
    }

    /// A genuine marker copied from the object it was written for onto
    /// another: once it names its object, on any other; before, on one made
    /// outside the create call's time (and the clocks' skew). Neither is
    /// adopted, and a rewritten name or time breaks the MAC.
    #[test]
    fn a_copied_genuine_marker_is_not_adopted() {
        let k = key("s1");
        let mine = Marker::new(&planned("Segment", "Segment"));
        let theirs = Marker {
            attempt: mine.attempt ^ 2,
            time: T,
            ..mine.clone()
        };
        MADE_HERE.lock().unwrap().remove(&theirs.attempt);
        let named = theirs.owning("appA").add_to("", &k, Kind::App);
        let fresh = theirs.add_to("", &k, Kind::App);
        let adopted = |d: &str, id: &str, created: &str| {
            matches!(
                adoptable(vec![app(d, id, created)], &mine, &k, Kind::App).found,
                Found::One(_)
            )
        };
        assert!(
            adopted(&named, "appA", "2026-01-01T00:00:00Z"),
            "on its own object, at any time"
        );
        assert!(!adopted(&named, "appB", AT_T), "copied onto another");
        assert!(
            adopted(&fresh, "appA", "2025-12-06T05:49:40+00:00"),
            "made during the create call"
        );
        assert!(
            adopted(&fresh, "appA", "2025-12-06T05:42:00Z"),
            "a server clock a little behind"
        );
        for stale in [
            "2025-12-07T05:46:40Z",
            "2025-12-06T06:00:00Z",
            "2025-12-06T05:40:00Z",
            "garbage",
        ] {
            assert!(!adopted(&fresh, "appB", stale), "made at {stale}");
        }
        let renamed = named.replace("o=appA", "o=appB");
        assert!(
            !adopted(&renamed, "appB", AT_T),
            "the name is under the MAC"
        );
        let retimed = fresh.replace(&format!("t={T}"), &format!("t={}", T + 86_400));
        assert!(
            !adopted(&retimed, "appB", "2025-12-07T05:46:40Z"),
            "the time is under the MAC"
        );
    }

    #[test]
    fn rfc3339_times() {
        assert_eq!(unix_seconds(AT_T), Some(T));
        assert_eq!(unix_seconds("2025-12-06T05:46:40.123456Z"), Some(T));
        assert_eq!(unix_seconds("2025-12-06T06:46:40+01:00"), Some(T));
        assert_eq!(unix_seconds("2025-12-06T04:46:40-01:00"), Some(T));
        assert_eq!(unix_seconds("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(unix_seconds("2000-02-29T00:00:00Z"), Some(951_782_400));
        for bad in [
            "",
            "2025-12-06",
            "2025-13-06T05:46:40Z",
            "2025-12-06T05:46:40",
            "x025-12-06T05:46:40Z",
        ] {
            assert_eq!(unix_seconds(bad), None, "{bad}");
        }
    }
}
