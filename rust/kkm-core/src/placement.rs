//! Money placement (внесение / изъятие): cash put into or taken out of the drawer.
//!
//! [`MoneyPlacement::from_request`] checks the request; the drawer rule (a withdrawal
//! may not exceed the cash in the drawer → 58) is checked when the placement is
//! registered in the shift ([`crate::ShiftBook::register_placement`]).

use serde::{Deserialize, Serialize};

use crate::enums::MoneyPlacementKind;
use crate::error::CoreError;
use crate::money::Money;
use crate::request::MoneyPlacementRequest;

/// A validated money placement.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MoneyPlacement {
    /// Deposit or withdrawal.
    pub kind: MoneyPlacementKind,
    /// The amount, more than zero.
    pub sum: Money,
}

impl MoneyPlacement {
    /// A deposit of `sum`.
    pub fn deposit(sum: Money) -> MoneyPlacement {
        MoneyPlacement {
            kind: MoneyPlacementKind::Deposit,
            sum,
        }
    }

    /// A withdrawal of `sum`.
    pub fn withdrawal(sum: Money) -> MoneyPlacement {
        MoneyPlacement {
            kind: MoneyPlacementKind::Withdrawal,
            sum,
        }
    }

    /// Checks a MoneyPlacement request: known `operation` (2), `sum` present with at
    /// most 2 decimals (2), not negative (53) and not zero (2).
    pub fn from_request(request: &MoneyPlacementRequest) -> Result<MoneyPlacement, CoreError> {
        let code = request
            .operation
            .ok_or_else(|| CoreError::invalid("operation", "the operation is required"))?;
        let kind = MoneyPlacementKind::from_code(code).ok_or_else(|| {
            CoreError::invalid(
                "operation",
                format!("unknown operation {code} (0 deposit, 1 withdrawal)"),
            )
        })?;
        let text = request
            .sum
            .as_ref()
            .ok_or_else(|| CoreError::invalid("sum", "the sum is required"))?;
        let sum = Money::parse_tenge(text.as_str())
            .map_err(|e| CoreError::invalid("sum", e.to_string()))?;
        if sum.is_negative() {
            return Err(CoreError::CashNegative {
                field: "sum".into(),
                value: text.as_str().to_owned(),
            });
        }
        if sum.is_zero() {
            return Err(CoreError::invalid("sum", "must be more than zero"));
        }
        Ok(MoneyPlacement { kind, sum })
    }
}
