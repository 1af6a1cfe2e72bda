//! The OpenAPI 3.1 document of the API, served at `/openapi.json`.
//!
//! Built from the code: the paths and verbs come from the [`Method`] table
//! (`allows_get`, `is_idempotent_by_key`), the schemas are written here beside it in
//! JSON Schema (2020-12, as OpenAPI 3.1 uses) and checked against every example of the
//! seed by the tests ([`validate`] is the small validator they use).

use kkm_register::api::Method;
use serde_json::{json, Map, Value};

mod additions;

fn int() -> Value {
    json!({"type": "integer"})
}
fn text() -> Value {
    json!({"type": "string"})
}
fn number() -> Value {
    json!({"type": "number"})
}
fn boolean() -> Value {
    json!({"type": "boolean"})
}
fn list(items: Value) -> Value {
    json!({"type": "array", "items": items})
}
fn any_object() -> Value {
    json!({"type": "object"})
}
fn schema(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}
fn codes(values: &[i64], description: &str) -> Value {
    json!({"type": "integer", "enum": values, "description": description})
}
fn date_time() -> Value {
    json!({"type": "string", "description": "yyyy-MM-ddTHH:mm:ss.zzz, device (local) time",
           "example": "2024-12-23T17:07:05.000"})
}
fn nullable(mut s: Value) -> Value {
    if let Some(t) = s.get("type").cloned() {
        s["type"] = json!([t, "null"]);
    }
    s
}
fn object(properties: &[(&str, Value)], required: &[&str]) -> Value {
    let props: Map<String, Value> = properties
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect();
    let mut o = json!({"type": "object", "properties": props});
    if !required.is_empty() {
        o["required"] = json!(required);
    }
    o
}

/// The schema (in `#/components/schemas`) of the request of `method`.
fn request_schema_name(method: Method) -> String {
    format!("{}Request", method.name())
}

/// The schema of the `response_data` of `method` (`None`: GetDocumentImage's PNG).
fn response_data_schema(method: Method) -> Option<Value> {
    Some(match method {
        Method::Ping | Method::ActivateLicense | Method::DeleteKkm | Method::DeleteOperator => {
            json!({"type": "string", "const": "ok"})
        }
        Method::GetOfdList => list(schema("OFDObject")),
        Method::GetKkmList => list(schema("KKMObject")),
        Method::GetVendorId => object(
            &[("vendor_id", text()), ("manufacture_date", date_time())],
            &["vendor_id", "manufacture_date"],
        ),
        Method::SaveKkm => schema("KKMObject"),
        Method::GetOperatorList => list(schema("KKMOperatorObject")),
        Method::SaveOperator => schema("SavedOperator"),
        Method::TradeOperation => schema("TradeOperationResponse"),
        Method::MoneyPlacement => schema("MoneyPlacementResponse"),
        Method::ZxReport => schema("ZXReportResponse"),
        Method::GetTransactionList => list(schema("Transaction")),
        Method::GetTransaction => schema("Transaction"),
        Method::GetPrinterList => list(schema("PrinterListEntry")),
        Method::GetDocumentImage => return None,
        Method::GetPrintJobList => list(schema("PrintJob")),
        Method::ReprintDocument => schema("PrintJob"),
        added => return additions::response_data_schema(added),
    })
}

