//! Fault injection: the network and OFD failures a register must survive.
//!
//! A fault is set on a running emulator (library call, control port, or CLI flag) and
//! applies to the next `times` requests (or until cleared), optionally only to one KKM.
//! The text form, used by the CLI and the control port, is:
//!
//! | text                 | effect                                                        |
//! |----------------------|---------------------------------------------------------------|
//! | `none`               | no fault                                                      |
//! | `refuse`             | stop listening: connection attempts are refused               |
//! | `drop-before-read`   | accept the connection, close it without reading               |
//! | `drop-after-read`    | read the request, close without processing it                 |
//! | `drop-after-process` | process the request (fiscalize!), close without answering     |
//! | `delay MS`           | process the request, answer after MS milliseconds             |
//! | `result CODE`        | answer with result code CODE, process nothing                 |
//! | `corrupt`            | process the request, answer with a corrupted frame            |

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// One kind of failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Fault {
    /// Behave.
    #[default]
    None,
    /// Close the listening socket: new connections are refused (existing ones close).
    Refuse,
    /// Accept, then close at once.
    DropBeforeRead,
    /// Read the request, then close without processing.
    DropAfterRead,
    /// Process the request, then close without answering (the answer is lost).
    DropAfterProcess,
    /// Process, then answer after this long.
    Delay(Duration),
    /// Answer with this CPCR result code without processing.
    ResultCode(u32),
    /// Process, then answer with bytes that are not a valid frame.
    Corrupt,
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::None => write!(f, "none"),
            Fault::Refuse => write!(f, "refuse"),
            Fault::DropBeforeRead => write!(f, "drop-before-read"),
            Fault::DropAfterRead => write!(f, "drop-after-read"),
            Fault::DropAfterProcess => write!(f, "drop-after-process"),
            Fault::Delay(d) => write!(f, "delay {}", d.as_millis()),
            Fault::ResultCode(c) => write!(f, "result {c}"),
            Fault::Corrupt => write!(f, "corrupt"),
        }
    }
}

impl FromStr for Fault {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut words = s.split_whitespace();
        let kind = words.next().unwrap_or("none");
        let arg = words.next();
        if let Some(extra) = words.next() {
            return Err(format!("unexpected {extra:?} in fault {s:?}"));
        }
        let number = |what: &str| -> Result<u64, String> {
            let a = arg.ok_or_else(|| format!("fault {kind:?} needs {what}"))?;
            a.parse().map_err(|e| format!("bad {what} {a:?}: {e}"))
        };
        let fault = match kind {
            "none" | "clear" => Fault::None,
            "refuse" => Fault::Refuse,
            "drop-before-read" => Fault::DropBeforeRead,
            "drop-after-read" => Fault::DropAfterRead,
            "drop-after-process" => Fault::DropAfterProcess,
            "corrupt" => Fault::Corrupt,
            "delay" => Fault::Delay(Duration::from_millis(number("milliseconds")?)),
            "result" => {
                let code = number("a result code")?;
                Fault::ResultCode(u32::try_from(code).map_err(|e| e.to_string())?)
            }
            other => return Err(format!("unknown fault {other:?}")),
        };
        let takes_arg = matches!(fault, Fault::Delay(_) | Fault::ResultCode(_));
        if arg.is_some() && !takes_arg {
            return Err(format!("fault {kind:?} takes no argument"));
        }
        Ok(fault)
    }
}

/// A fault with its scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FaultPlan {
    /// What goes wrong.
    pub fault: Fault,
    /// For how many more requests; `None` until cleared.
    pub remaining: Option<u32>,
    /// Only requests of this KKM (connection-level faults ignore it).
    pub kkm_id: Option<u32>,
}

impl FaultPlan {
    /// `fault` for every request until cleared.
    pub fn always(fault: Fault) -> Self {
        FaultPlan {
            fault,
            remaining: None,
            kkm_id: None,
        }
    }

    /// `fault` for the next `n` requests.
    pub fn times(fault: Fault, n: u32) -> Self {
        FaultPlan {
            fault,
            remaining: Some(n),
            kkm_id: None,
        }
    }

    /// Restricts the plan to one KKM.
    pub fn for_kkm(mut self, kkm_id: u32) -> Self {
        self.kkm_id = Some(kkm_id);
        self
    }

    /// Takes one use of the fault if it applies: at a new connection (`kkm_id` is
    /// `None`) only [`Fault::DropBeforeRead`] does; to a request of `kkm_id` every
    /// request-level fault does.
    pub(crate) fn take(&mut self, kkm_id: Option<u32>) -> Fault {
        let connection_level = matches!(self.fault, Fault::DropBeforeRead | Fault::Refuse);
        if self.fault == Fault::None
            || self.remaining == Some(0)
            || connection_level != kkm_id.is_none()
        {
            return Fault::None;
        }
        if let (Some(want), Some(got)) = (self.kkm_id, kkm_id) {
            if want != got {
                return Fault::None;
            }
        }
        if let Some(n) = self.remaining.as_mut() {
            *n -= 1;
            if *n == 0 {
                let fault = self.fault;
                self.fault = Fault::None;
                return fault;
            }
        }
        self.fault
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_form_roundtrips() {
        for f in [
            Fault::None,
            Fault::Refuse,
            Fault::DropBeforeRead,
            Fault::DropAfterRead,
            Fault::DropAfterProcess,
            Fault::Delay(Duration::from_millis(6000)),
            Fault::ResultCode(15),
            Fault::Corrupt,
        ] {
            assert_eq!(f.to_string().parse::<Fault>(), Ok(f));
        }
        assert!("delay".parse::<Fault>().is_err());
        assert!("delay x".parse::<Fault>().is_err());
        assert!("corrupt 1".parse::<Fault>().is_err());
        assert!("explode".parse::<Fault>().is_err());
        assert!("result 99999999999".parse::<Fault>().is_err());
    }

    #[test]
    fn counted_faults_run_out() {
        let mut plan = FaultPlan::times(Fault::Corrupt, 2).for_kkm(7);
        assert_eq!(plan.take(Some(8)), Fault::None);
        assert_eq!(plan.take(None), Fault::None, "not a connection-level fault");
        assert_eq!(plan.take(Some(7)), Fault::Corrupt);
        assert_eq!(plan.take(Some(7)), Fault::Corrupt);
        assert_eq!(plan.take(Some(7)), Fault::None);

        let mut plan = FaultPlan::times(Fault::DropBeforeRead, 1);
        assert_eq!(plan.take(Some(7)), Fault::None, "a connection-level fault");
        assert_eq!(plan.take(None), Fault::DropBeforeRead);
        assert_eq!(plan.take(None), Fault::None);
    }
}
