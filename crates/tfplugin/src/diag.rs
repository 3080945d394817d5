//! Diagnostics: errors and warnings shown to the user, each optionally tied
//! to an attribute path so that Terraform points at the offending line.

use std::fmt;

use crate::proto::tfplugin6 as pb;

/// One step of an [`AttributePath`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum PathStep {
    Attribute(String),
    /// A map key.
    Key(String),
    /// A list index.
    Index(i64),
}

/// A path to an attribute or element, such as `user_ids[2]`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct AttributePath(Vec<PathStep>);

impl AttributePath {
    pub fn root() -> Self {
        AttributePath(Vec::new())
    }
    /// A path of one attribute name.
    pub fn new(attr: &str) -> Self {
        AttributePath(vec![PathStep::Attribute(attr.to_string())])
    }
    #[must_use]
    pub fn attr(mut self, name: &str) -> Self {
        self.0.push(PathStep::Attribute(name.to_string()));
        self
    }
    #[must_use]
    pub fn key(mut self, key: &str) -> Self {
        self.0.push(PathStep::Key(key.to_string()));
        self
    }
    #[must_use]
    pub fn index(mut self, i: i64) -> Self {
        self.0.push(PathStep::Index(i));
        self
    }
    pub fn steps(&self) -> &[PathStep] {
        &self.0
    }
    /// This path, inside attribute or block `parent`.
    #[must_use]
    pub fn under(mut self, parent: &str) -> Self {
        self.0.insert(0, PathStep::Attribute(parent.to_string()));
        self
    }
    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    pub fn to_proto(&self) -> pb::AttributePath {
        use pb::attribute_path::step::Selector;
        pb::AttributePath {
            steps: self
                .0
                .iter()
                .map(|s| pb::attribute_path::Step {
                    selector: Some(match s {
                        PathStep::Attribute(a) => Selector::AttributeName(a.clone()),
                        PathStep::Key(k) => Selector::ElementKeyString(k.clone()),
                        PathStep::Index(i) => Selector::ElementKeyInt(*i),
                    }),
                })
                .collect(),
        }
    }

    pub fn from_proto(p: &pb::AttributePath) -> Self {
        use pb::attribute_path::step::Selector;
        AttributePath(
            p.steps
                .iter()
                .filter_map(|s| {
                    Some(match s.selector.as_ref()? {
                        Selector::AttributeName(a) => PathStep::Attribute(a.clone()),
                        Selector::ElementKeyString(k) => PathStep::Key(k.clone()),
                        Selector::ElementKeyInt(i) => PathStep::Index(*i),
                    })
                })
                .collect(),
        )
    }
}

impl fmt::Display for AttributePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, s) in self.0.iter().enumerate() {
            match s {
                PathStep::Attribute(a) if i == 0 => f.write_str(a)?,
                PathStep::Attribute(a) => write!(f, ".{a}")?,
                PathStep::Key(k) => write!(f, "[{k:?}]")?,
                PathStep::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

/// A single error or warning.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub summary: String,
    pub detail: String,
    pub path: Option<AttributePath>,
}

impl Diagnostic {
    pub fn error(summary: impl Into<String>, detail: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            summary: summary.into(),
            detail: detail.into(),
            path: None,
        }
    }
    pub fn warning(summary: impl Into<String>, detail: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            summary: summary.into(),
            detail: detail.into(),
            path: None,
        }
    }
    #[must_use]
    pub fn at(mut self, path: AttributePath) -> Self {
        if !path.is_root() {
            self.path = Some(path);
        }
        self
    }
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
    pub fn to_proto(&self) -> pb::Diagnostic {
        pb::Diagnostic {
            severity: match self.severity {
                Severity::Error => pb::diagnostic::Severity::Error as i32,
                Severity::Warning => pb::diagnostic::Severity::Warning as i32,
            },
            summary: terminal_safe(&crate::redact::redact(&self.summary)),
            detail: terminal_safe(&crate::redact::redact(&self.detail)),
            attribute: self.path.as_ref().map(AttributePath::to_proto),
        }
    }
}