fn summary(method: Method) -> &'static str {
    match method {
        Method::Ping => "Проверка работы кассового ядра (no credential needed)",
        Method::ActivateLicense => {
            "Активация лицензии: kept for compatibility (no licences are sold); checks the key's shape, stores the owner details"
        }
        Method::GetOfdList => "Список доступных ОФД",
        Method::GetKkmList => "Список касс",
        Method::GetVendorId => "Генерация заводского номера (ЗНМ), kept",
        Method::SaveKkm => "Сохранение кассы (registration data fetched from the OFD with the token)",
        Method::DeleteKkm => "Удаление кассы (queue empty, shift closed; the journal is kept)",
        Method::GetOperatorList => "Список кассиров (access_pin masked as \"****\")",
        Method::SaveOperator => "Сохранение кассира (id 0 or absent creates; access_pin answered masked)",
        Method::DeleteOperator => "Удаление кассира",
        Method::TradeOperation => {
            "Проведение торговых операций (receipt). Our additions: Idempotency-Key header, parent_ticket on returns"
        }
        Method::MoneyPlacement => "Внесение / изъятие наличных. Our addition: Idempotency-Key header",
        Method::ZxReport => "X-отчёт (report_type 1) или Z-отчёт (0, closes the shift)",
        Method::GetTransactionList => "Получение списка операций",
        Method::GetTransaction => "Получение содержимого операции",
        Method::GetPrinterList => "Получение списка принтеров: the machine's printers (CUPS queues, serial ports, USB lp devices, configured network printers; the spooler's on Windows) as addresses for SaveKKM's printer.name, then SaveKKM's printers",
        Method::GetPrintJobList => "Our addition: print jobs, newest first, with their states (waiting, printing, printed, failed with the reason, interrupted)",
        Method::ReprintDocument => "Our addition: queue a copy marked «ДУБЛИКАТ» of a document on the KKM's printer (or `printer`); answers the job at once",
        Method::GetDocumentImage => "Получение изображения документа: image/png on success, the JSON envelope on error",
        added => additions::summary(added).unwrap_or(""),
    }
}

/// GET parameters of `method`: the top-level properties of its request schema.
fn query_parameters(components: &Map<String, Value>, method: Method) -> Vec<Value> {
    let Some(request) = components.get(&request_schema_name(method)) else {
        return Vec::new();
    };
    let required: Vec<&str> = request
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    request
        .get("properties")
        .and_then(Value::as_object)
        .map(|props| {
            props
                .iter()
                .map(|(name, s)| {
                    json!({"name": name, "in": "query", "required": required.contains(&name.as_str()),
                           "schema": s})
                })
                .collect()
        })
        .unwrap_or_default()
}

