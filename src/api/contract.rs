//! The finishing pass over the OpenAPI document, so it describes what the server really answers:
//! every `/app/api/v0` success in the `{ret,msg,data}` envelope, every error of the JSON APIs as
//! the error envelope (any status not listed), and the node key on every `/mod_mu` call.

use serde_json::{json, Map, Value};

/// Paths whose answers are all enveloped JSON (gateway notifications answer as each gateway
/// expects, so they are left as declared).
fn enveloped(path: &str) -> bool {
    path.starts_with("/app/api/v0/") && !path.starts_with("/app/api/v0/payment/notify/")
}

fn error_envelope() -> Value {
    json!({
        "type": "object",
        "description": "A failure: `ret` 0, a message, and for invalid fields the fields at fault.",
        "required": ["ret", "msg"],
        "properties": {
            "ret": {"type": "integer", "enum": [0]},
            "msg": {"type": "string"},
            "data": {},
            "errors": {"type": "array", "items": {
                "type": "object",
                "properties": {"field": {"type": "string"}, "msg": {"type": "string"}}
            }}
        }
    })
}

fn success_envelope(data: Value) -> Value {
    json!({
        "type": "object",
        "required": ["ret", "msg", "data"],
        "properties": {
            "ret": {"type": "integer", "enum": [1]},
            "msg": {"type": "string"},
            "data": data
        }
    })
}

fn error_response() -> Value {
    json!({
        "description": "An error, in the envelope",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorEnvelope"}}}
    })
}

/// Rewrites one operation's responses (and security) as the server answers.
fn finish_operation(path: &str, op: &mut Map<String, Value>) {
    let json_api = enveloped(path) || path.starts_with("/mod_mu/");
    if path.starts_with("/mod_mu/") {
        op.insert(
            "security".into(),
            json!([{"mu_key_query": []}, {"mu_key": []}]),
        );
        // SSPanel's node protocol takes any input and answers what it cannot use with HTTP 200
        // `{"ret":0,…}` (node clients read `ret`), so its inputs are described as loosely as the
        // server takes them: path values as text, bodies optional.
        if let Some(params) = op.get_mut("parameters").and_then(Value::as_array_mut) {
            for p in params.iter_mut().filter(|p| p["in"] == "path") {
                p["schema"] = json!({"type": "string"});
            }
        }
        if let Some(body) = op.get_mut("requestBody").and_then(Value::as_object_mut) {
            body.insert("required".into(), json!(false));
            if let Some(media) = body
                .get_mut("content")
                .and_then(|c| c.get_mut("application/json"))
            {
                media["schema"] = json!({"description": "Any JSON: what the node sent."});
            }
        }
    }
    let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
        return;
    };
    for (status, response) in responses.iter_mut() {
        let Some(response) = response.as_object_mut() else {
            continue;
        };
        let success = status.starts_with('2');
        if success && enveloped(path) {
            let content = response
                .entry("content")
                .or_insert_with(|| json!({}))
                .as_object_mut()
                .expect("content is an object");
            if content.is_empty() {
                content.insert("application/json".into(), json!({}));
            }
            if let Some(media) = content.get_mut("application/json") {
                let data = media.get("schema").cloned().unwrap_or(json!({}));
                media["schema"] = success_envelope(data);
            }
        } else if json_api && !success && status != "304" && !response.contains_key("content") {
            response.insert("content".into(), error_response()["content"].clone());
        }
    }
    if json_api {
        responses.entry("default").or_insert_with(error_response);
    }
}

/// The document as served at `/openapi.json`.
pub fn finish(doc: utoipa::openapi::OpenApi) -> Value {
    let mut value = serde_json::to_value(&doc).expect("the document serialises");
    if let Some(paths) = value.get_mut("paths").and_then(Value::as_object_mut) {
        for (path, item) in paths.iter_mut() {
            let Some(item) = item.as_object_mut() else {
                continue;
            };
            for (method, op) in item.iter_mut() {
                if let (true, Some(op)) = (
                    ["get", "post", "put", "delete", "patch"].contains(&method.as_str()),
                    op.as_object_mut(),
                ) {
                    finish_operation(path, op);
                }
            }
        }
    }
    let components = value
        .as_object_mut()
        .expect("the document is an object")
        .entry("components")
        .or_insert_with(|| json!({}));
    components["schemas"]["ErrorEnvelope"] = error_envelope();
    components["securitySchemes"]["mu_key_query"] =
        json!({"type": "apiKey", "in": "query", "name": "key"});
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn successes_are_enveloped_and_errors_documented() {
        let doc = crate::api::openapi();
        let me = &doc["paths"]["/app/api/v0/user/me"]["get"]["responses"];
        let schema = &me["200"]["content"]["application/json"]["schema"];
        assert_eq!(schema["required"], json!(["ret", "msg", "data"]));
        assert!(schema["properties"]["data"]["$ref"].is_string(), "{schema}");
        assert_eq!(
            me["default"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/ErrorEnvelope"
        );
        let users = &doc["paths"]["/mod_mu/users"]["get"];
        assert_eq!(users["security"][0], json!({"mu_key_query": []}));
        assert!(doc["components"]["schemas"]["ErrorEnvelope"].is_object());
    }
}
