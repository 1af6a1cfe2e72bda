//! Operators (cashiers) and their bindings to KKMs.
//!
//! A PIN is never stored in clear. Two values are kept:
//! * an Argon2id hash with a random salt (`pin_hash`), checked at login;
//! * a keyed fingerprint, HMAC-SHA-256 under the store's data key (`pin_fingerprint`),
//!   to find whose PIN it is and to keep PINs unique (the seed's error 12) without
//!   running the slow hash against every operator. Without the data key the fingerprint
//!   reveals nothing; with it, the slow hash still has to agree.

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use hmac::{Hmac, Mac};
use rusqlite::{params, OptionalExtension, TransactionBehavior};
use sha2::Sha256;

use crate::{Store, StoreError};

/// The PIN an empty store's first administrator gets (as in the seed).
pub const DEFAULT_ADMIN_PIN: &str = "0000";

/// An operator as stored (without any form of the PIN).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OperatorRow {
    /// Operator id.
    pub id: i64,
    /// Name (ФИО).
    pub name: String,
    /// Role code: 1 administrator, 2 senior cashier, 3 cashier.
    pub role: u8,
    /// KKMs the operator is bound to.
    pub kkm_ids: Vec<u32>,
    /// What the register keeps beside the row (its JSON: e-mail, custom data, owner), if
    /// saved since the store kept it here.
    pub extra: Option<String>,
}

/// An operator to create (`id: None`) or update.
#[derive(Clone, Debug)]
pub struct OperatorInput<'a> {
    /// `None` creates; `Some` updates that operator.
    pub id: Option<i64>,
    /// Name.
    pub name: &'a str,
    /// Role code.
    pub role: u8,
    /// New PIN (required when creating; `None` keeps the current one).
    pub pin: Option<&'a str>,
    /// The KKMs to bind (replaces the current bindings).
    pub kkm_ids: &'a [u32],
    /// The register's JSON beside the row (`None` keeps the current one).
    pub extra: Option<&'a str>,
}

/// Argon2id with OWASP's low-memory equivalent of its default (m = 7 MiB, t = 5,
/// p = 1 instead of 19 MiB, t = 2): the same work factor, but a daemon that checks a
/// PIN does not keep a 19 MiB heap afterwards (the idle memory bar is 30 MB).
fn pin_hasher() -> Result<Argon2<'static>, StoreError> {
    let params = argon2::Params::new(7 * 1024, 5, 1, None)
        .map_err(|e| StoreError::Key(format!("Argon2 parameters: {e}")))?;
    Ok(Argon2::new(
        argon2::Algorithm::Argon2id,
        argon2::Version::V0x13,
        params,
    ))
}