fn components() -> Map<String, Value> {
    let money = json!({"type": "number", "description": "tenge, at most 2 decimals"});
    let non_nullable_sums = json!({"type": "array", "items": {"type": "number"},
        "description": "never-reset sums in tenge: [BUY, BUY_RETURN, SELL, SELL_RETURN]"});
    let bills_coins = object(&[("bills", int()), ("coins", int())], &["bills", "coins"]);
    let key_value = object(&[("key", text()), ("value", nullable(text()))], &["key"]);
    let tax_request = object(
        &[
            ("taxation_type", int()),
            ("percent", number()),
            ("sum", money.clone()),
            ("is_in_total_sum", boolean()),
        ],
        &[],
    );
    let modifier_request = object(
        &[
            ("name", text()),
            ("sum", money.clone()),
            ("taxes", list(tax_request.clone())),
            ("auxiliary", list(key_value.clone())),
        ],
        &[],
    );
    let image_options: [(&str, Value); 4] = [
        ("is_printable", boolean()),
        ("image_width", int()),
        ("image_scale", number()),
        ("image_pixel_draw_threshold", int()),
    ];
    let reg_info = object(
        &[
            ("org", any_object()),
            ("pos", any_object()),
            ("kkm", any_object()),
        ],
        &[],
    );
    let vat_certificate = object(
        &[
            ("series", text()),
            ("number", text()),
            ("is_printable", boolean()),
        ],
        &[],
    );
    let document_answer: Vec<(&str, Value)> = vec![
        (
            "command_type",
            codes(&[0, 1, 2, 3, 4, 5, 6, 7, 8], "CommandTypeEnum"),
        ),
        ("is_offline", boolean()),
        ("is_invalid_token", boolean()),
        ("kkm_local_name", text()),
        ("operator_name", text()),
        ("fr_shift_number", int()),
        ("shift_document_number", int()),
        ("shift_state", codes(&[0, 1], "0 closed, 1 open")),
        ("reg_info", reg_info.clone()),
        ("vat_certificate", vat_certificate.clone()),
        ("ads_info", list(any_object())),
    ];
    let document_required = [
        "command_type",
        "is_offline",
        "is_invalid_token",
        "kkm_local_name",
        "operator_name",
        "fr_shift_number",
        "shift_document_number",
        "shift_state",
        "reg_info",
        "vat_certificate",
        "body",
    ];
    let with_document = |extra: &[(&str, Value)], required: &[&str]| {
        let mut props = document_answer.clone();
        props.extend(extra.iter().cloned());
        let mut req: Vec<&str> = document_required.to_vec();
        req.extend_from_slice(required);
        object(&props, &req)
    };
    let mut trade_request: Vec<(&str, Value)> = vec![("kkm_ofd_id", int())];
    trade_request.extend(image_options.iter().cloned());
    trade_request.extend([
        (
            "operation",
            codes(&[0, 1, 2, 3], "0 BUY, 1 BUY_RETURN, 2 SELL, 3 SELL_RETURN"),
        ),
        ("domain", object(&[("type", int())], &[])),
        (
            "items",
            list(object(
                &[
                    (
                        "type",
                        codes(&[1, 2, 3], "1 commodity, 2 discount, 3 markup"),
                    ),
                    (
                        "commodity",
                        object(
                            &[
                                ("name", text()),
                                ("section_code", text()),
                                ("quantity", number()),
                                ("price", money.clone()),
                                ("sum", money.clone()),
                                ("taxes", list(tax_request.clone())),
                                ("excise_stamp", text()),
                                ("physical_label", text()),
                                ("product_id", text()),
                                ("barcode", text()),
                                ("measure_unit_code", text()),
                                ("auxiliary", list(key_value.clone())),
                            ],
                            &[],
                        ),
                    ),
                    ("discount", modifier_request.clone()),
                    ("markup", modifier_request.clone()),
                ],
                &[],
            )),
        ),
        (
            "payments",
            list(object(
                &[
                    ("type", codes(&[0, 1, 4], "0 CASH, 1 CARD, 4 MOBILE")),
                    ("sum", money.clone()),
                ],
                &[],
            )),
        ),
        ("taxes", list(tax_request.clone())),
        (
            "amounts",
            object(
                &[
                    ("total", money.clone()),
                    ("taken", money.clone()),
                    ("change", money.clone()),
                    ("markup", modifier_request.clone()),
                    ("discount", modifier_request.clone()),
                ],
                &[],
            ),
        ),
        ("customer_iin_or_bin", text()),
        ("parent_ticket", object(&[("fiscal_id", text())], &[])),
        ("auxiliary", list(key_value.clone())),
    ]);
    let mut zx_request: Vec<(&str, Value)> = vec![
        ("kkm_ofd_id", int()),
        ("report_type", codes(&[0, 1], "0 Z (closes the shift), 1 X")),
    ];
    zx_request.extend(image_options.iter().cloned());

    let entries: Vec<(&str, Value)> = vec![
        (
            "ErrorEnvelope",
            object(
                &[
                    (
                        "response_code",
                        json!({"type": "integer", "minimum": 1, "maximum": 98,
                               "description": "a code of the seed's table (1–95) or CashCore's 96–98"}),
                    ),
                    (
                        "response_data",
                        json!({"type": "string",
                               "description": "the code's text constant, e.g. not_enough_cash"}),
                    ),
                    (
                        "message",
                        json!({"type": "string", "description": "what went wrong, readable"}),
                    ),
                ],
                &["response_code", "response_data", "message"],
            ),
        ),
        ("PingRequest", object(&[], &[])),
        (
            "ActivateLicenseRequest",
            object(
                &[
                    ("licenseKey", text()),
                    ("email", text()),
                    ("phone", text()),
                    ("owner", text()),
                    ("orgId", text()),
                    ("address", text()),
                ],
                &["licenseKey"],
            ),
        ),
        ("GetOFDListRequest", object(&[], &[])),
        ("GetKKMListRequest", object(&[("ofd_id", int())], &[])),
        ("GetVendorIdRequest", object(&[("ofd_uid", text())], &[])),
        (
            "SaveKKMRequest",
            object(
                &[
                    ("ofd_id", int()),
                    ("ofd_token", int()),
                    ("ofd_uid", text()),
                    ("local_name", text()),
                    ("use_software_vpn", boolean()),
                    ("auto_withdraw_money", boolean()),
                    ("custom_data", json!({})),
                    ("bindings", list(int())),
                    ("vat_certificate", vat_certificate.clone()),
                    ("printer", schema("PrinterEntity")),
                ],
                &["ofd_id"],
            ),
        ),
        (
            "DeleteKKMRequest",
            object(&[("ofd_id", int())], &["ofd_id"]),
        ),
        ("GetOperatorListRequest", object(&[], &[])),
        (
            "SaveOperatorRequest",
            object(
                &[
                    ("id", int()),
                    ("name", text()),
                    ("access_pin", text()),
                    (
                        "role",
                        codes(&[1, 2, 3], "1 ADMINISTRATOR, 2 SENIOR_CASHIER, 3 CASHIER"),
                    ),
                    ("owner_id", int()),
                    ("email", text()),
                    ("bindings", list(int())),
                    ("custom_data", json!({})),
                ],
                &["access_pin", "role"],
            ),
        ),
        ("DeleteOperatorRequest", object(&[("id", int())], &["id"])),
        (
            "TradeOperationRequest",
            object(&trade_request, &["kkm_ofd_id"]),
        ),
        (
            "MoneyPlacementRequest",
            object(
                &[
                    ("kkm_ofd_id", int()),
                    ("operation", codes(&[0, 1], "0 deposit, 1 withdrawal")),
                    ("sum", money.clone()),
                    ("is_printable", boolean()),
                    ("image_width", int()),
                    ("image_scale", number()),
                    ("image_pixel_draw_threshold", int()),
                ],
                &["kkm_ofd_id"],
            ),
        ),
        (
            "ZXReportRequest",
            object(&zx_request, &["kkm_ofd_id", "report_type"]),
        ),
        (
            "GetTransactionListRequest",
            object(
                &[
                    ("kkm_ofd_id", int()),
                    ("period_start", date_time()),
                    ("period_end", date_time()),
                    ("command_type_list", list(int())),
                    ("transaction_id", int()),
                    ("shift_number", int()),
                    ("fiscal_id", text()),
                ],
                &["kkm_ofd_id"],
            ),
        ),
        (
            "GetTransactionRequest",
            object(
                &[("kkm_ofd_id", int()), ("transaction_id", int())],
                &["kkm_ofd_id", "transaction_id"],
            ),
        ),
        ("GetPrinterListRequest", object(&[], &[])),
        (
            "GetPrintJobListRequest",
            object(
                &[("kkm_ofd_id", int()), ("printer", text()), ("limit", int())],
                &[],
            ),
        ),
        (
            "ReprintDocumentRequest",
            object(
                &[
                    ("kkm_ofd_id", int()),
                    ("fr_shift_number", int()),
                    ("shift_document_number", int()),
                    ("printer", text()),
                ],
                &["kkm_ofd_id", "fr_shift_number", "shift_document_number"],
            ),
        ),
        (
            "PrintJob",
            object(
                &[
                    ("id", int()),
                    ("kkm_ofd_id", int()),
                    ("transaction_id", int()),
                    ("fr_shift_number", int()),
                    ("shift_document_number", int()),
                    ("printer", text()),
                    (
                        "copy",
                        json!({"type": "string", "enum": ["original", "duplicate"]}),
                    ),
                    (
                        "state",
                        json!({"type": "string", "enum": ["waiting", "printing", "printed", "failed", "interrupted"]}),
                    ),
                    ("attempts", int()),
                    ("error", text()),
                    ("created_ms", int()),
                    ("updated_ms", int()),
                ],
                &[
                    "id",
                    "kkm_ofd_id",
                    "transaction_id",
                    "fr_shift_number",
                    "shift_document_number",
                    "printer",
                    "copy",
                    "state",
                    "attempts",
                    "created_ms",
                    "updated_ms",
                ],
            ),
        ),
        (
            "GetDocumentImageRequest",
            object(
                &[
                    ("kkm_ofd_id", int()),
                    ("fr_shift_number", int()),
                    ("shift_document_number", int()),
                    ("is_original", boolean()),
                    ("image_width", int()),
                    ("image_scale", number()),
                    ("image_pixel_draw_threshold", int()),
                ],
                &["kkm_ofd_id", "fr_shift_number", "shift_document_number"],
            ),
        ),
        (
            "OFDObject",
            object(&[("uid", text()), ("name", text())], &["uid", "name"]),
        ),
        (
            "PrinterEntity",
            object(
                &[("id", int()), ("name", text()), ("type", int())],
                &["name", "type"],
            ),
        ),
        (
            "KKMObject",
            object(
                &[
                    ("ID", int()),
                    ("ofd_id", int()),
                    ("ofd_uid", text()),
                    ("local_name", text()),
                    ("use_software_vpn", boolean()),
                    ("printer", schema("PrinterEntity")),
                    ("auto_withdraw_money", boolean()),
                    ("vat_certificate", vat_certificate.clone()),
                    ("custom_data", json!({})),
                    ("bindings", list(int())),
                    ("is_offline", boolean()),
                    ("fr_shift_number", int()),
                    ("shift_state", codes(&[0, 1], "0 closed, 1 open")),
                    ("is_blocked", boolean()),
                    ("shift_close_date", date_time()),
                    ("shift_document_number", int()),
                    ("owner_id", int()),
                    ("offline_start_date", date_time()),
                    ("is_invalid_token", boolean()),
                    ("start_shift_non_nullable_sums", non_nullable_sums.clone()),
                    ("non_nullable_sums", non_nullable_sums.clone()),
                    ("ads_info", list(any_object())),
                    ("vendor_id", text()),
                    ("offline_end_date", date_time()),
                    ("cash_sum", money.clone()),
                    ("shift_open_date", date_time()),
                    ("blocked_info", text()),
                    ("revenue", money.clone()),
                    ("offline_ticket_number", int()),
                    ("reg_info", reg_info.clone()),
                    ("local_state", codes(&[0, 1], "0 OK, 1 ValuesConflict")),
                    ("manufacture_date", date_time()),
                ],
                &["ofd_id"],
            ),
        ),
        (
            "KKMOperatorObject",
            object(
                &[
                    ("ID", int()),
                    ("name", text()),
                    ("role", codes(&[1, 2, 3], "OperatorRoleTypeEnum")),
                    ("email", text()),
                    ("bindings", list(int())),
                    ("owner_id", int()),
                    (
                        "access_pin",
                        json!({"type": "string", "description": "always \"****\" (masked)"}),
                    ),
                    ("custom_data", json!({})),
                ],
                &["name", "role", "access_pin"],
            ),
        ),
        (
            "SavedOperator",
            object(
                &[
                    ("id", int()),
                    ("name", text()),
                    (
                        "access_pin",
                        json!({"type": "string", "description": "always \"****\" (masked)"}),
                    ),
                    ("role", codes(&[1, 2, 3], "OperatorRoleTypeEnum")),
                    ("owner_id", int()),
                    ("email", text()),
                    ("bindings", list(int())),
                    ("custom_data", json!({})),
                ],
                &["id", "name", "access_pin", "role"],
            ),
        ),
        (
            "TradeOperationResponse",
            with_document(
                &[
                    ("fiscal_id", text()),
                    ("qr_code", text()),
                    ("ofd_name", text()),
                    ("ofd_url", text()),
                    (
                        "body",
                        json!({"type": "object", "description": "TicketObject: the receipt (money as {bills, coins})",
                               "required": ["operation", "date_time", "operator", "amounts", "itemsList", "paymentsList"],
                               "properties": {"amounts": object(&[("total", bills_coins.clone())], &["total"])}}),
                    ),
                ],
                &["fiscal_id", "qr_code"],
            ),
        ),
        (
            "MoneyPlacementResponse",
            with_document(
                &[(
                    "body",
                    object(
                        &[
                            ("datetime", any_object()),
                            ("operation", codes(&[0, 1], "0 deposit, 1 withdrawal")),
                            ("sum", bills_coins.clone()),
                            ("is_offline", boolean()),
                            ("fr_shift_number", int()),
                            ("printed_document_number", int()),
                            (
                                "operator",
                                object(&[("code", int()), ("name", text())], &["code"]),
                            ),
                        ],
                        &["datetime", "operation", "sum", "operator"],
                    ),
                )],
                &[],
            ),
        ),
        (
            "ZXReportResponse",
            with_document(
                &[
                    ("report_type", codes(&[0, 1], "0 Z, 1 X")),
                    ("total_payments", list(number())),
                    (
                        "body",
                        json!({"type": "object", "description": "ZXReport of CPCR: shift totals by section, operation, payment, tax; checksum"}),
                    ),
                ],
                &["report_type"],
            ),
        ),
        (
            "Transaction",
            object(
                &[
                    ("ID", int()),
                    ("date", date_time()),
                    (
                        "command",
                        codes(&[0, 1, 2, 3, 4, 5, 6, 7, 8], "CommandTypeEnum"),
                    ),
                    ("fr_shift_number", int()),
                    ("shift_document_number", int()),
                    ("is_offline", boolean()),
                    ("body", any_object()),
                ],
                &[
                    "ID",
                    "date",
                    "command",
                    "fr_shift_number",
                    "shift_document_number",
                    "is_offline",
                    "body",
                ],
            ),
        ),
        (
            "PrinterListEntry",
            object(
                &[("ID", int()), ("name", text()), ("type", int())],
                &["ID", "name", "type"],
            ),
        ),
    ];
    entries
        .into_iter()
        .chain(additions::components())
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
}

