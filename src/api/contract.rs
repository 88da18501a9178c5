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

/// Every name `Target::parse` knows (it ignores case and surrounding spaces).
const SUB_TARGETS: &[&str] = &[
    "clash",
    "mihomo",
    "clashmeta",
    "clash-meta",
    "meta",
    "stash",
    "singbox",
    "sing-box",
    "base64",
    "v2rayn",
    "v2rayng",
    "v2ray",
    "uri",
    "general",
    "ss",
    "ssr",
    "vmess",
    "shadowrocket",
    "quanx",
    "quantumultx",
    "quantumult",
    "quantumult-x",
    "surge",
    "loon",
    "surfboard",
    "sip008",
];

/// A plan `content` key holding a number from 0 to `max` (as a JSON number, or as text of
/// digits: empty text is 0).
fn plan_number(max: u64, whole: bool) -> Value {
    let number = if whole {
        json!({"type": "integer", "minimum": 0, "maximum": max})
    } else {
        json!({"type": "number", "minimum": 0, "maximum": max})
    };
    let digits = max.to_string().len() - 1;
    let text = format!("^[0-9]{{0,{digits}}}$");
    json!({"anyOf": [number, {"type": "string", "pattern": text}]})
}

/// What a plan's `content` may hold (`PlanContent::from_map`): known keys only.
fn plan_content() -> Value {
    let days = plan_number(36_500, true);
    json!({
        "type": "object",
        "additionalProperties": false,
        "description": "Known keys only (see the business rules); numbers as JSON numbers or text. \
            The server also takes `promo` (`{\"price\", \"start\", \"end\"}` with start ≤ end), \
            left out here because a schema cannot compare two fields.",
        "properties": {
            "bandwidth": plan_number(100_000_000, false),
            "reset_value": plan_number(100_000_000, false),
            "speedlimit": plan_number(1_000_000, false),
            "expire": days, "class_expire": days, "reset": days, "reset_exp": days,
            "class": plan_number(100_000, true),
            "connector": plan_number(100_000, true),
            "content_extra": {"type": ["string", "null"]},
            "traffic_package": {"anyOf": [
                {"type": ["boolean", "null", "object"]},
                {"type": "number", "minimum": 0, "maximum": 100_000}
            ]},
            "bundle": {"type": "array", "items": {"type": "integer", "minimum": 1, "maximum": i64::MAX}}
        }
    })
}

/// Constraints utoipa's attributes cannot state (alternatives, items of plain lists, enums of
/// text parameters), added to the schemas and parameters they belong to.
fn refine(doc: &mut Value) {
    let schemas = &mut doc["components"]["schemas"];
    let non_blank = json!({"type": "string", "pattern": "\\S"});
    if schemas["AnnouncementInput"].is_object() {
        schemas["AnnouncementInput"]["anyOf"] = json!([
            {"properties": {"content": non_blank}},
            {"required": ["markdown"], "properties": {"markdown": non_blank}}
        ]);
    }
    if schemas["SettingBody"].is_object() {
        schemas["SettingBody"]["properties"]["value"] = json!({
            "description": "Text, or a JSON number, boolean, array or object; not null.",
            "type": ["string", "number", "boolean", "array", "object"]
        });
    }
    if schemas["CouponBody"].is_object() {
        schemas["CouponBody"]["properties"]["shop"]["items"]["minimum"] = json!(1);
    }
    if schemas["PlanBody"].is_object() {
        schemas["PlanBody"]["properties"]["price"] = json!({
            "description": "An amount ≥ 0 below 10000000000 with at most two decimals, as text or a number.",
            "anyOf": [
                {"type": "string", "pattern": "^[0-9]{1,10}(\\.[0-9]{1,2})?$"},
                {"type": "integer", "minimum": 0, "maximum": 9_999_999_999u64}
            ]
        });
        schemas["PlanBody"]["properties"]["content"] = plan_content();
    }
    if schemas["NewCodes"].is_object() {
        schemas["NewCodes"]["properties"]["type"] = json!({
            "description": "-1 balance (default), 10001 traffic GB, 10002 days, 1–10000 a class.",
            "anyOf": [
                {"type": "integer", "enum": [-1, 10001, 10002]},
                {"type": "integer", "minimum": 1, "maximum": 10000}
            ]
        });
    }
    for (path, param) in [
        ("/sub/{token}", "target"),
        ("/sub/{token}/{target}", "target"),
        ("/link/{token}", "target"),
    ] {
        if let Some(p) = find_param(doc, path, param) {
            p["schema"] = json!({"type": "string", "enum": SUB_TARGETS});
        }
    }
    if let Some(p) = find_param(doc, "/qr.svg", "text") {
        p["required"] = json!(true);
        // A QR code holds 2331 bytes at level M: 2048 ASCII characters, or 582 of any kind.
        p["schema"] = json!({"anyOf": [
            {"type": "string", "minLength": 1, "maxLength": 2048, "pattern": "^[\\x00-\\x7f]*$"},
            {"type": "string", "minLength": 1, "maxLength": 582}
        ]});
    }
}

