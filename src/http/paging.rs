//! Bounds on a list read page by page (Segment's cursors, ConductorOne's page
//! tokens): at most so many pages and so many bytes in all, and never the
//! same cursor twice, so that a server handing out new cursors forever costs
//! a bounded time and memory and ends in an error that says why.

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use super::MAX_BODY;

/// The most bytes of one list, all pages together.
pub const LIST_BYTES: usize = 32 << 20;

/// Why a list was not read to its end.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PagingError {
    #[error(
        "stopped reading {what} after {pages} pages ({bytes} bytes): the provider reads at most \
         {max_pages} pages and {max_mib} MiB of one list, and the server kept handing out more"
    )]
    Bound {
        what: String,
        pages: u32,
        bytes: usize,
        max_pages: u32,
        max_mib: usize,
    },
    #[error("the server handed out the same page cursor twice while listing {what}; stopped instead of looping")]
    Repeated { what: String },
    #[error(
        "stopped {what} while reading {list}: it reads at most {max_mib} MiB of answers in all, and \
         at most {answer_mib} MiB in one answer, and the server sent more. Narrow it (such as to \
         one app)"
    )]
    Budget {
        what: &'static str,
        list: String,
        max_mib: usize,
        answer_mib: usize,
    },
}

/// A bound over a whole discovery: the bytes all its lists read together,
/// and a share of them for any one answer, so that lists read side by side
/// hold at most the whole in memory at once. Shared by clones.
#[derive(Clone, Debug)]
pub struct Budget {
    what: &'static str,
    left: Arc<AtomicUsize>,
    total: usize,
    per_answer: usize,
}

impl Budget {
    /// `what` (such as "the discovery") reads at most `total` bytes, at most
    /// `per_answer` of them in one answer.
    pub fn new(what: &'static str, total: usize, per_answer: usize) -> Budget {
        Budget {
            what,
            left: Arc::new(AtomicUsize::new(total)),
            total,
            per_answer,
        }
    }

    fn room(&self) -> usize {
        self.left.load(Ordering::Relaxed).min(self.per_answer)
    }

    fn spend(&self, n: usize) {
        let _ = self
            .left
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |l| {
                Some(l.saturating_sub(n))
            });
    }

    fn spent(&self, list: &str) -> PagingError {
        PagingError::Budget {
            what: self.what,
            list: list.to_string(),
            max_mib: self.total >> 20,
            answer_mib: self.per_answer >> 20,
        }
    }
}

/// One list's reading so far.
pub struct Pager {
    what: String,
    max_pages: u32,
    pages: u32,
    bytes: usize,
    seen: HashSet<String>,
    budget: Option<Budget>,
}

impl Pager {
    /// A list of `what` (for messages), of at most `max_pages` pages.
    pub fn new(what: impl Into<String>, max_pages: u32) -> Pager {
        Pager {
            what: what.into(),
            max_pages,
            pages: 0,
            bytes: 0,
            seen: HashSet::new(),
            budget: None,
        }
    }

    /// This list, one of those `budget` bounds together.
    pub fn within(mut self, budget: Option<&Budget>) -> Pager {
        self.budget = budget.cloned();
        self
    }

    /// The most bytes the next page may hold: what is left of the list's
    /// (and of its budget's).
    pub fn room(&self) -> usize {
        let list = self.list_room();
        self.budget.as_ref().map_or(list, |b| list.min(b.room()))
    }

    fn list_room(&self) -> usize {
        LIST_BYTES.saturating_sub(self.bytes).min(MAX_BODY)
    }

    /// Counts a page of `len` bytes whose next cursor is `next` (empty at
    /// the end): `Ok(true)` when the next page is to be read.
    pub fn advance(&mut self, len: usize, next: &str) -> Result<bool, PagingError> {
        self.pages = self.pages.saturating_add(1);
        self.bytes = self.bytes.saturating_add(len);
        if let Some(b) = &self.budget {
            b.spend(len);
        }
        if next.is_empty() {
            return Ok(false);
        }
        if self.pages >= self.max_pages || self.room() == 0 {
            return Err(self.bound());
        }
        if !self.seen.insert(next.to_string()) {
            return Err(PagingError::Repeated {
                what: self.what.clone(),
            });
        }
        Ok(true)
    }

    /// The error for a page that did not fit in what was left: the list's
    /// bound when that was smaller than one answer's, else `None`.
    pub fn overflowed(&self) -> Option<PagingError> {
        (self.room() < MAX_BODY).then(|| self.bound())
    }

    fn bound(&self) -> PagingError {
        if let Some(b) = self.budget.as_ref().filter(|b| b.room() < self.list_room()) {
            return b.spent(&self.what);
        }
        PagingError::Bound {
            what: self.what.clone(),
            pages: self.pages,
            bytes: self.bytes,
            max_pages: self.max_pages,
            max_mib: LIST_BYTES >> 20,
        }
    }

    /// Pages read so far.
    pub fn pages(&self) -> u32 {
        self.pages
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stops_at_the_page_bound_and_on_a_repeated_cursor() {
        let mut p = Pager::new("roles", 3);
        assert_eq!(p.advance(10, "a"), Ok(true));
        assert_eq!(p.advance(10, "b"), Ok(true));
        let e = p.advance(10, "c").unwrap_err();
        assert!(e.to_string().contains("after 3 pages (30 bytes)"), "{e}");
        assert!(e.to_string().contains("at most 3 pages and 32 MiB"), "{e}");
        let mut p = Pager::new("roles", 3);
        assert_eq!(p.advance(10, ""), Ok(false));
        let mut p = Pager::new("roles", 30);
        p.advance(1, "x").unwrap();
        assert!(matches!(
            p.advance(1, "x"),
            Err(PagingError::Repeated { .. })
        ));
    }

    #[test]
    fn stops_at_the_byte_bound() {
        let mut p = Pager::new("groups", 1000);
        assert_eq!(p.room(), MAX_BODY.min(LIST_BYTES));
        p.advance(LIST_BYTES - 5, "a").unwrap();
        assert_eq!(p.room(), 5);
        assert!(matches!(p.overflowed(), Some(PagingError::Bound { .. })));
        assert!(matches!(p.advance(5, "b"), Err(PagingError::Bound { .. })));
        assert_eq!(
            Pager::new("x", 1).overflowed(),
            None,
            "one answer's own bound"
        );
        // The last page may end the list exactly at the bound.
        let mut p = Pager::new("groups", 1000);
        assert_eq!(p.advance(LIST_BYTES, ""), Ok(false));
        assert_eq!(p.pages(), 1);
    }
}
