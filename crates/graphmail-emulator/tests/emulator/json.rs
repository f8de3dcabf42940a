//! Reading JSON replies in tests; shared by the emulator's tests and the product's tests.
#![allow(
    dead_code,
    reason = "each test binary uses a different part of these helpers"
)]

use serde_json::Value;

/// The keys of a JSON object, sorted.
pub fn sorted_keys(body: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = body
        .as_object()
        .expect("a JSON object")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    keys
}

/// The strings of a JSON array.
pub fn strings(array: &Value) -> Vec<&str> {
    let items = array.as_array().expect("a JSON array");
    items
        .iter()
        .map(|v| v.as_str().expect("a string"))
        .collect()
}

/// One string field of each object in a JSON array.
pub fn field_strings<'a>(array: &'a Value, field: &str) -> Vec<&'a str> {
    let items = array.as_array().expect("a JSON array");
    let field_of = |v: &'a Value| v[field].as_str().expect("a string field");
    items.iter().map(field_of).collect()
}

/// Sends a request and reads its JSON answer, whatever the status.
pub async fn send_json(request: reqwest::RequestBuilder) -> Value {
    let resp = request.send().await.expect("the emulator answers");
    resp.json().await.expect("a JSON body")
}
