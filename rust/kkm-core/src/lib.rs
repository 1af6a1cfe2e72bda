//! # kkm-core — the fiscal domain of the register
//!
//! Owns the rules of a Kazakh fiscal cash register (ККМ) and nothing else: money in
//! integer tiyn, quantities and tax percents in thousandths, the receipt model
//! (TradeOperation: BUY, BUY_RETURN, SELL, SELL_RETURN) and its validation with the
//! E-Kassa seed's error codes, tax computation with one rounding rule, returns against
//! the original receipt, money placements, operator roles, the shift state machine
//! (auto-open, 24-hour limit, close = Z) and the incremental counters from which X and Z
//! reports (the CPCR `ZXReport`) are built in O(1).
//!
//! It is pure: no I/O, no clock of its own (time is injected through a `Clock`), no
//! tokio. Everything above it (store, OFD client, register, daemon, FFI) calls it; it
//! calls nothing of ours.
#![forbid(unsafe_code)]