/// The OpenAPI 3.1 document of the whole API.
///
/// ```
/// let doc = kkm_daemon::openapi::document();
/// assert_eq!(doc["openapi"], "3.1.0");
/// assert!(doc["paths"]["/TradeOperation"]["post"].is_object());
/// assert!(doc["paths"]["/TradeOperation"]["get"].is_null());
/// assert!(doc["paths"]["/Ping"]["get"].is_object());
/// ```
pub fn document() -> Value {
    let mut components = components();
    let mut paths = Map::new();
    for method in Method::ALL {
        let name = method.name();
        let request_name = request_schema_name(method);
        let success = match response_data_schema(method) {
            Some(data) => {
                let envelope_name = format!("{name}Envelope");
                components.insert(
                    envelope_name.clone(),
                    object(
                        &[
                            ("response_code", json!({"type": "integer", "const": 0})),
                            ("response_data", data),
                        ],
                        &["response_code", "response_data"],
                    ),
                );
                json!({"application/json": {"schema": schema(&envelope_name)}})
            }
            None => json!({
                "image/png": {"schema": {"type": "string", "contentMediaType": "image/png"}}
            }),
        };
        let mut headers = vec![json!({
            "name": "Authorization", "in": "header", "required": false,
            "description": "`<pin>` or `Bearer <token>` (our operators authenticate with their PIN in both forms); not needed for Ping",
            "schema": {"type": "string"}
        })];
        if method.is_idempotent_by_key() {
            headers.push(json!({
                "name": "Idempotency-Key", "in": "header", "required": false,
                "description": "Our addition: a retry with the same key answers the stored document and makes no second one (1–128 printable ASCII characters)",
                "schema": {"type": "string", "maxLength": 128}
            }));
        }
        let error = |why: &str| {
            json!({"description": why,
                   "content": {"application/json": {"schema": schema("ErrorEnvelope")}}})
        };
        let responses = json!({
            "200": {"description": "response_code 0 with the method's response_data", "content": success},
            "400": error("a bad request: codes 2, 11, 15, 17, 61"),
            "401": error("access denied: codes 71, 72, 74, 75"),
            "403": error("a wrong PIN or token: code 5"),
            "404": error("no such method: code 3"),
            "500": error("every other code (the rules of receipts, shifts, cash, the OFD)")
        });
        let mut item = Map::new();
        item.insert(
            "post".into(),
            json!({
                "operationId": name,
                "summary": summary(method),
                "parameters": headers,
                "requestBody": {"required": false, "content": {"application/json": {"schema": schema(&request_name)}}},
                "responses": responses
            }),
        );
        if method.allows_get() {
            let mut parameters = headers.clone();
            parameters.extend(query_parameters(&components, method));
            item.insert(
                "get".into(),
                json!({
                    "operationId": format!("{name}_get"),
                    "summary": summary(method),
                    "parameters": parameters,
                    "responses": responses
                }),
            );
        }
        paths.insert(format!("/{name}"), Value::Object(item));
    }
    paths.insert(
        "/openapi.json".into(),
        json!({"get": {"operationId": "openapi", "summary": "This document",
                        "responses": {"200": {"description": "OpenAPI 3.1", "content": {"application/json": {}}}}}}),
    );
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "KKM daemon — E-Kassa CashCore compatible API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "The E-Kassa CashCore HTTP JSON API (protocol 2.0.2, core 1.8.107) with our additions: the Idempotency-Key header, parent_ticket on returns, masked PINs and this document. See docs/api.md."
        },
        "servers": [{"url": "http://127.0.0.1:8080"}],
        "paths": paths,
        "components": {"schemas": components}
    })
}

