//! kkm-core's documents, sent by kkm-ofd's client, accepted by the OFD emulator — and
//! the emulator's own Z-report (kept from what it received) equal to kkm-core's.
//!
//! Two independent accountings of one shift (the register's counters and the OFD's
//! books) must agree; a disagreement is a bug in one of them or in the wire mapping.

use std::time::Duration;

use kkm_core::{
    validate_trade_operation, Clock, CloseOptions, DocumentMeta, ManualClock, Money,
    MoneyPlacement, OperatorRef, ParentTicket, ReturnBasis, SaleContext, ShiftBook, Timestamp,
    TradeOperationRequest,
};
use kkm_ofd::{ClientConfig, Credentials, Endpoint, OfdClient};
use kkm_ofd_sim::{OfdSim, SimConfig};
use kkm_proto::cpcr::{CommandTypeEnum, Request, Response, ResultTypeEnum, ZxReport};

const KKM: u32 = 6923;
const SELLER_IIN: &str = "910812450255";

/// The seed's TradeOperation example (2 × tovar1 at 1000, item discount 50, receipt
/// discount 200, VAT 12% included, cash 1000 taken for 750 + card 1000).
const SEED_SALE: &str = r#"{"kkm_ofd_id": 6923, "operation": 2, "domain": {"type": 0},
  "items": [{"type": 1,
    "commodity": {"name": "tovar1", "section_code": "Отдел1", "quantity": 2,
      "price": 1000, "sum": 2000, "taxes": [], "excise_stamp": "excise_stamp_value",
      "measure_unit_code": "116"},
    "discount": {"name": "Скидка на позицию tovar1", "sum": 50}}],
  "payments": [{"type": 0, "sum": 1000}, {"type": 1, "sum": 1000}],
  "taxes": [{"taxation_type": 101, "percent": 12, "sum": 187.5, "is_in_total_sum": true}],
  "amounts": {"total": 1750, "taken": 0, "change": 0,
    "markup": {"name": "", "sum": 0}, "discount": {"name": "Сумма общей скидки", "sum": 200}},
  "customer_iin_or_bin": "123456789012"}"#;

/// A second sale: two sections, a markup, paid by mobile and cash with change.
const SECOND_SALE: &str = r#"{"kkm_ofd_id": 6923, "operation": 2, "domain": {"type": 0},
  "items": [
    {"type": 1, "commodity": {"name": "Нан", "section_code": "2", "quantity": 3,
      "price": 120.5, "sum": 361.5, "taxes": [{"percent": 12, "sum": 38.73, "is_in_total_sum": true}],
      "measure_unit_code": "796"}},
    {"type": 1, "commodity": {"name": "Сүт", "section_code": "1", "quantity": 1.5,
      "price": 400, "sum": 600, "taxes": [{"percent": 12, "sum": 64.29, "is_in_total_sum": true}],
      "measure_unit_code": "112"},
     "markup": {"name": "наценка", "sum": 10}}],
  "payments": [{"type": 4, "sum": 500}, {"type": 0, "sum": 1000}],
  "amounts": {"total": 971.5, "taken": 1000, "change": 528.5}}"#;

/// A return of one tovar1 of the seed sale.
fn seed_return(fiscal_id: &str) -> String {
    format!(
        r#"{{"kkm_ofd_id": 6923, "operation": 3, "domain": {{"type": 0}},
  "items": [{{"type": 1,
    "commodity": {{"name": "tovar1", "section_code": "Отдел1", "quantity": 1,
      "price": 1000, "sum": 1000, "taxes": [], "excise_stamp": "excise_stamp_value",
      "measure_unit_code": "116"}}}}],
  "payments": [{{"type": 0, "sum": 875}}],
  "amounts": {{"total": 875, "discount": {{"name": "доля скидки", "sum": 125}}}},
  "parent_ticket": {{"fiscal_id": "{fiscal_id}"}}}}"#
    )
}

struct Kkm {
    client: OfdClient,
    token: u32,
    reqnum: u16,
    clock: ManualClock,
    book: ShiftBook,
}

impl Kkm {
    async fn send(&mut self, request: Request) -> Response {
        self.reqnum += 1;
        let creds = Credentials {
            kkm_id: KKM,
            token: self.token,
            reqnum: self.reqnum,
        };
        let answer = self
            .client
            .exchange(creds, &request)
            .await
            .expect("an answer");
        self.token = answer.header.token;
        assert_eq!(
            answer.message.result.result_code,
            ResultTypeEnum::ResultTypeOk as u32,
            "{:?}",
            answer.message.result
        );
        answer.message
    }

    fn meta(&self, shift_number: u32) -> DocumentMeta {
        DocumentMeta {
            date_time: self.clock.now(),
            operator: OperatorRef {
                code: 1,
                name: Some("Кассир".into()),
            },
            shift_number,
            ..Default::default()
        }
    }

