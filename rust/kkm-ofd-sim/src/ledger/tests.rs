use super::*;
use kkm_proto::cpcr::{
    nomenclature_response::NomenclatureResultTypeEnum, ticket_request,
    ticket_request::ExtensionOptions, AuthRequest, NomenclatureRequest, TicketRequest,
};
use kkm_proto::fixtures;
use kkm_proto::frame::PROTOCOL_VERSION;

const T0: i64 = 1_795_428_000;

struct Fixture {
    ledger: Ledger,
    reqnum: u16,
}

impl Fixture {
    fn new() -> Self {
        Fixture {
            ledger: Ledger::new([KkmProfile::new(6923, 5)], TokenPolicy::default()),
            reqnum: 0,
        }
    }

    fn send(&mut self, request: Request) -> Response {
        self.reqnum += 1;
        let header = FrameHeader {
            version: PROTOCOL_VERSION,
            kkm_id: 6923,
            token: self.ledger.kkms[&6923].token,
            reqnum: self.reqnum,
        };
        self.ledger.handle(header, &request, T0).1
    }

    fn code(&mut self, request: Request) -> u32 {
        self.send(request).result.result_code
    }
}

fn sale(at: i64) -> Request {
    fixtures::sale_request(2, DateTime::from_unix_seconds(at))
}

fn with_ticket(f: impl FnOnce(&mut TicketRequest)) -> Request {
    let mut r = sale(T0);
    if let Some(t) = r.ticket.as_mut() {
        f(t);
    }
    r
}

const OK: u32 = ResultTypeEnum::ResultTypeOk as u32;
const BAD_DATA: u32 = ResultTypeEnum::ResultTypeIncorrectRequestData as u32;

