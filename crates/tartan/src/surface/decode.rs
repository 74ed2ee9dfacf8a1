//! The one decoder. Every Plaid endpoint's body goes through here: JSON parsing, credentials,
//! and strict decoding into the endpoint's request type. Handlers never check fields by hand
//! for presence, type or name.

use axum::http::{HeaderMap, header};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use tartan_types::{ErrorCode, PlaidError};

/// Credentials from the body (`client_id`, `secret`) or the `PLAID-CLIENT-ID` / `PLAID-SECRET`
/// headers; the body wins when both are present.
pub struct Credentials {
    pub client_id: String,
    pub secret: String,
}

/// Parses the body as a JSON object, refusing other content types.
pub fn json_object(headers: &HeaderMap, body: &[u8]) -> Result<Map<String, Value>, PlaidError> {
    let invalid = |why: &str| {
        PlaidError::new(ErrorCode::INVALID_BODY)
            .with_message(format!("body could not be parsed as JSON: {why}"))
    };
    if let Some(ct) = headers.get(header::CONTENT_TYPE) {
        let ct = ct.to_str().unwrap_or("");
        if !ct.to_ascii_lowercase().contains("json") {
            return Err(invalid(&format!(
                "the Content-Type is {ct:?}; send application/json"
            )));
        }
    }
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(invalid("the body is empty"));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(invalid("the body must be a JSON object")),
        Err(e) => Err(invalid(&e.to_string())),
    }
}

/// Takes the credentials out of the body (or the headers).
pub fn credentials(
    headers: &HeaderMap,
    body: &mut Map<String, Value>,
) -> Result<Credentials, PlaidError> {
    let mut missing = Vec::new();
    let mut take = |field: &'static str, header: &'static str| -> Result<String, PlaidError> {
        let value = match body.remove(field) {
            Some(Value::String(s)) => Some(s),
            None => headers
                .get(header)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
            Some(_) => {
                return Err(PlaidError::invalid_field(
                    field,
                    "must be a properly formatted, non-empty string",
                ));
            }
        };
        match value {
            Some(v) if !v.is_empty() => Ok(v),
            Some(_) => Err(PlaidError::invalid_field(
                field,
                "must be a properly formatted, non-empty string",
            )),
            None => {
                missing.push(field);
                Ok(String::new())
            }
        }
    };
    let client_id = take("client_id", "plaid-client-id")?;
    let secret = take("secret", "plaid-secret")?;
    if !missing.is_empty() {
        return Err(PlaidError::missing_fields(&missing));
    }
    Ok(Credentials { client_id, secret })
}

/// Decodes the body of a request to `endpoint`: the strict decoder, then the endpoint's shapes
/// (null only where Plaid allows it, the right kind of value in each field). Serde's errors come
/// first: they name unknown and missing fields, and the value it could not read.
pub fn request<T: DeserializeOwned>(
    endpoint: &str,
    body: Map<String, Value>,
) -> Result<T, PlaidError> {
    let shape_error = super::shapes::check(endpoint, &body);
    let req = strict::<T>(body)?;
    match shape_error {
        Some(e) => Err(e),
        None => Ok(req),
    }
}

/// Decodes a request body strictly: every unrecognised field is UNKNOWN_FIELDS, a missing
/// required field MISSING_FIELDS, a value of the wrong shape INVALID_FIELD naming the field.
pub fn strict<T: DeserializeOwned>(body: Map<String, Value>) -> Result<T, PlaidError> {
    let mut unknown = Vec::new();
    // serde_ignored marks an Option layer as a `?` segment; Plaid paths have none.
    let mut note = |path: serde_ignored::Path<'_>| {
        let path = path.to_string();
        let segments: Vec<&str> = path.split('.').filter(|s| *s != "?").collect();
        unknown.push(segments.join("."));
    };
    let result: Result<T, _> = serde_path_to_error::deserialize(serde_ignored::Deserializer::new(
        Value::Object(body),
        &mut note,
    ));
    if !unknown.is_empty() {
        return Err(PlaidError::unknown_fields(&unknown));
    }
    result.map_err(|e| {
        let path = e.path().to_string();
        let message = e.into_inner().to_string();
        field_error(&path, &message)
    })
}

/// Turns serde's message about `path` into Plaid's error.
fn field_error(path: &str, message: &str) -> PlaidError {
    let within = |field: &str| {
        if path == "." {
            field.to_owned()
        } else {
            format!("{path}.{field}")
        }
    };
    if let Some(field) = message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.strip_suffix('`'))
    {
        return PlaidError::missing_fields(&[within(field)]);
    }
    if message.starts_with("invalid type: null") {
        return PlaidError::missing_fields(&[path]);
    }
    // "invalid type: integer `5`, expected a string" -> "must be a string (got integer `5`)"
    let rule = if let Some(rest) = message.strip_prefix("invalid type: ") {
        match rest.split_once(", expected ") {
            Some((got, expected)) => format!("must be {} (got {got})", plain(expected)),
            None => format!("has the wrong type: {rest}"),
        }
    } else if let Some(rest) = message.strip_prefix("invalid length ") {
        match rest.split_once(", expected ") {
            Some((_, expected)) => format!("must be {}", plain(expected)),
            None => "has the wrong length".to_owned(),
        }
    } else if let Some(rest) = message.strip_prefix("unknown variant ") {
        match rest.split_once(", expected ") {
            Some((got, expected)) => {
                format!("must be {} (got {got})", expected.replace('`', "\""))
            }
            None => format!("is not an accepted value: {rest}"),
        }
    } else {
        format!("is invalid: {message}")
    };
    PlaidError::invalid_field(path, rule)
}

/// Serde's names for what it expected, in words a client understands.
fn plain(expected: &str) -> &str {
    match expected {
        e if e.starts_with("struct ") || e == "a map" => "an object",
        "i8" | "i16" | "i32" | "i64" | "u8" | "u16" | "u32" | "u64" | "usize" | "isize" => {
            "an integer"
        }
        "f32" | "f64" => "a number",
        "a sequence" => "an array",
        "a borrowed string" => "a string",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Req {
        access_token: String,
        options: Option<Opts>,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Opts {
        count: Option<u32>,
    }

    fn map(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }

    #[test]
    fn names_every_unknown_field_with_its_path() {
        let e = strict::<Req>(map(serde_json::json!({
            "access_token": "a", "bogus": 1, "options": {"count": 1, "extra": true}
        })))
        .expect_err("unknown");
        assert_eq!(e.code, ErrorCode::UNKNOWN_FIELDS);
        assert!(
            e.message.contains("bogus") && e.message.contains("options.extra"),
            "{}",
            e.message
        );
    }

    #[test]
    fn missing_and_invalid_fields_are_named() {
        let e = strict::<Req>(Map::new()).expect_err("missing");
        assert_eq!(e.code, ErrorCode::MISSING_FIELDS);
        assert!(e.message.ends_with("access_token"));
        let e = strict::<Req>(map(serde_json::json!({"access_token": 5}))).expect_err("type");
        assert_eq!(e.code, ErrorCode::INVALID_FIELD);
        assert_eq!(e.message, "access_token must be a string (got integer `5`)");
        let e = strict::<Req>(map(
            serde_json::json!({"access_token": "a", "options": {"count": "x"}}),
        ))
        .expect_err("nested");
        assert!(
            e.message.starts_with("options.count must be"),
            "{}",
            e.message
        );
    }
}
