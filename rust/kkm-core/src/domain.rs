//! The attributes of a receipt's trade domain (`TicketRequest.Domain` of CPCR): the
//! account of a service, the correction of a fuel pump, the car of a taxi, the stay of a
//! parking. They go to the OFD as given, checked here for shape.

use serde::{Deserialize, Serialize};

use crate::clock::Timestamp;
use crate::error::CoreError;
use crate::money::Money;
use crate::request::DomainRequest;

/// Services and hotels: the buyer's account (лицевой счёт).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Services {
    /// Лицевой счёт.
    pub account_number: String,
}

/// Fuel: a correction of the pump and the card used.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct GasOil {
    /// Номер коррекции.
    pub correction_number: Option<String>,
    /// Сумма коррекции.
    pub correction_sum: Option<Money>,
    /// Номер карты.
    pub card_number: Option<String>,
}

/// Taxi: the car, whether it was an order, the fee so far.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Taxi {
    /// Госномер.
    pub car_number: String,
    /// By order (not from the street).
    pub is_order: bool,
    /// Текущий тариф.
    pub current_fee: Money,
}

/// Parking: the stay.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Parking {
    /// Начало.
    pub begin_time: Timestamp,
    /// Конец.
    pub end_time: Timestamp,
}

/// The domain attributes of a receipt, each present when the request gave it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DomainDetails {
    /// `domain.services`.
    pub services: Option<Services>,
    /// `domain.gasoil`.
    pub gasoil: Option<GasOil>,
    /// `domain.taxi`.
    pub taxi: Option<Taxi>,
    /// `domain.parking`.
    pub parking: Option<Parking>,
}

fn required_text(value: Option<&String>, field: &str) -> Result<String, CoreError> {
    value
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| CoreError::invalid(field, "required"))
}

fn money(value: Option<&crate::JsonNumber>, field: &str) -> Result<Option<Money>, CoreError> {
    value
        .map(|v| {
            Money::parse_non_negative(v.as_str())
                .map_err(|e| CoreError::invalid(field, e.to_string()))
        })
        .transpose()
}

fn time(value: Option<&String>, field: &str) -> Result<Timestamp, CoreError> {
    let text = required_text(value, field)?;
    Timestamp::parse(&text).ok_or_else(|| CoreError::invalid(field, "expected yyyy-MM-ddTHH:mm:ss"))
}

impl DomainDetails {
    /// The attributes of `domain`, checked (2 with the field's path).
    ///
    /// ```
    /// use kkm_core::domain::DomainDetails;
    /// let request = serde_json::from_str(r#"{"type": 4,
    ///     "taxi": {"car_number": "123ABC02", "is_order": true, "current_fee": 1500}}"#).unwrap();
    /// let details = DomainDetails::from_request(&request).unwrap();
    /// assert_eq!(details.taxi.unwrap().current_fee.to_string(), "1500.00");
    /// ```
    pub fn from_request(domain: &DomainRequest) -> Result<DomainDetails, CoreError> {
        let services = domain
            .services
            .as_ref()
            .map(|s| {
                Ok::<_, CoreError>(Services {
                    account_number: required_text(
                        s.account_number.as_ref(),
                        "domain.services.account_number",
                    )?,
                })
            })
            .transpose()?;
        let gasoil = domain
            .gasoil
            .as_ref()
            .map(|g| {
                Ok::<_, CoreError>(GasOil {
                    correction_number: g.correction_number.clone(),
                    correction_sum: money(
                        g.correction_sum.as_ref(),
                        "domain.gasoil.correction_sum",
                    )?,
                    card_number: g.card_number.clone(),
                })
            })
            .transpose()?;
        let taxi = domain
            .taxi
            .as_ref()
            .map(|t| {
                Ok::<_, CoreError>(Taxi {
                    car_number: required_text(t.car_number.as_ref(), "domain.taxi.car_number")?,
                    is_order: t.is_order.unwrap_or(false),
                    current_fee: money(t.current_fee.as_ref(), "domain.taxi.current_fee")?
                        .ok_or_else(|| CoreError::invalid("domain.taxi.current_fee", "required"))?,
                })
            })
            .transpose()?;
        let parking = domain
            .parking
            .as_ref()
            .map(|p| {
                let begin_time = time(p.begin_time.as_ref(), "domain.parking.begin_time")?;
                let end_time = time(p.end_time.as_ref(), "domain.parking.end_time")?;
                if end_time < begin_time {
                    return Err(CoreError::invalid(
                        "domain.parking.end_time",
                        "the stay ends before it begins",
                    ));
                }
                Ok(Parking {
                    begin_time,
                    end_time,
                })
            })
            .transpose()?;
        Ok(DomainDetails {
            services,
            gasoil,
            taxi,
            parking,
        })
    }
}
