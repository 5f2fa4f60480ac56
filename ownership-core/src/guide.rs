//! The guide: the pages under `docs/`, one module each, so that every example on them is
//! compiled and run as a documentation test. Start with [`concepts`].

#[doc = include_str!("../../docs/README.md")]
pub mod index {}

#[doc = include_str!("../../docs/concepts.md")]
pub mod concepts {}

#[doc = include_str!("../../docs/identity.md")]
pub mod identity {}

#[doc = include_str!("../../docs/ownership.md")]
pub mod ownership {}

#[doc = include_str!("../../docs/pages.md")]
pub mod pages {}

#[doc = include_str!("../../docs/answers.md")]
pub mod answers {}

#[doc = include_str!("../../docs/grants.md")]
pub mod grants {}

#[doc = include_str!("../../docs/shares.md")]
pub mod shares {}

#[doc = include_str!("../../docs/policies.md")]
pub mod policies {}

#[doc = include_str!("../../docs/templates.md")]
pub mod templates {}

#[doc = include_str!("../../docs/audit.md")]
pub mod audit {}

#[doc = include_str!("../../docs/writes.md")]
pub mod writes {}

/// Its examples need the `axum` feature.
#[cfg(feature = "axum")]
#[doc = include_str!("../../docs/web-service.md")]
pub mod web_service {}

#[doc = include_str!("../../docs/errors.md")]
pub mod errors {}

#[doc = include_str!("../../docs/migrations.md")]
pub mod migrations {}

#[doc = include_str!("../../docs/testing.md")]
pub mod testing {}

#[doc = include_str!("../../docs/performance.md")]
pub mod performance {}
