//! Behaviour of the API types beyond the seed's examples: the error envelope, strict
//! money and date parsing, the seed's alternative spellings, command-driven bodies and
//! the method table.

use kkm_core::CoreError;
use kkm_register::api::*;
use serde_json::json;

#[test]
fn error_envelope_from_code_and_from_core_error() {
    // CashCore's form: the text constant in `response_data`, the readable text beside it.
    let e = Envelope::error(ErrorCode::NotEnoughCash, "5.00 requested, 0.00 available");
    assert!(!e.is_ok());
    assert_eq!(
        serde_json::to_value(&e).unwrap(),
        json!({"response_code": 58, "response_data": "not_enough_cash",
               "message": "5.00 requested, 0.00 available"})
    );
    let core = CoreError::ItemsEmpty;
    let e = Envelope::from(&core);
    assert_eq!(e.response_code.code(), 45);
    assert_eq!(e.response_data, "items_list_is_empty");
    assert_eq!(e.message.as_deref(), Some(core.to_string().as_str()));
    // Reads back; a code outside the table is refused.
    let back: Envelope<String> = serde_json::from_value(serde_json::to_value(&e).unwrap()).unwrap();
    assert_eq!(back, e);
    assert!(serde_json::from_str::<Envelope<String>>(
        r#"{"response_code": 99, "response_data": "x"}"#
    )
    .is_err());
    // A success carries no `message`.
    assert_eq!(
        serde_json::to_value(Envelope::ok("ok")).unwrap(),
        json!({"response_code": 0, "response_data": "ok"})
    );
}

#[test]
fn http_status_follows_cashcore_classes() {
    for code in ErrorCode::ALL {
        let expected = match code.code() {
            0 => 200,
            2 | 11 | 15 | 17 | 61 => 400,
            71 | 72 | 74 | 75 => 401,
            5 => 403,
            3 => 404,
            _ => 500,
        };
        assert_eq!(http_status(*code), expected, "{code}");
    }
}

