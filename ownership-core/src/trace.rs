//! The library's tracing spans, at `DEBUG` under the target `ownership_core`: one for each
//! scope built (entity, scope, subject), each statement the library runs for one (the same,
//! with the rows it gave) and each write (the entity or table, the write, who makes it). A
//! span carries ids, names and counts, never a row's values.

use std::fmt;

use tracing::Span;
use tracing::field::Empty;

use crate::subject::Subject;

/// The subject as a span shows it: its user id, or `anonymous`.
pub(crate) struct Who<'a>(pub(crate) &'a Subject);

impl fmt::Display for Who<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.user_id() {
            Some(id) => write!(f, "{id}"),
            None => f.write_str("anonymous"),
        }
    }
}

/// The span of building `scope` of `entity` for `subject`: enter it while the condition is
/// built.
pub(crate) fn scope(entity: &'static str, scope: &'static str, subject: &Subject) -> Span {
    tracing::debug_span!("ownership.scope", entity, scope, subject = %Who(subject))
}

/// The span of running `what` (a page, a count, a check, an explanation) of `entity` for
/// `subject`; record the rows it gave with [`rows`].
pub(crate) fn run(entity: &'static str, what: &'static str, subject: &Subject) -> Span {
    tracing::debug_span!("ownership.run", entity, what, subject = %Who(subject), rows = Empty)
}

/// Who makes an administrative write: no subject.
pub(crate) const NOBODY: &str = "nobody";

/// The span of the write `what` (an insert, a grant, a share, a policy assignment) on
/// `entity` (a model name, or the table of what is written) by `actor` ([`Who`], or
/// [`NOBODY`]): wrap the write's future in it.
pub(crate) fn write(entity: &str, what: &'static str, actor: &dyn fmt::Display) -> Span {
    tracing::debug_span!("ownership.write", entity, what, actor = %actor)
}

/// Records on `span` how many rows its statement gave.
pub(crate) fn rows(span: &Span, rows: usize) {
    span.record("rows", rows);
}