fn find_param<'a>(doc: &'a mut Value, path: &str, name: &str) -> Option<&'a mut Value> {
    doc["paths"][path]["get"]["parameters"]
        .as_array_mut()?
        .iter_mut()
        .find(|p| p["name"] == name)
}

/// The document as served at `/openapi.json`.
pub fn finish(doc: utoipa::openapi::OpenApi) -> Value {
    let mut value = serde_json::to_value(&doc).expect("the document serialises");
    refine(&mut value);
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
        assert_eq!(users["parameters"][0]["in"], "query");
        assert_eq!(users["security"][0], json!({"mu_key_query": []}));
        assert!(doc["components"]["schemas"]["ErrorEnvelope"].is_object());
    }

    /// Guards new endpoints: a parameter documented `in: path` must be in the path (an
    /// `IntoParams` read through `ApiQuery` needs `#[into_params(parameter_in = Query)]`, or it
    /// is documented as a path parameter nobody can send), and every `integer` parameter or
    /// property the document declares is what the server parses.
    #[test]
    fn parameters_are_where_the_server_reads_them() {
        let doc = crate::api::openapi();
        let mut wrong = Vec::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                for p in op["parameters"].as_array().into_iter().flatten() {
                    let name = p["name"].as_str().unwrap();
                    if p["in"] == "path" && !path.contains(&format!("{{{name}}}")) {
                        wrong.push(format!("{method} {path}: {name}"));
                    }
                }
            }
        }
        assert!(
            wrong.is_empty(),
            "path parameters missing from their path: {wrong:?}"
        );
    }

    #[test]
    fn refinements_reach_their_schemas() {
        let doc = crate::api::openapi();
        let schemas = &doc["components"]["schemas"];
        assert!(schemas["AnnouncementInput"]["anyOf"].is_array());
        assert_eq!(
            schemas["CouponBody"]["properties"]["shop"]["items"]["minimum"],
            1
        );
        assert_eq!(
            schemas["PlanBody"]["properties"]["content"]["additionalProperties"],
            false
        );
        assert!(schemas["NewCodes"]["properties"]["type"]["anyOf"].is_array());
        let target = &doc["paths"]["/sub/{token}"]["get"]["parameters"][1];
        assert_eq!(target["name"], "target");
        assert!(target["schema"]["enum"]
            .as_array()
            .unwrap()
            .contains(&json!("clash")));
        let text = &doc["paths"]["/qr.svg"]["get"]["parameters"][0];
        assert_eq!(
            (&text["in"], &text["required"]),
            (&json!("query"), &json!(true))
        );
        // Every known target name is in the enum, and nothing else.
        for name in SUB_TARGETS {
            assert!(
                crate::domain::subscription::Target::parse(name).is_some(),
                "{name}"
            );
        }
    }
}