#[test]
fn money_in_tenge_is_exact_and_strict() {
    let kkm = |cash: &str| {
        serde_json::from_str::<KkmObject>(&format!(r#"{{"ofd_id": 1, "cash_sum": {cash}}}"#))
    };
    assert_eq!(kkm("0.1").unwrap().cash_sum, Some(Money::from_tiyn(10)));
    assert_eq!(
        kkm("-12.5").unwrap().cash_sum,
        Some(Money::from_tiyn(-1250))
    );
    assert!(kkm("0.001").is_err(), "3 decimals");
    assert!(kkm("\"12\"").is_err(), "a string");
    assert!(kkm("1e400").is_err(), "out of range");
    let k = kkm("0.1").unwrap();
    assert_eq!(serde_json::to_value(&k).unwrap()["cash_sum"], json!(0.1));
    let sums = NonNullableSums([
        Money::from_tiyn(100),
        Money::ZERO,
        Money::from_tiyn(5),
        Money::ZERO,
    ]);
    assert_eq!(serde_json::to_value(sums).unwrap(), json!([1, 0, 0.05, 0]));
    assert!(serde_json::from_str::<NonNullableSums>("[1, 2, 3, 4, 5]").is_err());
}

#[test]
fn date_time_strings() {
    let ok = |s: &str| s.parse::<ApiDateTime>().map(|d| d.to_string());
    assert_eq!(
        ok("2024-02-29T23:59:59.999").as_deref(),
        Ok("2024-02-29T23:59:59.999")
    );
    assert_eq!(
        ok("2022-02-24 17:46:52").as_deref(),
        Ok("2022-02-24T17:46:52.000")
    );
    assert_eq!(
        ok("2022-02-24T17:46:52.5").as_deref(),
        Ok("2022-02-24T17:46:52.500")
    );
    assert_eq!(
        ok("2022-02-24T17:46:52.0831234").as_deref(),
        Ok("2022-02-24T17:46:52.083")
    );
    for bad in [
        "",
        "2023-02-29T00:00:00.000",
        "2022-13-01T00:00:00.000",
        "2022-02-24T24:00:00.000",
        "2022-02-24T00:60:00.000",
        "2022-02-24T00:00:00.",
        "2022-02-24T00:00:00.0000000000",
        "2022-02-24X00:00:00.000",
        "22-02-24",
        "2022-02-24T00:00",
        "２０２２-02-24",
    ] {
        assert!(bad.parse::<ApiDateTime>().is_err(), "{bad:?}");
    }
    assert!(serde_json::from_str::<GetTransactionListRequest>(
        r#"{"kkm_ofd_id": 1, "period_start": "yesterday"}"#
    )
    .is_err());
    let zero = ApiDateTime::DELPHI_ZERO;
    assert_eq!(zero.to_string(), "1899-12-30T00:00:00.000");
    assert_eq!(ApiDateTime::from_timestamp(zero.to_timestamp()), zero);
}

#[test]
fn the_seeds_other_spellings_are_read() {
    // `text` for `Text`, `Is_blocked` for `is_blocked`, `ID` for a KKM printer's `id`.
    let k: KkmObject = serde_json::from_value(json!({
        "ofd_id": 1, "Is_blocked": true, "printer": {"ID": 4, "name": "COM3", "type": 1},
        "ads_info": [{"info": {"type": 4, "version": 1}, "text": "hi"}]
    }))
    .unwrap();
    assert_eq!(k.is_blocked, Some(true));
    assert_eq!(k.printer.as_ref().and_then(|p| p.id), Some(4));
    assert_eq!(k.ads_info[0].text, "hi");
    let out = serde_json::to_value(&k).unwrap();
    assert_eq!(out["is_blocked"], true);
    assert_eq!(out["printer"]["id"], 4);
    assert_eq!(out["ads_info"][0]["Text"], "hi");
    assert_eq!(out["custom_data"], serde_json::Value::Null);
    assert_eq!(out["bindings"], json!([]));

    // Operators: `ID` (tables) and `id` (examples) in requests.
    let d: DeleteOperatorRequest = serde_json::from_str(r#"{"ID": 9}"#).unwrap();
    assert_eq!(d.id, 9);
    let s: SaveOperatorRequest =
        serde_json::from_str(r#"{"ID": 3, "access_pin": "1", "role": 3}"#).unwrap();
    assert!(!s.is_create());
    // GetOperatorList writes `ID`, SaveOperator `id`.
    let saved = SavedOperator {
        id: 3,
        name: "Кассир".into(),
        access_pin: MASKED_PIN.into(),
        role: Role::Cashier,
        owner_id: Some(1),
        email: String::new(),
        bindings: vec![501],
        custom_data: serde_json::Value::Null,
    };
    assert_eq!(serde_json::to_value(&saved).unwrap()["id"], 3);
    let listed = KkmOperatorObject::from(saved);
    let out = serde_json::to_value(&listed).unwrap();
    assert_eq!(out["ID"], 3);
    assert_eq!(out["access_pin"], "****");

    // A printer list entry is `ID`; `id` is read too.
    let p: PrinterListEntry =
        serde_json::from_str(r#"{"id": 9, "name": "RPP-02", "type": 3}"#).unwrap();
    assert_eq!(serde_json::to_value(&p).unwrap()["ID"], 9);

    // A money placement's body under the table's name.
    let m: MoneyPlacementObject = serde_json::from_value(json!({
        "datetime": {"date": {"year": 2025, "month": 1, "day": 14},
                     "time": {"hour": 21, "minute": 31, "second": 43}},
        "operation": 1, "sum": {"bills": 5, "coins": 0}, "is_offline": false,
        "fr_shift_number": 1, "printed_document_number": 1, "operator": {"code": 1}
    }))
    .unwrap();
    let mut response = serde_json::to_value(MoneyPlacementResponse {
        document: DocumentAnswer {
            command_type: CommandType::MoneyPlacement,
            is_offline: false,
            is_invalid_token: false,
            kkm_local_name: "k".into(),
            operator_name: "o".into(),
            fr_shift_number: 1,
            shift_document_number: 1,
            shift_state: ShiftState::Open,
            reg_info: RegInfo::default(),
            vat_certificate: VatCertificate::default(),
            ads_info: vec![],
        },
        body: m.clone(),
    })
    .unwrap();
    let body = response
        .as_object_mut()
        .and_then(|o| o.remove("body"))
        .unwrap();
    response["money_placement"] = body;
    let back: MoneyPlacementResponse = serde_json::from_value(response).unwrap();
    assert_eq!(back.body, m);
}

#[test]
fn required_fields_and_unknown_codes_are_refused_with_the_field_named() {
    let e = serde_json::from_str::<DeleteKkmRequest>("{}").unwrap_err();
    assert!(e.to_string().contains("ofd_id"), "{e}");
    let e = serde_json::from_str::<ActivateLicenseRequest>(r#"{"email": "a@b"}"#).unwrap_err();
    assert!(e.to_string().contains("licenseKey"), "{e}");
    assert!(serde_json::from_str::<PrinterEntity>(r#"{"name": "x", "type": 9}"#).is_err());
    // Codes with their own error code are checked by a method, not by serde.
    let z: ZxReportRequest =
        serde_json::from_str(r#"{"kkm_ofd_id": 1, "report_type": 7}"#).unwrap();
    assert_eq!(
        z.report_type().unwrap_err().code(),
        ErrorCode::InvalidReportType
    );
    let s: SaveOperatorRequest = serde_json::from_str(r#"{"access_pin": "1", "role": 0}"#).unwrap();
    assert_eq!(s.role().unwrap_err().code(), ErrorCode::InvalidOperatorRole);
    // Unknown fields are ignored.
    let g: GetKkmListRequest = serde_json::from_str(r#"{"pin": "0000"}"#).unwrap();
    assert_eq!(g.ofd_id, None);
}

#[test]
fn transaction_bodies_follow_the_command() {
    let entry = |command: u8, body: serde_json::Value| {
        json!({"ID": 1, "date": "2022-02-24T17:46:52.083", "command": command,
               "fr_shift_number": 1, "shift_document_number": 1, "is_offline": false,
               "body": body})
    };
    let ticket = json!({"operation": 2, "payments": [0, 4], "sum": 1750.5, "fiscal_id": "1008"});
    let t: TransactionListEntry = serde_json::from_value(entry(1, ticket.clone())).unwrap();
    match &t.body {
        TransactionSummary::Ticket(s) => {
            assert_eq!(s.payments, vec![PaymentType::Cash, PaymentType::Mobile]);
            assert_eq!(s.sum, Money::from_tiyn(175_050));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(serde_json::to_value(&t).unwrap(), entry(1, ticket.clone()));
    // `Id` (the table's spelling) is read.
    let mut v = entry(1, ticket.clone());
    let id = v.as_object_mut().and_then(|o| o.remove("ID")).unwrap();
    v["Id"] = id;
    assert!(serde_json::from_value::<TransactionListEntry>(v).is_ok());
    // A body that does not fit its command is refused.
    assert!(serde_json::from_value::<TransactionListEntry>(entry(6, ticket.clone())).is_err());
    assert!(serde_json::from_value::<GetTransactionResponse>(entry(1, ticket)).is_err());
    assert!(serde_json::from_value::<TransactionListEntry>(entry(4, json!({}))).is_err());
}

#[test]
fn method_table() {
    assert_eq!(Method::SEED.len(), 17);
    assert_eq!(Method::ALL.len(), 21);
    for m in Method::ALL {
        assert_eq!(Method::from_name(m.name()), Some(m));
        assert_eq!(Method::from_path(&m.name().to_lowercase()), Some(m));
        assert_eq!(m.is_addition(), !Method::SEED.contains(&m));
    }
    assert_eq!(Method::from_name("ZXReport"), Some(Method::ZxReport));
    assert_eq!(Method::from_name("zxreport"), None);
    assert_eq!(Method::from_path("zxreport"), Some(Method::ZxReport));
    assert_eq!(Method::from_name("Pong"), None);
    let post_only: Vec<&str> = Method::SEED
        .iter()
        .filter(|m| !m.allows_get())
        .map(|m| m.name())
        .collect();
    assert_eq!(
        post_only,
        [
            "ActivateLicense",
            "SaveKKM",
            "DeleteKKM",
            "SaveOperator",
            "DeleteOperator",
            "TradeOperation",
            "MoneyPlacement",
            "ZXReport",
            "GetTransactionList",
            "GetTransaction",
            "GetDocumentImage"
        ]
    );
    assert!(Method::GetPrinterList.windows_only());
    assert!(Method::TradeOperation.is_idempotent_by_key());
    assert_eq!(IDEMPOTENCY_KEY_HEADER, "Idempotency-Key");
}

#[test]
fn enums_carry_the_seeds_codes() {
    let codes = |v: serde_json::Value| v;
    assert_eq!(
        codes(serde_json::to_value(CommandType::ALL).unwrap()),
        json!([1, 2, 3, 6])
    );
    assert_eq!(
        serde_json::to_value(PrinterType::ALL).unwrap(),
        json!([1, 2, 3])
    );
    assert_eq!(
        serde_json::to_value(TicketAdType::ALL).unwrap(),
        json!([0, 1, 2, 3, 4])
    );
    assert_eq!(
        serde_json::to_value(KkmLocalState::ALL).unwrap(),
        json!([0, 1])
    );
    assert_eq!(
        serde_json::to_value(ShiftState::ALL).unwrap(),
        json!([0, 1])
    );
    assert!(serde_json::from_str::<CommandType>("4").is_err());
}
