//! Scrubbing a server's text before anyone sees it: its escapes are undone
//! (percent, `\u`), every secret the process knows goes in any form
//! (`tfplugin::redact`), and every secret of the request goes even when the
//! server broke it up with line breaks, tabs, spaces, control or invisible
//! characters; those are made single spaces first, secrets are matched
//! across them, then the text is cut.

/// How much of an error text we show, in characters.
pub const MAX_MESSAGE: usize = 300;

const REDACTED: &str = "REDACTED";

/// Characters that may split a secret without showing: whitespace, control
/// characters, and the invisible format characters (zero-width spaces and
/// joiners, direction marks, the word joiner, the byte-order mark, the soft
/// hyphen).
fn is_gap(c: char) -> bool {
    c.is_whitespace()
        || c.is_control()
        || matches!(
            c,
            '\u{00AD}'
                | '\u{180E}'
                | '\u{200B}'..='\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{2064}'
                | '\u{FEFF}'
        )
}

/// `text` without the secrets, its gaps made single spaces, trimmed and cut
/// to [`MAX_MESSAGE`] characters (secrets are replaced before the cut, so
/// that no part of one straddling it remains).
pub fn scrub<'a>(text: &str, secrets: impl IntoIterator<Item = &'a str>) -> String {
    // Escapes undone and every known secret gone before anything is cut.
    let unescaped = tfplugin::redact::unescaped(text);
    let text = tfplugin::redact::redact(&unescaped);
    let needles: Vec<Vec<char>> = secrets
        .into_iter()
        .map(|s| s.chars().filter(|c| !is_gap(*c)).collect::<Vec<char>>())
        .filter(|n| !n.is_empty())
        .collect();
    let longest = needles.iter().map(Vec::len).max().unwrap_or(0);
    // Enough visible characters that any secret touching the shown part is
    // read whole.
    let (mut chars, more) = normalised(&text, MAX_MESSAGE + longest + 1);
    for needle in &needles {
        chars = redact(&chars, needle);
    }
    let shown: String = chars.iter().collect::<String>().trim().to_string();
    if more || shown.chars().count() > MAX_MESSAGE {
        let cut: String = shown.chars().take(MAX_MESSAGE).collect();
        cut.trim_end().to_string() + "…"
    } else {
        shown
    }
}

/// The text with each run of gaps made one space, up to `visible`
/// non-gap characters; and whether anything visible was left out.
fn normalised(text: &str, visible: usize) -> (Vec<char>, bool) {
    let mut out: Vec<char> = Vec::new();
    let mut seen = 0;
    for c in text.chars() {
        if is_gap(c) {
            if out.last().is_some_and(|l| *l != ' ') {
                out.push(' ');
            }
            continue;
        }
        if seen == visible {
            return (out, true);
        }
        seen += 1;
        out.push(c);
    }
    (out, false)
}

/// `chars` with every occurrence of `needle`, a single space allowed
/// between any two of its characters, replaced by `REDACTED`.
fn redact(chars: &[char], needle: &[char]) -> Vec<char> {
    let mut out = Vec::with_capacity(chars.len());
    let mut i = 0;
    while i < chars.len() {
        match match_at(chars, i, needle) {
            Some(end) => {
                out.extend(REDACTED.chars());
                i = end;
            }
            None => {
                out.push(chars[i]);
                i += 1;
            }
        }
    }
    out
}

