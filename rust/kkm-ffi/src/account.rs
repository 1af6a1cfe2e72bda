//! What a cashier's session needs beyond documents: the register's clock (the time zone
//! of the settings), the KKM's deadlines counted by the register (the hours left of the
//! 72 autonomous ones, of the 24 of a shift) and a change of one's own PIN. Mapping only: the rules live in `kkm_register`
//! (`Registry::overview`, `Registry::change_own_pin`).

use kkm_core::ErrorCode;

use crate::register::{CashierSession, KkmRegister};
use crate::runtime::block_on;
use crate::KkmError;

/// The deadlines of a KKM now, as the register counts them (the app never counts the
/// 72 hours or the 24 itself).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct KkmTimers {
    /// The register's clock now: device calendar seconds (local time of the configured
    /// zone as if it were UTC), the calendar receipts are dated in.
    pub device_time_secs: i64,
    /// The configured zone, seconds ahead of UTC.
    pub utc_offset_secs: i64,
    /// Seconds left of the 72 autonomous hours (`None`: online; negative: over, sales
    /// are refused with 18 until the queue drains).
    pub autonomous_secs_left: Option<i64>,
    /// The same in whole hours, rounded down and never below 0: what the banner shows.
    pub autonomous_hours_left: Option<i64>,
    /// Seconds left of the open shift's 24 hours (`None`: no shift open; negative: over,
    /// close it with a Z).
    pub shift_secs_left: Option<i64>,
    /// Documents waiting for the OFD.
    pub queue_len: i64,
}

#[uniffi::export]
impl KkmRegister {
    /// The register's clock now, device calendar seconds (see [`KkmTimers`]). Not
    /// blocking.
    pub fn device_time_secs(&self) -> Result<i64, KkmError> {
        Ok(self.registry()?.device_time().secs())
    }
}

#[uniffi::export]
impl CashierSession {
    /// The KKM's deadlines now (hours left of the 72 autonomous ones, of the shift's
    /// 24) and the register's clock. **Blocking** (reads the journal's counters; no OFD).
    pub fn timers(&self) -> Result<KkmTimers, KkmError> {
        let registry = self.register.registry()?;
        let now = registry.device_time();
        let kkm = registry
            .overview(&self.credential())?
            .into_iter()
            .find(|k| i64::from(k.kkm_id) == self.kkm_ofd_id)
            .ok_or_else(|| {
                KkmError::rejected(ErrorCode::KkmAccessDenied, "the KKM is no longer available")
            })?;
        Ok(KkmTimers {
            device_time_secs: now.secs(),
            utc_offset_secs: self.register.utc_offset_secs(),
            autonomous_secs_left: kkm.autonomous_secs_left,
            autonomous_hours_left: kkm.autonomous_secs_left.map(|s| s.max(0) / 3600),
            shift_secs_left: kkm.shift_secs_left,
            queue_len: i64::try_from(kkm.queue_len).unwrap_or(i64::MAX),
        })
    }

    /// Logged in with the default PIN 0000 (the register's rule,
    /// `Credential::is_default_pin`): the app asks for a PIN of the operator's own before
    /// anything else, as the daemon's console does. Not blocking.
    pub fn must_change_pin(&self) -> bool {
        self.credential().is_default_pin()
    }

    /// Changes the logged-in operator's own PIN (any role). The session's PIN must still
    /// be the current one (5 otherwise); the new one follows the installation's PIN
    /// policy (11). The session keeps working with the new PIN. **Blocking** (hashes it).
    pub fn change_own_pin(&self, new_pin: String) -> Result<(), KkmError> {
        let registry = self.register.registry()?;
        let current = self.credential();
        block_on(registry.change_own_pin(&current, &new_pin))??;
        self.set_pin(new_pin.trim().to_owned());
        Ok(())
    }
}