impl Store {
    fn pin_fingerprint(&self, pin: &str) -> Result<Vec<u8>, StoreError> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(self.sealer.key())
            .map_err(|e| StoreError::Key(e.to_string()))?;
        mac.update(b"pin:");
        mac.update(pin.as_bytes());
        Ok(mac.finalize().into_bytes().to_vec())
    }

    /// Creates or updates an operator and its bindings in one transaction. A PIN that
    /// another operator uses is refused ([`StoreError::PinInUse`], seed error 12).
    pub fn save_operator(&self, op: &OperatorInput<'_>) -> Result<i64, StoreError> {
        let pin = match op.pin {
            Some(pin) => {
                let salt = SaltString::generate(&mut OsRng);
                let hash = pin_hasher()?
                    .hash_password(pin.as_bytes(), &salt)
                    .map_err(|e| StoreError::Key(format!("PIN hash: {e}")))?
                    .to_string();
                Some((self.pin_fingerprint(pin)?, hash))
            }
            None => None,
        };
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        if let Some((fingerprint, _)) = &pin {
            let owner: Option<i64> = tx
                .query_row(
                    "SELECT id FROM operator WHERE pin_fingerprint = ?1",
                    [fingerprint],
                    |r| r.get(0),
                )
                .optional()?;
            if owner.is_some() && owner != op.id {
                return Err(StoreError::PinInUse);
            }
        }
        let id = match (op.id, &pin) {
            (None, Some((fingerprint, hash))) => {
                tx.execute(
                    "INSERT INTO operator (name, role, pin_fingerprint, pin_hash) VALUES (?1, ?2, ?3, ?4)",
                    params![op.name, op.role, fingerprint, hash],
                )?;
                tx.last_insert_rowid()
            }
            (None, None) => return Err(StoreError::Malformed("a new operator needs a PIN".into())),
            (Some(id), pin) => {
                let changed = tx.execute(
                    "UPDATE operator SET name = ?2, role = ?3 WHERE id = ?1",
                    params![id, op.name, op.role],
                )?;
                if changed == 0 {
                    return Err(StoreError::UnknownOperator(id));
                }
                if let Some((fingerprint, hash)) = pin {
                    tx.execute(
                        "UPDATE operator SET pin_fingerprint = ?2, pin_hash = ?3 WHERE id = ?1",
                        params![id, fingerprint, hash],
                    )?;
                }
                id
            }
        };
        if let Some(extra) = op.extra {
            tx.execute(
                "UPDATE operator SET extra = ?2 WHERE id = ?1",
                params![id, extra],
            )?;
        }
        tx.execute("DELETE FROM operator_kkm WHERE operator_id = ?1", [id])?;
        for kkm in op.kkm_ids {
            tx.execute(
                "INSERT INTO operator_kkm (operator_id, kkm_id) VALUES (?1, ?2)",
                params![id, kkm],
            )?;
        }
        tx.commit()?;
        Ok(id)
    }

    /// Deletes an operator (and its bindings).
    pub fn delete_operator(&self, id: i64) -> Result<(), StoreError> {
        let conn = self.conn();
        match conn.execute("DELETE FROM operator WHERE id = ?1", [id])? {
            0 => Err(StoreError::UnknownOperator(id)),
            _ => Ok(()),
        }
    }

    /// All operators with their bindings, by id.
    pub fn operators(&self) -> Result<Vec<OperatorRow>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT o.id, o.name, o.role, group_concat(b.kkm_id), o.extra
             FROM operator o LEFT JOIN operator_kkm b ON b.operator_id = o.id
             GROUP BY o.id ORDER BY o.id",
        )?;
        let rows = stmt.query_map([], |row| {
            let bound: Option<String> = row.get(3)?;
            Ok(OperatorRow {
                id: row.get(0)?,
                name: row.get(1)?,
                role: row.get(2)?,
                kkm_ids: bound
                    .unwrap_or_default()
                    .split(',')
                    .filter_map(|k| k.parse().ok())
                    .collect(),
                extra: row.get(4)?,
            })
        })?;
        rows.collect::<Result<Vec<_>, _>>().map_err(Into::into)
    }

    /// The id of the operator whose PIN this is, by the keyed fingerprint alone (no
    /// slow hash: for "is the default PIN still somebody's", never for signing in).
    pub fn pin_owner(&self, pin: &str) -> Result<Option<i64>, StoreError> {
        let fingerprint = self.pin_fingerprint(pin)?;
        Ok(self
            .conn()
            .query_row(
                "SELECT id FROM operator WHERE pin_fingerprint = ?1",
                [fingerprint],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// The operator whose PIN this is, if any (the fingerprint finds it, the slow hash
    /// confirms it).
    pub fn operator_by_pin(&self, pin: &str) -> Result<Option<OperatorRow>, StoreError> {
        let fingerprint = self.pin_fingerprint(pin)?;
        let found: Option<(i64, String)> = {
            let conn = self.conn();
            conn.query_row(
                "SELECT id, pin_hash FROM operator WHERE pin_fingerprint = ?1",
                [fingerprint],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?
        };
        let Some((id, hash)) = found else {
            return Ok(None);
        };
        let parsed = PasswordHash::new(&hash)
            .map_err(|e| StoreError::Malformed(format!("PIN hash: {e}")))?;
        // The hash string carries its own parameters: older hashes still verify.
        if Argon2::default()
            .verify_password(pin.as_bytes(), &parsed)
            .is_err()
        {
            return Ok(None);
        }
        Ok(self.operators()?.into_iter().find(|o| o.id == id))
    }

    /// On a store without operators, creates the administrator with the seed's default
    /// PIN 0000 (to be changed). Returns its id when it was created.
    pub fn ensure_default_admin(&self) -> Result<Option<i64>, StoreError> {
        let count: i64 = self
            .conn()
            .query_row("SELECT COUNT(*) FROM operator", [], |r| r.get(0))?;
        if count > 0 {
            return Ok(None);
        }
        self.save_operator(&OperatorInput {
            id: None,
            name: "Администратор",
            role: 1,
            pin: Some(DEFAULT_ADMIN_PIN),
            kkm_ids: &[],
            extra: None,
        })
        .map(Some)
    }
}

#[cfg(test)]
mod tests {
    use crate::{StaticKey, Store, StoreError};

    use super::*;

    #[test]
    fn operators_pins_and_bindings() {
        let s = Store::open_in_memory(&StaticKey([3; 32])).unwrap();
        let admin = s.ensure_default_admin().unwrap().expect("created");
        assert_eq!(s.ensure_default_admin().unwrap(), None, "only once");
        assert_eq!(s.operator_by_pin("0000").unwrap().unwrap().id, admin);
        assert_eq!(s.pin_owner("0000").unwrap(), Some(admin));
        assert_eq!(s.pin_owner("0001").unwrap(), None);

        let cashier = s
            .save_operator(&OperatorInput {
                id: None,
                name: "Айгүл",
                role: 3,
                pin: Some("4321"),
                kkm_ids: &[6923, 7000],
                extra: None,
            })
            .unwrap();
        let row = s.operator_by_pin("4321").unwrap().unwrap();
        assert_eq!(
            (row.id, row.role, row.kkm_ids.clone()),
            (cashier, 3, vec![6923, 7000])
        );
        assert_eq!(s.operator_by_pin("9999").unwrap(), None);

        // A PIN in use by someone else is refused (seed error 12).
        let dup = s.save_operator(&OperatorInput {
            id: None,
            name: "x",
            role: 3,
            pin: Some("4321"),
            kkm_ids: &[],
            extra: None,
        });
        assert!(matches!(dup, Err(StoreError::PinInUse)));
        // Updating keeps the PIN unless given; bindings are replaced.
        s.save_operator(&OperatorInput {
            id: Some(cashier),
            name: "Айгүл С.",
            role: 2,
            pin: None,
            kkm_ids: &[7000],
            extra: None,
        })
        .unwrap();
        let row = s.operator_by_pin("4321").unwrap().unwrap();
        assert_eq!(
            (row.name.as_str(), row.role, row.kkm_ids.clone()),
            ("Айгүл С.", 2, vec![7000])
        );

        // No PIN in clear anywhere in the table.
        let leaked: i64 = s
            .conn()
            .query_row("SELECT COUNT(*) FROM operator WHERE pin_hash LIKE '%4321%' OR CAST(pin_fingerprint AS TEXT) LIKE '%4321%'", [], |r| r.get(0))
            .unwrap();
        assert_eq!(leaked, 0);

        s.delete_operator(cashier).unwrap();
        assert_eq!(s.operator_by_pin("4321").unwrap(), None);
        assert!(matches!(
            s.delete_operator(cashier),
            Err(StoreError::UnknownOperator(_))
        ));
        assert_eq!(s.operators().unwrap().len(), 1);
    }

    #[test]
    fn a_store_opened_with_another_key_cannot_find_pins() {
        let a = Store::open_in_memory(&StaticKey([1; 32])).unwrap();
        let b = Store::open_in_memory(&StaticKey([2; 32])).unwrap();
        assert_ne!(
            a.pin_fingerprint("0000").unwrap(),
            b.pin_fingerprint("0000").unwrap()
        );
    }
}
