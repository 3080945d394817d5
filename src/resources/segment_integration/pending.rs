//! Crash-safe creates. What a create makes (the app, the connector) carries a
//! pending marker in its description until the create has finished:
//! `[terraform-pending f=<fingerprint> a=<attempt>]`. The fingerprint names
//! the configuration (the app's name or ID and the connector's name), the
//! attempt names one create call.
//!
//! A create whose answer was lost looks for its own attempt's object before
//! trying again; the next apply after a crash looks for an object pending
//! with the same fingerprint (made by another process) and adopts it when
//! there is exactly one. Objects without a marker are never adopted, nor are
//! those this process is making (two resources of the same configuration in
//! one apply must not take each other's objects).

use std::collections::HashSet;
use std::hash::{BuildHasher, Hasher};
use std::sync::{LazyLock, Mutex, PoisonError};

use super::{Model, DEFAULT_NAME};

const OPEN: &str = "[terraform-pending ";

/// The attempts this process has made.
static MADE_HERE: LazyLock<Mutex<HashSet<u64>>> = LazyLock::new(|| Mutex::new(HashSet::new()));

/// One create attempt's marker.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Marker {
    pub fingerprint: u64,
    pub attempt: u64,
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
        }
    }

    pub fn text(&self) -> String {
        format!("{OPEN}f={:016x} a={:016x}]", self.fingerprint, self.attempt)
    }

    /// `description` with this marker after it.
    pub fn add_to(&self, description: &str) -> String {
        let d = strip(description);
        if d.is_empty() {
            self.text()
        } else {
            format!("{d} {}", self.text())
        }
    }

    /// The marker in `description`, if it has one.
    pub fn parse(description: &str) -> Option<Marker> {
        let at = description.find(OPEN)?;
        let rest = &description[at + OPEN.len()..];
        let body = &rest[..rest.find(']')?];
        let (f, a) = body.split_once(' ')?;
        Some(Marker {
            fingerprint: u64::from_str_radix(f.strip_prefix("f=")?, 16).ok()?,
            attempt: u64::from_str_radix(a.strip_prefix("a=")?, 16).ok()?,
        })
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

pub fn is_pending(description: &str) -> bool {
    Marker::parse(description).is_some()
}

/// What a search for pending objects found.
pub enum Found<T> {
    Nothing,
    One(T),
    Several(Vec<T>),
}

/// The objects of `items` that `marker`'s configuration may adopt.
pub fn adoptable<T>(items: Vec<T>, describe: impl Fn(&T) -> &str, marker: &Marker) -> Found<T> {
    let mut hits: Vec<T> = items
        .into_iter()
        .filter(|x| Marker::parse(describe(x)).is_some_and(|m| marker.adoptable(&m)))
        .collect();
    match hits.len() {
        0 => Found::Nothing,
        1 => Found::One(hits.remove(0)),
        _ => Found::Several(hits),
    }
}

/// The object of `items` that this very attempt made.
pub fn own<T>(items: Vec<T>, describe: impl Fn(&T) -> &str, marker: &Marker) -> Option<T> {
    items
        .into_iter()
        .find(|x| Marker::parse(describe(x)) == Some(*marker))
}

/// FNV-1a over the resource type, the app (its name when the resource makes
/// it, else its ID) and the connector's name: stable across processes and
/// Rust versions.
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

    fn planned(app: &str, name: &str) -> Model {
        Model {
            managed_app: Some(true),
            app_display_name: Some(app.into()),
            display_name: Some(name.into()),
            ..Model::default()
        }
    }

    #[test]
    fn markers_round_trip_through_descriptions() {
        let m = Marker::new(&planned("Segment", "Segment"));
        let d = m.add_to("Segment workspace acme (ws1); token checked by Terraform.");
        assert_eq!(Marker::parse(&d), Some(m));
        assert_eq!(
            strip(&d),
            "Segment workspace acme (ws1); token checked by Terraform."
        );
        assert_eq!(m.add_to(""), m.text());
        assert_eq!(strip(&m.text()), "");
        assert_eq!(Marker::parse("no marker"), None);
        assert_eq!(Marker::parse("[terraform-pending f=zz a=1]"), None);
        assert_eq!(Marker::parse("[terraform-pending f=1"), None);
    }

    #[test]
    fn only_other_processes_pending_objects_of_the_same_configuration_are_adoptable() {
        let mine = Marker::new(&planned("Segment", "Segment"));
        let other = Marker {
            attempt: mine.attempt ^ 1,
            ..mine
        };
        MADE_HERE.lock().unwrap().remove(&other.attempt);
        let elsewhere = Marker::new(&planned("Other", "Segment"));
        let items = vec![
            mine.text(),
            other.text(),
            elsewhere.text(),
            "not pending".to_string(),
        ];
        match adoptable(items.clone(), String::as_str, &mine) {
            Found::One(d) => assert_eq!(d, other.text()),
            _ => panic!("exactly the other process's object"),
        }
        assert_eq!(own(items, String::as_str, &mine), Some(mine.text()));
        assert_ne!(
            fingerprint(&planned("a", "bc")),
            fingerprint(&planned("ab", "c"))
        );
    }
}
