//! # kkm-daemon — the desktop daemon
//!
//! Owns the E-Kassa CashCore compatible HTTP JSON API (protocol 2.0.2, core 1.8.107) on
//! `127.0.0.1:8080`, its OpenAPI document, the command line (`serve`, `demo`, `verify`,
//! `export`) and service installation (systemd unit, Windows service). It is a thin
//! adapter: every request is mapped onto `kkm-register`, every error onto the seed's
//! `response_code`.
#![forbid(unsafe_code)]
