//! The emulator's books on disk, written in time that does not grow with its history.
//!
//! The books were one JSON file rewritten after every request: with every accepted
//! document in it, a demo daemon that had taken 10,000 receipts spent most of each new
//! one re-serialising the others. Now the state directory holds:
//!
//! * `ofd-sim-state.json`, rewritten atomically (temporary file, rename) after each
//!   request: `{"format": 2, "ledger": …, "history": {kkm: n}}` — the books without the
//!   accepted documents, and how many of each KKM's documents they count;
//! * `ofd-sim-accepted.jsonl`, appended to: one line per accepted document,
//!   `{"kkm_id": …, "document": …}`, in acceptance order.
//!
//! Loading takes each KKM's first `n` lines and ignores the rest (a line appended by a
//! process that died before its state file was renamed, or half a line), then rewrites
//! the log without them. The ticket fingerprints are rebuilt from the tickets. A state
//! file of format 1 (the whole ledger, documents inline) still loads; its documents go
//! to the log at the first save.

use std::collections::BTreeMap;
use std::fs::OpenOptions;
use std::io::{self, BufRead, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::ledger::{AcceptedDocument, Ledger};

/// The state file, inside the state directory.
pub const STATE_FILE: &str = "ofd-sim-state.json";
/// The log of accepted documents, inside the state directory.
pub const LOG_FILE: &str = "ofd-sim-accepted.jsonl";
const FORMAT: u32 = 2;

#[derive(Serialize)]
struct SnapshotOut<'a> {
    format: u32,
    ledger: &'a Ledger,
    history: &'a BTreeMap<u32, usize>,
}

#[derive(Deserialize)]
struct SnapshotIn {
    format: u32,
    ledger: Ledger,
    history: BTreeMap<u32, usize>,
}

#[derive(Serialize)]
struct LineOut<'a> {
    kkm_id: u32,
    document: &'a AcceptedDocument,
}

#[derive(Deserialize)]
struct LineIn {
    kkm_id: u32,
    document: AcceptedDocument,
}

/// Where the books are kept and how much of them the log already holds.
#[derive(Debug)]
pub(crate) struct Books {
    state: PathBuf,
    log: PathBuf,
    /// Per KKM: the documents already in the log.
    logged: BTreeMap<u32, usize>,
    /// The log must be rewritten whole at the next save (it holds lines the books do
    /// not count, or an append failed halfway).
    rewrite: bool,
}

fn invalid(path: &Path, what: impl std::fmt::Display) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("{}: {what}", path.display()),
    )
}