#[test]
fn inconsistent_receipts_are_refused_with_13() {
    let mut f = Fixture::new();
    let cases = [
        with_ticket(|t| t.amounts.total = Money::from_tiyn(1)),
        with_ticket(|t| t.payments.pop().map(drop).unwrap_or(())),
        with_ticket(|t| t.items.clear()),
        with_ticket(|t| t.operation = 9),
        with_ticket(|t| t.operation = OperationTypeEnum::OperationSellReturn as i32),
        with_ticket(|t| t.date_time.date.month = 13),
        with_ticket(|t| t.payments[0].sum.coins = 100),
        with_ticket(|t| t.payments[0].r#type = 2),
        with_ticket(|t| {
            if let Some(c) = t.items[0].commodity.as_mut() {
                c.section_code.clear();
            }
        }),
        with_ticket(|t| t.items[0].commodity = None),
    ];
    for (i, request) in cases.into_iter().enumerate() {
        assert_eq!(f.code(request), BAD_DATA, "case {i}");
    }
    assert!(
        f.ledger.kkms[&6923].accepted.is_empty(),
        "nothing was booked"
    );
}

#[test]
fn customer_with_the_sellers_iin_gets_17() {
    let mut f = Fixture::new();
    let r = with_ticket(|t| {
        t.extension_options = Some(ExtensionOptions {
            customer_iin_or_bin: Some("910812450255".into()),
            ..Default::default()
        })
    });
    assert_eq!(
        f.code(r),
        ResultTypeEnum::ResultTypeSameTaxpayerAndCustomer as u32
    );
}

#[test]
fn unknown_and_unsupported_commands() {
    let mut f = Fixture::new();
    let r = |command| Request {
        command,
        ..Default::default()
    };
    assert_eq!(
        f.code(r(42)),
        ResultTypeEnum::ResultTypeUnknownCommand as u32
    );
    assert_eq!(
        f.code(r(127)),
        ResultTypeEnum::ResultTypeUnsupportedCommand as u32
    );
    assert_eq!(f.code(r(1)), ResultTypeEnum::ResultTypeProtocolError as u32);
}

#[test]
fn offline_documents_past_24_hours_are_accepted_online_ones_are_not() {
    let mut f = Fixture::new();
    assert_eq!(f.code(sale(T0)), OK);
    let late = T0 + 30 * 3600;
    assert_eq!(
        f.code(sale(late)),
        ResultTypeEnum::ResultTypeOpenShiftTimeoutExpired as u32
    );
    let mut offline = sale(late + 1);
    if let Some(t) = offline.ticket.as_mut() {
        t.offline_ticket_number = Some(1234);
    }
    assert_eq!(f.code(offline), OK);
    let shift = f.ledger.kkms[&6923].shift.clone().unwrap();
    assert_eq!(shift.tickets[2].offline_count, 1);
    assert_eq!(shift.tickets[2].tickets.count, 2);
}

#[test]
fn the_same_receipt_sent_twice_as_new_requests_is_counted_as_a_duplicate() {
    let mut f = Fixture::new();
    assert_eq!(f.code(sale(T0)), OK);
    let mut again = sale(T0);
    if let Some(t) = again.ticket.as_mut() {
        t.offline_ticket_number = Some(77);
    }
    assert_eq!(f.code(again), OK);
    assert_eq!(f.ledger.kkms[&6923].duplicates, 1);
}

#[test]
fn revenue_and_cash_follow_returns() {
    let mut f = Fixture::new();
    assert_eq!(f.code(sale(T0)), OK);
    let sold = f.ledger.kkms[&6923].shift.as_ref().unwrap().total_result[2].sum;
    let mut ret = fixtures::sale_request(3, DateTime::from_unix_seconds(T0 + 5));
    if let Some(t) = ret.ticket.as_mut() {
        t.operation = OperationTypeEnum::OperationSellReturn as i32;
        t.parent_ticket = Some(ticket_request::ParentTicket {
            parent_ticket_number: "1000000001".into(),
            parent_ticket_data_time: DateTime::from_unix_seconds(T0),
            kgd_kkm_id: "010100134464".into(),
            parent_ticket_total: Money::from_tiyn(sold),
            parent_ticket_is_offline: false,
        });
    }
    let returned = ret
        .ticket
        .as_ref()
        .unwrap()
        .amounts
        .total
        .to_tiyn()
        .unwrap();
    assert_eq!(f.code(ret), OK);
    let z = zx(&f.ledger.kkms[&6923], T0, None);
    assert!(returned > sold);
    assert!(z.revenue.is_negative);
    assert_eq!(z.revenue.sum.to_tiyn(), Some(returned - sold));
    assert_eq!(z.non_nullable_sums[3].sum.to_tiyn(), Some(returned));
}

#[test]
fn nomenclature_and_auth() {
    let mut f = Fixture::new();
    let nomenclature = |barcode: Option<&str>, current_version| Request {
        command: CommandTypeEnum::CommandNomenclature as i32,
        nomenclature: Some(NomenclatureRequest {
            current_version,
            barcode: barcode.map(str::to_string),
        }),
        ..Default::default()
    };
    let all = f.send(nomenclature(None, None)).nomenclature.unwrap();
    assert_eq!(all.elements.len(), 3);
    let actual = f
        .send(nomenclature(None, Some(all.version)))
        .nomenclature
        .unwrap();
    assert_eq!(
        actual.result,
        NomenclatureResultTypeEnum::ResultTypeVersionIsActual as i32
    );
    let one = f
        .send(nomenclature(Some("4870000000035"), None))
        .nomenclature
        .unwrap();
    assert_eq!(one.elements.len(), 1);
    assert_eq!(
        one.elements[0].item.as_ref().unwrap().is_markedeac,
        Some(true)
    );
    let none = f.send(nomenclature(Some("1"), None)).nomenclature.unwrap();
    assert_eq!(
        none.result,
        NomenclatureResultTypeEnum::ResultTypeElementNotFoundByBarcode as i32
    );

    let auth = |password: &str| Request {
        command: CommandTypeEnum::CommandAuth as i32,
        auth: Some(AuthRequest {
            login: "admin".into(),
            password: password.into(),
        }),
        ..Default::default()
    };
    let good = f.send(auth("0000")).auth.unwrap();
    assert_eq!(
        good.result,
        auth_response::ResultTypeEnum::ResultTypeOk as i32
    );
    assert_eq!(good.roles, vec![3]);
    let bad = f.send(auth("1111")).auth.unwrap();
    assert_eq!(
        bad.result,
        auth_response::ResultTypeEnum::ResultTypeInvalidLoginPassword as i32
    );
}

#[test]
fn books_roundtrip_through_json() {
    let mut f = Fixture::new();
    assert_eq!(f.code(sale(T0)), OK);
    let json = serde_json::to_string(&f.ledger).unwrap();
    let back: Ledger = serde_json::from_str(&json).unwrap();
    assert_eq!(
        back.kkms[&6923].fingerprints,
        f.ledger.kkms[&6923].fingerprints
    );
    assert_eq!(back.kkms[&6923].accepted, f.ledger.kkms[&6923].accepted);
    assert_eq!(back.kkms[&6923].shift, f.ledger.kkms[&6923].shift);
    assert_eq!(back.next_fiscal_sign, f.ledger.next_fiscal_sign);
}
