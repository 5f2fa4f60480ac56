//! The benchmark's error: a message for the person running it.

use std::fmt;

/// Why the benchmark stopped, as a message.
#[derive(Debug)]
pub struct BenchError(String);

/// The benchmark's result type.
pub type Result<T> = std::result::Result<T, BenchError>;

impl BenchError {
    /// An error with this message.
    pub fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }

    /// Adds what was being done to the message: `context: message`.
    pub fn context(self, context: impl fmt::Display) -> Self {
        Self(format!("{context}: {}", self.0))
    }
}

impl fmt::Display for BenchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<E: std::error::Error> From<E> for BenchError {
    fn from(err: E) -> Self {
        Self(err.to_string())
    }
}

/// Adds context to any error convertible into a [`BenchError`].
pub trait Context<T> {
    /// `context: error` on failure.
    fn context(self, context: impl fmt::Display) -> Result<T>;
}

impl<T, E: Into<BenchError>> Context<T> for std::result::Result<T, E> {
    fn context(self, context: impl fmt::Display) -> Result<T> {
        self.map_err(|err| err.into().context(context))
    }
}
