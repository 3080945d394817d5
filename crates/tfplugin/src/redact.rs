//! The last filter on every text the plugin sends out: diagnostics, action
//! progress messages and log lines. The program registers each value that
//! must never leave ([`register`]: tokens, secrets, keys, as soon as it holds
//! them); every occurrence of one, raw or in a common encoding a server might
//! echo it in (JSON string escapes, `\u` escapes, percent-encoding, base64 in
//! either alphabet at any alignment), is replaced by `REDACTED`.

use std::borrow::Cow;
use std::sync::RwLock;

use base64::Engine as _;

/// What a registered value is replaced by.
pub const REDACTED: &str = "REDACTED";

/// Shorter values are not registered: they would redact ordinary words.
const MIN_LEN: usize = 8;

/// A registered value, and its base64 forms (which no unescaping reveals).
struct Entry {
    raw: String,
    base64: Vec<String>,
}

static SECRETS: RwLock<Vec<Entry>> = RwLock::new(Vec::new());

/// From now on, `secret` never leaves this process in any text it sends out.
pub fn register(secret: &str) {
    if secret.chars().count() < MIN_LEN {
        return;
    }
    let mut all = SECRETS
        .write()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if all.iter().any(|e| e.raw == secret) {
        return;
    }
    all.push(Entry {
        raw: secret.to_string(),
        base64: base64_forms(secret.as_bytes()),
    });
}

/// `text` with every form of every registered value replaced.
pub fn redact(text: &str) -> Cow<'_, str> {
    let all = SECRETS
        .read()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if all.is_empty() {
        return Cow::Borrowed(text);
    }
    let mut spans = Vec::new();
    for e in all.iter() {
        for needle in std::iter::once(&e.raw).chain(&e.base64) {
            spans.extend(
                text.match_indices(needle.as_str())
                    .map(|(at, m)| (at, at + m.len())),
            );
        }
    }
    if text.contains(['%', '\\']) {
        let view = View::of(text);
        for e in all.iter() {
            spans.extend(view.find(&e.raw));
        }
    }
    if spans.is_empty() {
        return Cow::Borrowed(text);
    }
    Cow::Owned(replace(text, spans))
}

/// `text` with its escapes undone (`%XX`, JSON's `\uXXXX`, `\n` and the rest):
/// what a server's text says, for code that cuts it before showing it (cut
/// first, an escaped secret could be cut where it can no longer be matched).
pub fn unescaped(text: &str) -> Cow<'_, str> {
    if text.contains(['%', '\\']) {
        Cow::Owned(View::of(text).text)
    } else {
        Cow::Borrowed(text)
    }
}

/// `text` with the byte ranges `spans` (overlapping or not) each made one `REDACTED`.
fn replace(text: &str, mut spans: Vec<(usize, usize)>) -> String {
    spans.sort_unstable();
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (start, end) in spans {
        if end <= at {
            continue;
        }
        if start >= at {
            out.push_str(&text[at..start]);
            out.push_str(REDACTED);
        }
        at = end;
    }
    out.push_str(&text[at..]);
    out
}

/// The text with its escapes undone (`%XX`, `\uXXXX` with surrogate pairs,
/// JSON's other escapes), each of its bytes knowing the original span of the
/// character it belongs to: a secret found here is found in the original,
/// however much or little of it a server escaped.
struct View {
    text: String,
    spans: Vec<(usize, usize)>,
}

impl View {
    fn of(original: &str) -> View {
        let mut view = View {
            text: String::with_capacity(original.len()),
            spans: Vec::with_capacity(original.len()),
        };
        let mut at = 0;
        while at < original.len() {
            let (c, len) = unescape(&original[at..]);
            view.text.push(c);
            view.spans
                .extend(std::iter::repeat_n((at, at + len), c.len_utf8()));
            at += len;
        }
        view
    }

    /// The original spans of each occurrence of `needle`.
    fn find<'a>(&'a self, needle: &'a str) -> impl Iterator<Item = (usize, usize)> + 'a {
        self.text
            .match_indices(needle)
            .map(|(at, m)| (self.spans[at].0, self.spans[at + m.len() - 1].1))
    }
}

