use super::*;

#[test]
fn lists_every_method_with_its_verbs() {
    let doc = document();
    for method in Method::ALL {
        let item = &doc["paths"][format!("/{}", method.name())];
        assert!(item["post"].is_object(), "{}", method.name());
        assert_eq!(
            item["get"].is_object(),
            method.allows_get(),
            "{}",
            method.name()
        );
        let params = item["post"]["parameters"].as_array().expect("parameters");
        let has_key = params.iter().any(|p| p["name"] == "Idempotency-Key");
        assert_eq!(has_key, method.is_idempotent_by_key());
    }
}

#[test]
fn every_ref_resolves() {
    fn walk(doc: &Value, node: &Value) {
        match node {
            Value::Object(map) => {
                if let Some(r) = map.get("$ref").and_then(Value::as_str) {
                    let key = r.trim_start_matches("#/components/schemas/");
                    assert!(doc["components"]["schemas"][key].is_object(), "{r}");
                }
                map.values().for_each(|v| walk(doc, v));
            }
            Value::Array(list) => list.iter().for_each(|v| walk(doc, v)),
            _ => {}
        }
    }
    let doc = document();
    walk(&doc, &doc["paths"]);
    walk(&doc, &doc["components"]);
}

#[test]
fn validator_catches_mismatches() {
    let doc = document();
    let s = answer_schema(Method::GetKkmList);
    assert!(validate(&doc, &s, &json!({"response_code": 0, "response_data": []})).is_ok());
    assert!(validate(
        &doc,
        &s,
        &json!({"response_code": 0, "response_data": [{"ofd_id": "x"}]})
    )
    .is_err());
    assert!(validate(&doc, &s, &json!({"response_code": 0})).is_err());
}

macro_rules! seed {
    ($name:literal) => {
        include_str!(concat!("../../../kkm-register/tests/fixtures/", $name))
    };
}

/// Every example of the seed matches the document.
#[test]
fn seed_examples_match_the_schemas() {
    let doc = document();
    let requests = [
        (
            Method::ActivateLicense,
            seed!("ActivateLicense.request.json"),
        ),
        (Method::DeleteKkm, seed!("DeleteKKM.request.json")),
        (Method::DeleteOperator, seed!("DeleteOperator.request.json")),
        (
            Method::GetDocumentImage,
            seed!("GetDocumentImage.request.json"),
        ),
        (Method::GetKkmList, seed!("GetKKMList.request.json")),
        (Method::GetTransaction, seed!("GetTransaction.request.json")),
        (
            Method::GetTransactionList,
            seed!("GetTransactionList.request.json"),
        ),
        (Method::GetVendorId, seed!("GetVendorId.request.json")),
        (Method::MoneyPlacement, seed!("MoneyPlacement.request.json")),
        (Method::SaveKkm, seed!("SaveKKM.request.json")),
        (Method::SaveOperator, seed!("SaveOperator.request.json")),
        (Method::TradeOperation, seed!("TradeOperation.request.json")),
        (Method::ZxReport, seed!("ZXReport.request.json")),
    ];
    for (method, text) in requests {
        let value: Value = serde_json::from_str(text).expect("fixture");
        let s = schema(&request_schema_name(method));
        validate(&doc, &s, &value).unwrap_or_else(|e| panic!("{} request: {e}", method.name()));
    }
    let responses = [
        (
            Method::ActivateLicense,
            seed!("ActivateLicense.response.json"),
        ),
        (Method::DeleteKkm, seed!("DeleteKKM.response.json")),
        (
            Method::DeleteOperator,
            seed!("DeleteOperator.response.json"),
        ),
        (Method::GetKkmList, seed!("GetKKMList.response.json")),
        (Method::GetOfdList, seed!("GetOFDList.response.json")),
        (
            Method::GetOperatorList,
            seed!("GetOperatorList.response.json"),
        ),
        (
            Method::GetPrinterList,
            seed!("GetPrinterList.response.json"),
        ),
        (
            Method::GetTransaction,
            seed!("GetTransaction.response.json"),
        ),
        (
            Method::GetTransactionList,
            seed!("GetTransactionList.response.json"),
        ),
        (Method::GetVendorId, seed!("GetVendorId.response.json")),
        (
            Method::MoneyPlacement,
            seed!("MoneyPlacement.response.json"),
        ),
        (Method::Ping, seed!("Ping.response.json")),
        (Method::SaveKkm, seed!("SaveKKM.response.json")),
        (Method::SaveOperator, seed!("SaveOperator.response.json")),
        (
            Method::TradeOperation,
            seed!("TradeOperation.response.json"),
        ),
        (Method::ZxReport, seed!("ZXReport.response.json")),
    ];
    for (method, text) in responses {
        let value: Value = serde_json::from_str(text).expect("fixture");
        validate(&doc, &answer_schema(method), &value)
            .unwrap_or_else(|e| panic!("{} response: {e}", method.name()));
    }
}