    /// Validates, counts and sends a receipt; returns the fiscal sign and the receipt.
    async fn sell(
        &mut self,
        body: &str,
        basis: Option<&ReturnBasis>,
    ) -> (String, kkm_core::Receipt) {
        let request: TradeOperationRequest = serde_json::from_str(body).expect("JSON");
        let receipt = validate_trade_operation(
            &request,
            &SaleContext {
                seller_iin_or_bin: Some(SELLER_IIN),
                return_basis: basis,
            },
        )
        .expect("a valid receipt");
        let stamp = self
            .book
            .register_receipt(&receipt, false, &self.clock)
            .expect("counted");
        let ticket = receipt.to_ticket_request(&self.meta(stamp.shift_number));
        let answer = self
            .send(Request {
                command: CommandTypeEnum::CommandTicket as i32,
                ticket: Some(ticket),
                ..Default::default()
            })
            .await;
        (answer.ticket.expect("a fiscal sign").ticket_number, receipt)
    }

    async fn place(&mut self, placement: MoneyPlacement) {
        let stamp = self
            .book
            .register_placement(&placement, false, &self.clock)
            .expect("counted");
        let request = placement.to_cpcr(&self.meta(stamp.shift_number));
        self.send(Request {
            command: CommandTypeEnum::CommandMoneyPlacement as i32,
            money_placement: Some(request),
            ..Default::default()
        })
        .await;
    }

    fn tick(&self, secs: i64) {
        self.clock.advance(secs);
    }
}

/// Field-by-field comparison of the two Z-reports, ignoring what only one side can know
/// (the report's own time stamp and the register's checksum).
fn assert_same_totals(ofd: &ZxReport, ours: &ZxReport) {
    let mut a = ofd.clone();
    let mut b = ours.clone();
    for z in [&mut a, &mut b] {
        z.date_time = Default::default();
        z.checksum = None;
        z.sections
            .sort_by(|x, y| x.section_code.cmp(&y.section_code));
        for list in [
            &mut z.operations,
            &mut z.discounts,
            &mut z.markups,
            &mut z.total_result,
        ] {
            list.sort_by_key(|o| o.operation);
        }
        for s in &mut z.sections {
            s.operations.retain(|o| o.count > 0);
            s.operations.sort_by_key(|o| o.operation);
        }
        for t in &mut z.taxes {
            t.operations
                .retain(|o| o.turnover != Default::default() || o.sum != Default::default());
            t.operations.sort_by_key(|o| o.operation);
        }
        z.start_shift_non_nullable_sums.sort_by_key(|n| n.operation);
        z.non_nullable_sums.sort_by_key(|n| n.operation);
        z.ticket_operations.sort_by_key(|t| t.operation);
        z.money_placements.sort_by_key(|m| m.operation);
        z.taxes.sort_by_key(|t| t.percent);
        for t in &mut z.ticket_operations {
            t.payments.retain(|p| p.count.unwrap_or(0) > 0);
            t.payments.sort_by_key(|p| p.payment);
        }
    }
    macro_rules! same {
        ($($field:ident),*) => {$(
            assert_eq!(a.$field, b.$field, concat!("ZXReport.", stringify!($field), " differs"));
        )*};
    }
    same!(
        shift_number,
        operations,
        discounts,
        markups,
        total_result,
        sections,
        taxes,
        start_shift_non_nullable_sums,
        ticket_operations,
        money_placements,
        cash_sum,
        revenue,
        non_nullable_sums,
        open_shift_time,
        close_shift_time
    );
}

#[tokio::test]
async fn a_shift_of_core_documents_is_accepted_and_both_z_reports_agree() {
    let sim = OfdSim::start(
        SimConfig::with_kkms([(KKM, 5)]),
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap();
    let mut config = ClientConfig::new(Endpoint::plain("127.0.0.1", sim.addr().port()));
    config.budget = Duration::from_secs(3);
    let mut kkm = Kkm {
        client: OfdClient::new(config).unwrap(),
        token: 5,
        reqnum: 0,
        clock: ManualClock::new(Timestamp::from_secs(1_795_428_000)),
        book: ShiftBook::new(),
    };

    kkm.place(MoneyPlacement::deposit(Money::from_tiyn(1_000_000)))
        .await;
    kkm.tick(60);
    let (sign, sale) = kkm.sell(SEED_SALE, None).await;
    assert_eq!(sale.total, Money::from_tiyn(175_000));
    kkm.tick(60);
    kkm.sell(SECOND_SALE, None).await;
    kkm.tick(60);
    let basis = ReturnBasis::new(
        ParentTicket {
            fiscal_id: sign.clone(),
            date_time: Timestamp::from_secs(1_795_428_060),
            kgd_kkm_id: "010100134464".into(),
            total: sale.total,
            is_offline: false,
        },
        &sale,
    );
    kkm.sell(&seed_return(&sign), Some(&basis)).await;
    kkm.tick(60);
    kkm.place(MoneyPlacement::withdrawal(Money::from_tiyn(50_000)))
        .await;
    kkm.tick(3600);

    let closure = kkm
        .book
        .close_shift(&kkm.clock, CloseOptions::default())
        .expect("Z");
    let ours = closure.report.to_cpcr();
    let close = closure.to_cpcr(&kkm.meta(ours.shift_number));
    let answer = kkm
        .send(Request {
            command: CommandTypeEnum::CommandCloseShift as i32,
            close_shift: Some(close),
            ..Default::default()
        })
        .await;
    let ofd_z = answer
        .report
        .and_then(|r| r.zx_report)
        .expect("the OFD's Z");
    assert_same_totals(&ofd_z, &ours);
    assert_eq!(sim.books(KKM).unwrap().accepted.len(), 6);
    sim.shutdown().await;
}
