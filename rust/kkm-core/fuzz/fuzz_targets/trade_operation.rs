//! The daemon's path for a TradeOperation body, minus the sockets: arbitrary bytes →
//! JSON request → validation → counters → CPCR ticket → frame bytes. Every step may
//! refuse (that is the expected outcome for garbage); none may panic or overflow.
#![no_main]

use kkm_core::{
    validate_trade_operation, CloseOptions, DocumentMeta, ManualClock, MoneyPlacement,
    MoneyPlacementRequest, SaleContext, ShiftBook, Timestamp, TradeOperationRequest,
};
use kkm_proto::cpcr::{CommandTypeEnum, Request};
use kkm_proto::frame::{self, Frame, FrameHeader};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let clock = ManualClock::new(Timestamp::from_secs(1_795_428_000));
    let mut book = ShiftBook::new();
    if let Ok(request) = serde_json::from_slice::<MoneyPlacementRequest>(data) {
        if let Ok(placement) = MoneyPlacement::from_request(&request) {
            let _ = book.register_placement(&placement, false, &clock);
        }
    }
    let Ok(request) = serde_json::from_slice::<TradeOperationRequest>(data) else { return };
    let context = SaleContext {
        seller_iin_or_bin: Some("910812450255"),
        return_basis: None,
    };
    let Ok(receipt) = validate_trade_operation(&request, &context) else { return };
    let Ok(stamp) = book.register_receipt(&receipt, false, &clock) else { return };
    let meta = DocumentMeta {
        date_time: kkm_core::Clock::now(&clock),
        shift_number: stamp.shift_number,
        ..Default::default()
    };
    let ticket = receipt.to_ticket_request(&meta);
    let bytes = frame::encode_to_vec(&Frame::new(
        FrameHeader::default(),
        Request {
            command: CommandTypeEnum::CommandTicket as i32,
            ticket: Some(ticket),
            ..Default::default()
        },
    ));
    if let Ok(bytes) = bytes {
        let _ = frame::decode_frame::<Request>(&bytes);
    }
    let _ = book.x_report(&clock);
    let _ = book.close_shift(&clock, CloseOptions::default());
});