/// Checks `value` against `schema` of `doc` (the JSON Schema subset this document
/// uses: `type` (also as a list), `properties`, `required`, `items`, `enum`, `const`,
/// `oneOf`, local `$ref`). Returns the path and reason of the first mismatch.
///
/// ```
/// let doc = kkm_daemon::openapi::document();
/// let schema = serde_json::json!({"$ref": "#/components/schemas/ErrorEnvelope"});
/// let answer = serde_json::json!({"response_code": 3,
///     "response_data": "method_not_found", "message": "no such method"});
/// assert_eq!(kkm_daemon::openapi::validate(&doc, &schema, &answer), Ok(()));
/// ```
pub fn validate(doc: &Value, schema: &Value, value: &Value) -> Result<(), String> {
    check(doc, schema, value, "$", 0)
}

fn type_matches(name: &str, value: &Value) -> bool {
    match name {
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        "null" => value.is_null(),
        _ => false,
    }
}

fn check(doc: &Value, schema: &Value, value: &Value, path: &str, depth: u32) -> Result<(), String> {
    if depth > 64 {
        return Err(format!("{path}: schema nesting too deep"));
    }
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let target = reference
            .strip_prefix("#/")
            .map(|p| {
                p.split('/').try_fold(doc, |node, key| {
                    node.get(key.replace("~1", "/").replace("~0", "~"))
                })
            })
            .and_then(|n| n)
            .ok_or_else(|| format!("{path}: unresolved $ref {reference}"))?;
        return check(doc, target, value, path, depth + 1);
    }
    if let Some(options) = schema.get("oneOf").and_then(Value::as_array) {
        let errors: Vec<String> = options
            .iter()
            .filter_map(|o| check(doc, o, value, path, depth + 1).err())
            .collect();
        if errors.len() == options.len() {
            return Err(format!(
                "{path}: matches none of oneOf: {}",
                errors.join(" | ")
            ));
        }
        return Ok(());
    }
    match schema.get("type") {
        Some(Value::String(t)) if !type_matches(t, value) => {
            return Err(format!("{path}: expected {t}, got {value}"));
        }
        Some(Value::Array(ts))
            if !ts
                .iter()
                .filter_map(Value::as_str)
                .any(|t| type_matches(t, value)) =>
        {
            return Err(format!("{path}: expected one of {ts:?}, got {value}"));
        }
        _ => {}
    }
    if let Some(c) = schema.get("const") {
        if c != value {
            return Err(format!("{path}: expected {c}, got {value}"));
        }
    }
    if let Some(options) = schema.get("enum").and_then(Value::as_array) {
        if !options.contains(value) {
            return Err(format!("{path}: {value} is not one of {options:?}"));
        }
    }
    if let Some(object) = value.as_object() {
        if let Some(required) = schema.get("required").and_then(Value::as_array) {
            for key in required.iter().filter_map(Value::as_str) {
                if !object.contains_key(key) {
                    return Err(format!("{path}: missing required `{key}`"));
                }
            }
        }
        if let Some(props) = schema.get("properties").and_then(Value::as_object) {
            for (key, sub) in props {
                if let Some(v) = object.get(key) {
                    check(doc, sub, v, &format!("{path}.{key}"), depth + 1)?;
                }
            }
        }
    }
    if let (Some(items), Some(list)) = (schema.get("items"), value.as_array()) {
        for (i, v) in list.iter().enumerate() {
            check(doc, items, v, &format!("{path}[{i}]"), depth + 1)?;
        }
    }
    Ok(())
}

/// The schema a JSON answer of `method` must match, whatever its HTTP status: the
/// success envelope (`200`) or the error envelope. GetDocumentImage answers JSON only
/// on errors.
pub fn answer_schema(method: Method) -> Value {
    let error = schema("ErrorEnvelope");
    if response_data_schema(method).is_none() {
        return error;
    }
    let success = json!({"$ref": format!("#/paths/~1{}/post/responses/200/content/application~1json/schema", method.name())});
    json!({"oneOf": [success, error]})
}

/// The HTTP status of a JSON answer with `response_code`: 200 for 0, else CashCore's
/// class of the code ([`kkm_register::api::http_status`]).
pub fn answer_status(response_code: u16) -> u16 {
    kkm_core::ErrorCode::from_code(response_code).map_or(500, kkm_register::api::http_status)
}

#[cfg(test)]
mod tests;