/// The first character of `s` with its escape undone, and the bytes it took.
fn unescape(s: &str) -> (char, usize) {
    let b = s.as_bytes();
    if b[0] == b'%' {
        if let Some(found) = percent_char(s) {
            return found;
        }
    }
    if b[0] == b'\\' {
        match b.get(1) {
            Some(q @ (b'"' | b'\\' | b'/')) => return (*q as char, 2),
            Some(b'n') => return ('\n', 2),
            Some(b'r') => return ('\r', 2),
            Some(b't') => return ('\t', 2),
            Some(b'b') => return ('\u{8}', 2),
            Some(b'f') => return ('\u{c}', 2),
            Some(b'u') => {
                if let Some(found) = u_escape(s) {
                    return found;
                }
            }
            _ => {}
        }
    }
    let c = s.chars().next().unwrap_or(char::REPLACEMENT_CHARACTER);
    (c, c.len_utf8().max(1))
}

/// `%XX` (and the further `%XX` of a UTF-8 sequence) as one character.
fn percent_char(s: &str) -> Option<(char, usize)> {
    let byte = |i: usize| -> Option<u8> {
        let h = s.get(i * 3..i * 3 + 3)?;
        h.strip_prefix('%')
            .and_then(|x| u8::from_str_radix(x, 16).ok())
    };
    let first = byte(0)?;
    let len = match first {
        0x00..=0x7F => 1,
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF7 => 4,
        _ => return None,
    };
    let bytes: Option<Vec<u8>> = (0..len).map(byte).collect();
    let c = std::str::from_utf8(&bytes?).ok()?.chars().next()?;
    Some((c, len * 3))
}

/// `\uXXXX`, or a surrogate pair of two, as one character.
fn u_escape(s: &str) -> Option<(char, usize)> {
    let unit = |at: usize| -> Option<u16> {
        let h = s.get(at..at + 6)?.strip_prefix("\\u")?;
        u16::from_str_radix(h, 16).ok()
    };
    let hi = unit(0)?;
    if let Some(Ok(c)) = char::decode_utf16([hi]).next() {
        return Some((c, 6));
    }
    let lo = unit(6)?;
    let c = char::decode_utf16([hi, lo]).next()?.ok()?;
    Some((c, 12))
}

/// Base64 of the secret within any longer base64 text: for each of the three
/// alignments, the characters that depend on the secret's bytes alone.
fn base64_forms(secret: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    for engine in [
        &base64::engine::general_purpose::STANDARD,
        &base64::engine::general_purpose::URL_SAFE,
    ] {
        for lead in 0..3usize {
            let mut bytes = vec![0u8; lead];
            bytes.extend_from_slice(secret);
            // Whole groups of three bytes that lie inside the secret.
            let first = lead.div_ceil(3);
            let last = bytes.len() / 3;
            if last <= first + 1 {
                continue;
            }
            let text = engine.encode(&bytes[..last * 3]);
            out.push(text[first * 4..].to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};

    #[test]
    fn every_form_is_redacted() {
        let secret = "sgp_Tok+en/With\"Odd\\Chars~é=";
        register(secret);
        let pct = |lower: bool| {
            let s: String = secret.bytes().map(|b| format!("%{b:02X}")).collect();
            if lower {
                s.to_ascii_lowercase()
            } else {
                s
            }
        };
        let u: String = secret
            .encode_utf16()
            .map(|c| format!("\\u{c:04x}"))
            .collect();
        let json = serde_json::Value::from(secret).to_string();
        let mut echoes = vec![
            secret.to_string(),
            json.clone(),
            u.clone(),
            u.to_uppercase().replace("\\U", "\\u"),
            pct(false),
            pct(true),
            url::form_urlencoded::byte_serialize(secret.as_bytes())
                .collect::<String>()
                .replace('+', "%2B"),
        ];
        for lead in ["", "x", "xy", "xyz"] {
            echoes.push(STANDARD.encode(format!("{lead}{secret}tail")));
            echoes.push(URL_SAFE_NO_PAD.encode(format!("{lead}{secret}")));
        }
        for echo in echoes {
            let text = format!("the server said: {echo} (end)");
            let shown = redact(&text);
            assert!(shown.contains(REDACTED), "{echo} -> {shown}");
            assert!(!shown.contains("Tok+en"), "{shown}");
            for part in ["c2dwX1Rvaytlbi9X", "Tok%2Ben", "\\u0054\\u006f\\u006b"] {
                assert!(!shown.contains(part), "{echo} -> {shown}");
            }
        }
        assert_eq!(redact("nothing here"), "nothing here");
        register("short");
        assert_eq!(redact("short"), "short", "too short to register");
    }
}