impl Books {
    /// Reads the books kept in `dir` (creating the directory), or `None` when there are
    /// none yet.
    pub(crate) fn load(dir: &Path) -> io::Result<(Option<Ledger>, Books)> {
        std::fs::create_dir_all(dir)?;
        let mut books = Books {
            state: dir.join(STATE_FILE),
            log: dir.join(LOG_FILE),
            logged: BTreeMap::new(),
            rewrite: true,
        };
        let bytes = match std::fs::read(&books.state) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok((None, books)),
            Err(e) => return Err(e),
        };
        let Ok(snapshot) = serde_json::from_slice::<SnapshotIn>(&bytes) else {
            // Format 1: the whole ledger, its documents inline.
            let ledger =
                serde_json::from_slice::<Ledger>(&bytes).map_err(|e| invalid(&books.state, e))?;
            return Ok((Some(ledger), books));
        };
        if snapshot.format != FORMAT {
            return Err(invalid(
                &books.state,
                format!(
                    "format {} (this emulator reads 1 and {FORMAT})",
                    snapshot.format
                ),
            ));
        }
        let mut ledger = snapshot.ledger;
        let (counted, extra) = books.read_log(&mut ledger, &snapshot.history)?;
        for (kkm_id, &n) in &snapshot.history {
            if counted.get(kkm_id).copied().unwrap_or(0) < n {
                return Err(invalid(
                    &books.log,
                    format!("holds fewer documents of KKM {kkm_id} than the books count ({n})"),
                ));
            }
        }
        ledger.rebuild_fingerprints();
        books.logged = counted;
        books.rewrite = extra;
        Ok((Some(ledger), books))
    }

    /// Appends to each KKM's accepted documents its first `history` lines of the log.
    /// Returns the documents taken per KKM and whether the log held anything else.
    fn read_log(
        &self,
        ledger: &mut Ledger,
        history: &BTreeMap<u32, usize>,
    ) -> io::Result<(BTreeMap<u32, usize>, bool)> {
        let mut counted: BTreeMap<u32, usize> = BTreeMap::new();
        let file = match std::fs::File::open(&self.log) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok((counted, false)),
            Err(e) => return Err(e),
        };
        let mut extra = false;
        for line in io::BufReader::new(file).split(b'\n') {
            let line = line?;
            let Ok(LineIn { kkm_id, document }) = serde_json::from_slice::<LineIn>(&line) else {
                // Half a line: an append cut short. Nothing after it was counted.
                extra = true;
                break;
            };
            let n = counted.entry(kkm_id).or_insert(0);
            match (history.get(&kkm_id), ledger.kkms.get_mut(&kkm_id)) {
                (Some(&wanted), Some(kkm)) if *n < wanted => {
                    kkm.accepted.push(document);
                    *n += 1;
                }
                _ => extra = true,
            }
        }
        Ok((counted, extra))
    }

    /// Saves `ledger`: its new accepted documents appended to the log, then the rest
    /// of the books in the state file (atomically).
    pub(crate) fn save(&mut self, ledger: &mut Ledger) -> io::Result<()> {
        if self.rewrite {
            self.rewrite_log(ledger)?;
        } else {
            self.append_log(ledger)?;
        }
        let history = &self.logged;
        let json = ledger
            .with_history_apart(|books| {
                serde_json::to_vec(&SnapshotOut {
                    format: FORMAT,
                    ledger: books,
                    history,
                })
            })
            .map_err(io::Error::other)?;
        let tmp = self.state.with_extension("json.tmp");
        std::fs::write(&tmp, json)?;
        std::fs::rename(&tmp, &self.state)
    }

    fn lines(ledger: &Ledger, from: &BTreeMap<u32, usize>) -> io::Result<Vec<u8>> {
        let mut out = Vec::new();
        for (&kkm_id, kkm) in &ledger.kkms {
            let start = from.get(&kkm_id).copied().unwrap_or(0);
            for document in kkm.accepted.iter().skip(start) {
                serde_json::to_writer(&mut out, &LineOut { kkm_id, document })
                    .map_err(io::Error::other)?;
                out.push(b'\n');
            }
        }
        Ok(out)
    }

    fn counts(ledger: &Ledger) -> BTreeMap<u32, usize> {
        ledger
            .kkms
            .iter()
            .map(|(&id, k)| (id, k.accepted.len()))
            .collect()
    }

    fn append_log(&mut self, ledger: &Ledger) -> io::Result<()> {
        let lines = Books::lines(ledger, &self.logged)?;
        if lines.is_empty() {
            return Ok(());
        }
        let appended = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .and_then(|mut f| f.write_all(&lines));
        if let Err(e) = appended {
            // The log may end in half a line now: write it whole next time.
            self.rewrite = true;
            return Err(e);
        }
        self.logged = Books::counts(ledger);
        Ok(())
    }

    fn rewrite_log(&mut self, ledger: &Ledger) -> io::Result<()> {
        let lines = Books::lines(ledger, &BTreeMap::new())?;
        let tmp = self.log.with_extension("jsonl.tmp");
        std::fs::write(&tmp, lines)?;
        std::fs::rename(&tmp, &self.log)?;
        self.logged = Books::counts(ledger);
        self.rewrite = false;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::KkmProfile;
    use crate::TokenPolicy;

    fn dir(name: &str) -> PathBuf {
        let d =
            std::env::temp_dir().join(format!("kkm-ofd-sim-books-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        d
    }

    fn document(n: u32) -> AcceptedDocument {
        AcceptedDocument {
            command: 1,
            fiscal_sign: Some(format!("{n}")),
            offline_number: None,
            reqnum: n as u16,
            shift_number: 1,
            sum: u64::from(n) * 100,
            ticket: None,
        }
    }

    fn ledger() -> Ledger {
        Ledger::new(
            [KkmProfile::new(1, 10), KkmProfile::new(2, 20)],
            TokenPolicy::default(),
        )
    }

    #[test]
    fn each_save_appends_only_the_new_documents_and_loads_back_the_same_books() {
        let d = dir("append");
        let (none, mut books) = Books::load(&d).unwrap();
        assert!(none.is_none());
        let mut l = ledger();
        for n in 1..=3 {
            l.kkms
                .get_mut(&(n % 2 + 1))
                .unwrap()
                .accepted
                .push(document(n));
            l.next_fiscal_sign += 1;
            books.save(&mut l).unwrap();
        }
        let log = std::fs::read_to_string(d.join(LOG_FILE)).unwrap();
        assert_eq!(log.lines().count(), 3, "one line per document, none twice");
        let state = std::fs::read_to_string(d.join(STATE_FILE)).unwrap();
        assert!(
            state.contains(r#""accepted":[]"#),
            "no document in the state file"
        );
        let (back, _) = Books::load(&d).unwrap();
        let back = back.unwrap();
        assert_eq!(back.next_fiscal_sign, l.next_fiscal_sign);
        for id in [1, 2] {
            assert_eq!(back.kkms[&id].accepted, l.kkms[&id].accepted);
        }
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn lines_the_books_do_not_count_are_dropped_and_a_short_log_is_refused() {
        let d = dir("extra");
        let (_, mut books) = Books::load(&d).unwrap();
        let mut l = ledger();
        l.kkms.get_mut(&1).unwrap().accepted.push(document(1));
        books.save(&mut l).unwrap();
        // A process appended a document and half a line, then died before its state
        // file was renamed.
        let mut f = OpenOptions::new()
            .append(true)
            .open(d.join(LOG_FILE))
            .unwrap();
        f.write_all(br#"{"kkm_id":1,"document":{"command":1,"fiscal_sign":"2","offline_number":null,"reqnum":2,"shift_number":1,"sum":200,"ticket":null}}"#).unwrap();
        f.write_all(b"\n{\"kkm_id\":2,\"docu").unwrap();
        drop(f);
        let (back, mut books) = Books::load(&d).unwrap();
        let mut back = back.unwrap();
        assert_eq!(back.kkms[&1].accepted, vec![document(1)]);
        assert!(back.kkms[&2].accepted.is_empty());
        back.kkms.get_mut(&2).unwrap().accepted.push(document(3));
        books.save(&mut back).unwrap();
        let log = std::fs::read_to_string(d.join(LOG_FILE)).unwrap();
        assert_eq!(log.lines().count(), 2, "{log}");
        // The log lost lines the books count: refused, not silently shorter.
        std::fs::write(d.join(LOG_FILE), "").unwrap();
        let err = Books::load(&d).unwrap_err();
        assert!(err.to_string().contains("fewer documents"), "{err}");
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn a_state_file_of_format_1_loads_and_moves_its_documents_to_the_log() {
        let d = dir("v1");
        std::fs::create_dir_all(&d).unwrap();
        let mut l = ledger();
        l.kkms.get_mut(&2).unwrap().accepted.push(document(7));
        std::fs::write(d.join(STATE_FILE), serde_json::to_vec(&l).unwrap()).unwrap();
        let (back, mut books) = Books::load(&d).unwrap();
        let mut back = back.unwrap();
        assert_eq!(back.kkms[&2].accepted, vec![document(7)]);
        books.save(&mut back).unwrap();
        let (again, _) = Books::load(&d).unwrap();
        assert_eq!(again.unwrap().kkms[&2].accepted, vec![document(7)]);
        let _ = std::fs::remove_dir_all(&d);
    }
}
