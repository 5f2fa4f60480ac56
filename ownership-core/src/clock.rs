//! The time a subject's scopes compare share expiries with.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Where the library reads the current time: share expiries are compared with it inside
/// each statement. [`SystemClock`] by default; a [`ManualClock`] moves only when told to,
/// so tests move time instead of sleeping. A subject carries its clock
/// ([`Subject::with_clock`](crate::Subject::with_clock)).
pub trait Clock: Send + Sync + fmt::Debug {
    /// The current time.
    fn now(&self) -> SystemTime;
}

/// The operating system's clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// A clock that stands still until it is set or advanced; clones share one time.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use ownership_core::{Clock, ManualClock};
///
/// let clock = ManualClock::at(UNIX_EPOCH + Duration::from_secs(1_000));
/// clock.advance(Duration::from_secs(60));
/// assert_eq!(clock.now(), UNIX_EPOCH + Duration::from_secs(1_060));
/// ```
#[derive(Clone, Debug)]
pub struct ManualClock {
    unix_ms: Arc<AtomicI64>,
}

impl ManualClock {
    /// A clock showing `time` (to the millisecond).
    pub fn at(time: SystemTime) -> Self {
        Self {
            unix_ms: Arc::new(AtomicI64::new(unix_ms(time))),
        }
    }

    /// Shows `time` from now on.
    pub fn set(&self, time: SystemTime) {
        self.unix_ms.store(unix_ms(time), Ordering::SeqCst);
    }

    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: Duration) {
        let by = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        self.unix_ms
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |ms| {
                Some(ms.saturating_add(by))
            })
            .ok();
    }
}

impl Clock for ManualClock {
    fn now(&self) -> SystemTime {
        from_unix_ms(self.unix_ms.load(Ordering::SeqCst))
    }
}

/// Milliseconds since the Unix epoch, the unit expiries are stored in; saturated at the
/// ends of an `i64`.
pub(crate) fn unix_ms(time: SystemTime) -> i64 {
    match time.duration_since(UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_millis()).unwrap_or(i64::MAX),
        Err(before) => i64::try_from(before.duration().as_millis()).map_or(i64::MIN, |ms| -ms),
    }
}

/// The time `ms` milliseconds after (or before) the Unix epoch.
pub(crate) fn from_unix_ms(ms: i64) -> SystemTime {
    let magnitude = Duration::from_millis(ms.unsigned_abs());
    if ms >= 0 {
        UNIX_EPOCH + magnitude
    } else {
        UNIX_EPOCH - magnitude
    }
}

/// A subject's clock: the system's unless one was given. Two subjects' clocks are equal
/// when both are the system's or both are the same clock.
#[derive(Clone, Debug, Default)]
pub(crate) enum SubjectClock {
    #[default]
    System,
    Given(Arc<dyn Clock>),
}

impl SubjectClock {
    /// The time now, in milliseconds since the Unix epoch.
    pub(crate) fn now_ms(&self) -> i64 {
        unix_ms(match self {
            SubjectClock::System => SystemTime::now(),
            SubjectClock::Given(clock) => clock.now(),
        })
    }
}

impl PartialEq for SubjectClock {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (SubjectClock::System, SubjectClock::System) => true,
            (SubjectClock::Given(a), SubjectClock::Given(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }
}

impl Eq for SubjectClock {}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use super::{from_unix_ms, unix_ms};

    #[test]
    fn times_round_trip_through_milliseconds_on_both_sides_of_the_epoch() {
        for ms in [0, 1, -1, 1_780_000_000_123, -86_400_000] {
            assert_eq!(unix_ms(from_unix_ms(ms)), ms);
        }
        assert_eq!(
            unix_ms(UNIX_EPOCH + Duration::from_millis(u64::MAX)),
            i64::MAX
        );
        for ms in [i64::MAX, i64::MIN] {
            assert_eq!(unix_ms(from_unix_ms(ms)), ms);
        }
    }
}
