//! A line-based control port, so a test or a person can inject faults into an emulator
//! running in another process (`nc 127.0.0.1 PORT`). One command per line; the answer
//! is one line starting with `ok` or `error`.
//!
//! ```text
//! fault delay 6000                  every request answered after 6 s, until cleared
//! fault drop-after-process times 1  the next request is fiscalized, its answer lost
//! fault result 15 kkm 6923          KKM 6923 gets BLOCKED until cleared
//! fault none                        back to normal
//! rotate 6923                       next fiscal answer to 6923 changes the token
//! block 6923 / unblock 6923         server-side block
//! register 7001 555 [ISCR…]         the portal registers KKM 7001, token 555 (and its ЗНМ)
//! token 7001 556                    the portal issues KKM 7001 a new token
//! status                            ok [{"kkm_id":6923,"token":…}, …]
//! ```

use std::io;
use std::net::SocketAddr;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tracing::{debug, info};

use crate::fault::{Fault, FaultPlan};
use crate::server::SimHandle;

/// Parses `fault …` arguments: a fault text, then optional `times N` and `kkm ID`.
pub fn parse_fault_command(args: &str) -> Result<FaultPlan, String> {
    let words: Vec<&str> = args.split_whitespace().collect();
    let split = words
        .iter()
        .position(|w| *w == "times" || *w == "kkm")
        .unwrap_or(words.len());
    let fault: Fault = words[..split].join(" ").parse()?;
    let mut plan = FaultPlan::always(fault);
    let mut rest = words[split..].iter();
    while let Some(key) = rest.next() {
        let value = rest.next().ok_or_else(|| format!("{key} needs a number"))?;
        let n: u32 = value
            .parse()
            .map_err(|e| format!("bad {key} {value:?}: {e}"))?;
        match *key {
            "times" => plan.remaining = Some(n),
            "kkm" => plan.kkm_id = Some(n),
            other => return Err(format!("unknown option {other:?}")),
        }
    }
    Ok(plan)
}

/// `ID TOKEN [WORD]`.
fn numbers(args: &str) -> Result<(u32, u32, Option<&str>), String> {
    let mut words = args.split_whitespace();
    let mut number = |what: &str| -> Result<u32, String> {
        let w = words.next().ok_or_else(|| format!("expected {what}"))?;
        w.parse().map_err(|e| format!("bad {what} {w:?}: {e}"))
    };
    let id = number("a KKM id")?;
    let token = number("a token")?;
    Ok((id, token, words.next()))
}

fn kkm_arg(args: &str) -> Result<u32, String> {
    args.trim()
        .parse()
        .map_err(|e| format!("bad KKM id {args:?}: {e}"))
}

/// Executes one control line; returns the answer line (without newline).
pub fn execute(sim: &SimHandle, line: &str) -> String {
    let line = line.trim();
    let (cmd, args) = line.split_once(' ').unwrap_or((line, ""));
    let found = |ok: bool| {
        if ok {
            "ok".to_string()
        } else {
            "error unknown KKM".to_string()
        }
    };
    let result = match cmd {
        "fault" => parse_fault_command(args).map(|plan| {
            sim.set_fault(plan);
            "ok".to_string()
        }),
        "rotate" => kkm_arg(args).map(|id| found(sim.rotate_token(id))),
        "block" => kkm_arg(args).map(|id| found(sim.set_blocked(id, true))),
        "register" => numbers(args).and_then(|(id, token, znm)| {
            if sim.register_kkm(id, token, znm) {
                Ok("ok".to_string())
            } else {
                Err(format!("KKM {id} is already registered"))
            }
        }),
        "token" => numbers(args).map(|(id, token, _)| found(sim.set_token(id, token))),
        "unblock" => kkm_arg(args).map(|id| found(sim.set_blocked(id, false))),
        "status" => serde_json::to_string(&sim.status())
            .map(|json| format!("ok {json}"))
            .map_err(|e| e.to_string()),
        "" => Err("empty command".to_string()),
        other => Err(format!("unknown command {other:?}")),
    };
    result.unwrap_or_else(|e| format!("error {e}"))
}

pub(crate) async fn start(
    sim: SimHandle,
    listen: SocketAddr,
    cancel: CancellationToken,
) -> io::Result<SocketAddr> {
    let listener = TcpListener::bind(listen).await?;
    let addr = listener.local_addr()?;
    info!(%addr, "control port listening");
    tokio::spawn(async move {
        loop {
            let accepted = tokio::select! {
                _ = cancel.cancelled() => return,
                a = listener.accept() => a,
            };
            let Ok((stream, peer)) = accepted else {
                continue;
            };
            let sim = sim.clone();
            tokio::spawn(async move {
                let (read, mut write) = stream.into_split();
                let mut lines = BufReader::new(read).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    let answer = execute(&sim, &line);
                    debug!(%peer, %line, %answer, "control");
                    if write
                        .write_all(format!("{answer}\n").as_bytes())
                        .await
                        .is_err()
                    {
                        return;
                    }
                }
            });
        }
    });
    Ok(addr)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn the_portal_registers_kkms_and_issues_tokens() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let sim = crate::OfdSim::start(
                crate::SimConfig::with_kkms([(6923, 1)]),
                "127.0.0.1:0".parse().unwrap(),
            )
            .await
            .unwrap();
            let h = sim.handle();
            assert_eq!(execute(&h, "register 7001 555 ISCR0000000000042"), "ok");
            assert!(execute(&h, "register 7001 1").starts_with("error"));
            assert_eq!(h.token(7001), Some(555));
            assert_eq!(
                h.books(7001).unwrap().profile.serial_number,
                "ISCR0000000000042"
            );
            assert_eq!(execute(&h, "token 7001 556"), "ok");
            assert_eq!(h.token(7001), Some(556));
            assert!(execute(&h, "token 9 1").starts_with("error"));
            assert!(execute(&h, "register x 1").starts_with("error"));
            sim.shutdown().await;
        });
    }

    #[test]
    fn fault_commands_parse() {
        let p = parse_fault_command("delay 6000 times 2 kkm 6923").unwrap();
        assert_eq!(p.fault, Fault::Delay(Duration::from_secs(6)));
        assert_eq!((p.remaining, p.kkm_id), (Some(2), Some(6923)));
        assert_eq!(parse_fault_command("none").unwrap(), FaultPlan::default());
        assert!(parse_fault_command("delay 1 times").is_err());
        assert!(parse_fault_command("delay 1 kkm x").is_err());
    }
}