/// Where `needle` ends when it starts at `at` (spaces skipped between its
/// characters, never before the first).
fn match_at(chars: &[char], at: usize, needle: &[char]) -> Option<usize> {
    let mut j = at;
    for (k, want) in needle.iter().enumerate() {
        if k > 0 && chars.get(j) == Some(&' ') {
            j += 1;
        }
        if chars.get(j) != Some(want) {
            return None;
        }
        j += 1;
    }
    Some(j)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn secrets_are_scrubbed_before_the_cut() {
        let token = "tok_".to_string() + &"x".repeat(40);
        let text = format!("{}{token} trailing", "a".repeat(MAX_MESSAGE - 10));
        let out = scrub(&text, [token.as_str()]);
        assert!(!out.contains("tok_"), "{out}");
        assert!(!out.contains("xxxxxxxxxx"), "{out}");
        assert!(out.chars().count() <= MAX_MESSAGE + 1);
        assert_eq!(scrub("a\nb", []), "a b");
        assert_eq!(scrub("  a \r\n\t b  ", []), "a b");
    }

    #[test]
    fn a_token_wrapped_at_every_column_never_shows() {
        let token = "sgp_".to_string() + &"Ab9".repeat(20);
        for col in 1..=80 {
            let wrapped: String = token
                .chars()
                .collect::<Vec<_>>()
                .chunks(col)
                .map(|c| c.iter().collect::<String>())
                .collect::<Vec<_>>()
                .join("\n");
            for text in [
                format!("bad token {wrapped} here"),
                wrapped.clone(),
                format!("x{}{wrapped}", " ".repeat(290)),
            ] {
                let out = scrub(&text, [token.as_str()]);
                let squashed: String = out.chars().filter(|c| !c.is_whitespace()).collect();
                assert!(!squashed.contains("Ab9Ab9"), "column {col}: {out}");
            }
        }
    }

    #[test]
    fn unrelated_text_is_kept() {
        assert_eq!(scrub("token s3 is bad", ["s3"]), "token REDACTED is bad");
        assert_eq!(scrub("s 3", ["s3"]), "REDACTED");
        assert_eq!(scrub("s  x 3", ["s3"]), "s x 3");
        assert_eq!(scrub("no secret", [""]), "no secret");
        assert_eq!(scrub(&"é".repeat(400), []).chars().count(), MAX_MESSAGE + 1);
    }

    fn gap() -> impl Strategy<Value = String> {
        prop::collection::vec(
            prop::sample::select(vec![
                "\n", "\r\n", "\t", " ", "  ", "\u{0}", "\u{1b}", "\u{200B}", "\u{FEFF}", "\u{85}",
            ]),
            1..3,
        )
        .prop_map(|v| v.concat())
    }

    proptest! {
        /// Any token, with line breaks, tabs or spaces (or control or
        /// invisible characters) inserted at any positions, anywhere in a
        /// text, never survives in any form. (Lower case, so that the
        /// `REDACTED` put in its place cannot spell part of it.)
        #[test]
        fn a_broken_token_never_survives(
            token in "[a-z0-9_.-]{8,64}",
            cuts in prop::collection::vec((any::<prop::sample::Index>(), gap()), 0..12),
            before in "[ -~\n]{0,400}",
            after in "[ -~\n]{0,80}",
        ) {
            let chars: Vec<char> = token.chars().collect();
            let mut at: Vec<(usize, String)> = cuts
                .into_iter()
                .map(|(i, g)| (1 + i.index(chars.len() - 1), g))
                .collect();
            at.sort();
            let mut broken = String::new();
            for (k, c) in chars.iter().enumerate() {
                for (_, g) in at.iter().filter(|(i, _)| *i == k) {
                    broken.push_str(g);
                }
                broken.push(*c);
            }
            let text = format!("{before}{broken}{after}");
            let out = scrub(&text, [token.as_str()]);
            let squashed: String = out.chars().filter(|c| !is_gap(*c)).collect();
            prop_assert!(!squashed.contains(token.as_str()), "{out:?}");
            prop_assert!(out.chars().count() <= MAX_MESSAGE + 1);
        }
    }
}
#[cfg(test)]
mod registered_tests {
    #[test]
    fn a_registered_secret_goes_before_the_cut() {
        let secret = "secret-token:conductorone.com:v1:eyJjcnYiOiJFZDI1NTE5IiwiZCI6InhiWW1VbFlaZ01UbmZSak9qaWRTUHpkNVE5ZnlTZl9VUVNBNk1tNHdWaDAiLCJrdHkiOiJPS1AiLCJ4IjoiTXk1V1VWVHNfZVpCT3VrRG9fVlJwQnROZ0dEX3plSHZiZ1JsdEd4In0";
        let _s = crate::secret::Secret::new(secret);
        let text =
            format!("{{\"error\": \"invalid_client\", \"error_description\": \"{secret}\"}}");
        let shown = super::scrub(&text, []);
        assert!(!shown.contains("eyJjcnYi"), "{shown}");
        let wrapped: String = secret
            .chars()
            .collect::<Vec<_>>()
            .chunks(5)
            .map(|c| c.iter().collect::<String>())
            .collect::<Vec<_>>()
            .join("\n");
        let text =
            format!("{{\"error\": \"invalid_client\", \"error_description\": \"{wrapped}\"}}");
        let shown = super::scrub(&text, [secret]);
        assert!(!shown.contains("eyJjc"), "{shown}");
        let shown = super::scrub(&text, []);
        assert!(
            !shown.contains("eyJjc"),
            "without the request's secrets: {shown}"
        );
    }
}
