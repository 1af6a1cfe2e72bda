//! Registration data of the KKMs the emulator knows: what an OFD would have on file.

use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A cashier account the OFD accepts in `COMMAND_AUTH`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfdOperator {
    /// Login.
    pub login: String,
    /// Password (the emulator keeps it in clear: it is test data).
    pub password: String,
    /// Operator code.
    pub code: u32,
    /// Full name.
    pub name: String,
    /// Roles as `UserRoleEnum` values (1 cashier, 2 senior cashier, 3 administrator).
    pub roles: Vec<i32>,
}

/// What a KKM already did at the OFD before it is registered on the register under
/// test — a KKM moved from E-Kassa or another register: one shift (the last) with cash
/// sales in section `1`, still open or closed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KkmHistory {
    /// Number of that shift.
    pub shift_number: u32,
    /// The shift is still open (else it was closed eight hours after it opened).
    pub open: bool,
    /// When it opened (device calendar seconds).
    pub opened_at: i64,
    /// Cash sales in the shift.
    pub sales: u32,
    /// The total of each sale, tiyn.
    pub sale_tiyn: u64,
    /// The never-reset SELL sum and the cash in the drawer before the shift, tiyn.
    pub earlier_sum: u64,
    /// Sales before the shift (counted since registration).
    pub earlier_sales: u32,
}

impl KkmHistory {
    /// Shift `shift_number` open since `opened_at` with `sales` sales of `sale_tiyn`,
    /// after `earlier_sales` sales worth `earlier_sum` in earlier shifts.
    pub fn open_shift(shift_number: u32, opened_at: i64, sales: u32, sale_tiyn: u64) -> Self {
        KkmHistory {
            shift_number,
            open: true,
            opened_at,
            sales,
            sale_tiyn,
            earlier_sum: 100_000_000,
            earlier_sales: 1_000,
        }
    }
}

/// Everything the emulator knows about one registered KKM.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KkmProfile {
    /// ID in the frame header.
    pub kkm_id: u32,
    /// The token the KKM starts with.
    pub token: u32,
    /// РНМ — registration number (`fns_kkm_id`).
    pub rnm: String,
    /// ЗНМ — factory number.
    pub serial_number: String,
    /// Taxpayer name.
    pub org_title: String,
    /// Taxpayer address.
    pub org_address: String,
    /// Taxpayer address in Kazakh.
    pub org_address_kz: String,
    /// ИИН/БИН of the taxpayer.
    pub org_iin: String,
    /// ОКЭД.
    pub org_oked: String,
    /// Point of sale name.
    pub pos_title: String,
    /// Point of sale address.
    pub pos_address: String,
    /// Point of sale address in Kazakh.
    pub pos_address_kz: String,
    /// The OFD's advertising text for receipts (may contain `${ticket_number}`).
    pub ofd_ad_text: String,
    /// Cashier accounts for `COMMAND_AUTH`.
    pub operators: Vec<OfdOperator>,
    /// What the KKM did at the OFD before (none: a new KKM).
    #[serde(default)]
    pub history: Option<KkmHistory>,
    /// The taxation regime the OFD has bound to the KKM (`TaxationTypeEnum`: 100–103),
    /// sent in INFO's `binded_taxation`.
    #[serde(default)]
    pub taxation_type: Option<u32>,
}

impl KkmProfile {
    /// A plausible registration for `kkm_id`. ID 6923 gets the seed's test KKM
    /// (РНМ 010100134464, ЗНМ ISCR1018036404743, the seed's taxpayer and POS).
    pub fn new(kkm_id: u32, token: u32) -> Self {
        let seed = kkm_id == 6923;
        let rnm = if seed {
            "010100134464".to_string()
        } else {
            format!("0101{:08}", kkm_id % 100_000_000)
        };
        KkmProfile {
            kkm_id,
            token,
            serial_number: if seed {
                "ISCR1018036404743".into()
            } else {
                format!("KKMSIM{:011}", kkm_id)
            },
            org_title: if seed {
                "ЧН ГЕОРГИАДИ ЛИЛИЯ ГЕННАДЬЕВНА".into()
            } else {
                format!("ТОО «Тестовая организация {kkm_id}»")
            },
            org_address: if seed {
                "г. Темиртау, Республики / ".into()
            } else {
                "г. Алматы, пр. Абая 1".into()
            },
            org_address_kz: "Алматы қ., Абай даңғылы 1".into(),
            org_iin: if seed {
                "910812450255".into()
            } else {
                format!("9{:011}", kkm_id)
            },
            org_oked: "47190".into(),
            pos_title: if seed {
                "Для Макса".into()
            } else {
                format!("Магазин №{kkm_id}")
            },
            pos_address: if seed {
                "г. Нур-Султан, р-н Есиль, Республики 1".into()
            } else {
                "г. Алматы, ул. Сатпаева 2".into()
            },
            pos_address_kz: "Алматы қ., Сәтбаев к-сі 2".into(),
            ofd_ad_text: format!(
                "ОФД - эмулятор kkm-ofd-sim\nФиск. признак ${{ticket_number}}\n\
                 Код ККМ КГД: {rnm}\nДля проверки чека зайдите на сайт:\n\
                 http://consumer.test-oofd.kz"
            ),
            rnm,
            operators: vec![OfdOperator {
                login: "admin".into(),
                password: "0000".into(),
                code: 1,
                name: "Администратор".into(),
                roles: vec![3],
            }],
            history: None,
            taxation_type: None,
        }
    }

    /// The same KKM with a taxation regime bound at the OFD.
    pub fn with_taxation(mut self, taxation_type: u32) -> Self {
        self.taxation_type = Some(taxation_type);
        self
    }

    /// The same KKM with a history at the OFD.
    pub fn with_history(mut self, history: KkmHistory) -> Self {
        self.history = Some(history);
        self
    }
}

/// Parses `ID:TOKEN` (both decimal u32), as given to `--kkm`.
impl FromStr for KkmProfile {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (id, token) = s
            .split_once(':')
            .ok_or_else(|| format!("expected ID:TOKEN, got {s:?}"))?;
        let id: u32 = id
            .trim()
            .parse()
            .map_err(|e| format!("bad KKM id {id:?}: {e}"))?;
        let token: u32 = token
            .trim()
            .parse()
            .map_err(|e| format!("bad token {token:?}: {e}"))?;
        Ok(KkmProfile::new(id, token))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_id_and_token() {
        let p: KkmProfile = "6923:42".parse().unwrap();
        assert_eq!((p.kkm_id, p.token), (6923, 42));
        assert_eq!(p.rnm, "010100134464");
        assert!("6923".parse::<KkmProfile>().is_err());
        assert!("x:1".parse::<KkmProfile>().is_err());
        assert!("1:99999999999".parse::<KkmProfile>().is_err());
    }
}