/// `text` as it may reach a terminal or a CI log: every control character
/// but line feed and tab (ESC, BEL, carriage return, backspace, C1 controls)
/// and every invisible direction override or isolate shown escaped (`\u{1b}`),
/// so that a server's text can neither erase nor forge what Terraform prints.
/// Every diagnostic and action progress message goes through it (after
/// [`crate::redact`]) on its way to Terraform.
pub fn terminal_safe(text: &str) -> String {
    if !text.chars().any(needs_escape) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if needs_escape(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

/// A server's string to show within a line of a diagnostic: like
/// [`terminal_safe`], with line feeds and tabs escaped too, so that it cannot
/// start a line of its own (such as a forged `Error:`).
pub fn one_line(text: &str) -> String {
    text.chars()
        .flat_map(|c| {
            let escape = c == '\n' || c == '\t' || needs_escape(c);
            let (escaped, plain) = if escape {
                (Some(c.escape_unicode()), None)
            } else {
                (None, Some(c))
            };
            escaped.into_iter().flatten().chain(plain)
        })
        .collect()
}

fn needs_escape(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}')
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sev = match self.severity {
            Severity::Error => "Error",
            Severity::Warning => "Warning",
        };
        write!(f, "{sev}: {}", self.summary)?;
        if let Some(p) = &self.path {
            write!(f, " (at {p})")?;
        }
        if !self.detail.is_empty() {
            write!(f, ": {}", self.detail)?;
        }
        Ok(())
    }
}

/// A list of diagnostics gathered during one operation.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Diagnostics(Vec<Diagnostic>);

impl Diagnostics {
    pub fn new() -> Self {
        Diagnostics(Vec::new())
    }
    pub fn push(&mut self, d: Diagnostic) {
        self.0.push(d);
    }
    pub fn error(&mut self, summary: impl Into<String>, detail: impl Into<String>) {
        self.push(Diagnostic::error(summary, detail));
    }
    pub fn error_at(
        &mut self,
        path: AttributePath,
        summary: impl Into<String>,
        detail: impl Into<String>,
    ) {
        self.push(Diagnostic::error(summary, detail).at(path));
    }
    pub fn warning_at(
        &mut self,
        path: AttributePath,
        summary: impl Into<String>,
        detail: impl Into<String>,
    ) {
        self.push(Diagnostic::warning(summary, detail).at(path));
    }
    pub fn extend(&mut self, other: Diagnostics) {
        self.0.extend(other.0);
    }
    /// The same diagnostics, each path moved inside block `parent` (as a
    /// list block's `config`); diagnostics without a path keep none.
    #[must_use]
    pub fn under(self, parent: &str) -> Self {
        let moved = self.0.into_iter().map(|mut d| {
            d.path = d.path.map(|p| p.under(parent));
            d
        });
        Diagnostics(moved.collect())
    }
    pub fn has_errors(&self) -> bool {
        self.0.iter().any(Diagnostic::is_error)
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter()
    }
    pub fn to_proto(&self) -> Vec<pb::Diagnostic> {
        self.0.iter().map(Diagnostic::to_proto).collect()
    }
}

impl From<Diagnostic> for Diagnostics {
    fn from(d: Diagnostic) -> Self {
        Diagnostics(vec![d])
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_reach_terraform_escaped() {
        let hostile = "user\u{1b}[2J\u{7}\r\u{8}\u{9b}31m \u{202e}evil\u{2066}";
        let d = Diagnostic::warning(
            format!("Owner {hostile}"),
            format!("line one\n\tline two: {hostile}"),
        )
        .to_proto();
        for text in [&d.summary, &d.detail] {
            assert!(!text.chars().any(needs_escape), "{text:?}");
            assert!(
                text.contains("\\u{1b}[2J\\u{7}\\u{d}\\u{8}\\u{9b}31m \\u{202e}evil\\u{2066}"),
                "{text}"
            );
        }
        assert!(
            d.detail.starts_with("line one\n\tline two"),
            "our own layout stays"
        );
        assert_eq!(terminal_safe("plain text, ümlaut"), "plain text, ümlaut");
        assert_eq!(
            one_line("a\nError: forged\t\u{7}"),
            "a\\u{a}Error: forged\\u{9}\\u{7}"
        );
    }
}
