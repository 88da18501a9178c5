//! Node API rules: report validation, traffic-rate charging, which users a node gets and the fields
//! each node type reads.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::money::Money;

/// One validated row of a traffic report (raw bytes, before the node's rate).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrafficRow {
    pub user_id: i64,
    pub u: u64,
    pub d: u64,
}

/// The most bytes one row of a report may carry in each direction (1 PiB): more than any node moves
/// between two reports, far below what could overflow the signed 64-bit counters.
pub const MAX_REPORT_BYTES: u64 = 1 << 50;
/// The most one batch may add to one counter (a user's `u` or `d`, a node's bandwidth, an hour).
pub const MAX_BATCH_DELTA: u64 = 1 << 55;
/// Counters saturate here (2 EiB), so `u + d` and every sum of them stay inside a signed 64-bit
/// column on both backends whatever nodes report.
pub const COUNTER_CAP: u64 = 1 << 61;

/// A non-negative whole JSON number: `5` or, as JSON Schema counts integers, `5.0` (floats only up
/// to 2^53, where every whole number is exact).
fn whole_number(v: &Value) -> Option<u64> {
    v.as_u64().or_else(|| {
        v.as_f64()
            .filter(|f| f.fract() == 0.0 && (0.0..=9_007_199_254_740_992.0).contains(f))
            .map(|f| f as u64)
    })
}

/// Validates a whole report body's `data`: an array of `{user_id, u, d}` with positive ids and
/// whole byte counts from 0 to `MAX_REPORT_BYTES`. All or nothing: the first bad row rejects the
/// report.
pub fn parse_traffic(data: &Value) -> Result<Vec<TrafficRow>, String> {
    let rows = data.as_array().ok_or("data must be an array")?;
    rows.iter()
        .enumerate()
        .map(|(i, row)| {
            let field = |name: &str| -> Result<u64, String> {
                row.get(name)
                    .and_then(whole_number)
                    .ok_or_else(|| format!("data[{i}].{name} must be a non-negative integer"))
            };
            let user_id = field("user_id")?;
            if user_id == 0 || user_id > i64::MAX as u64 {
                return Err(format!("data[{i}].user_id must be a positive integer"));
            }
            let (u, d) = (field("u")?, field("d")?);
            if u > MAX_REPORT_BYTES || d > MAX_REPORT_BYTES {
                return Err(format!(
                    "data[{i}]: u and d must be at most {MAX_REPORT_BYTES} bytes"
                ));
            }
            Ok(TrafficRow {
                user_id: user_id as i64,
                u,
                d,
            })
        })
        .collect()
}

/// An `Idempotency-Key`: 1 to 128 visible ASCII characters (a UUID fits).
pub fn check_idempotency_key(key: &str) -> Result<&str, String> {
    if key.is_empty() || key.len() > 128 || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err("Idempotency-Key must be 1 to 128 visible ASCII characters".into());
    }
    Ok(key)
}

/// Bytes charged for `raw` bytes at the node's `traffic_rate`. The column is a FLOAT, so 0.7 arrives
/// as 0.699999988…; rounding to the nearest byte charges 1000 bytes at 0.7 as 700, not 699.
/// The result never exceeds `MAX_BATCH_DELTA`, whatever rate an operator typed.
pub fn charge(raw: u64, rate: f64) -> u64 {
    if !(rate.is_finite() && rate > 0.0) {
        return 0;
    }
    let rate = (rate * 1e6).round() / 1e6;
    // A float-to-integer cast saturates, so a huge product cannot wrap.
    ((raw as f64 * rate).round() as u64).min(MAX_BATCH_DELTA)
}

/// The kind of server a node runs: SSPanel-UIM's `node.sort` numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeSort {
    /// Shadowsocks (SSR when the user has a protocol or obfuscation); per-user ports.
    Shadowsocks = 0,
    /// Shadowsocks 2022 on one port, a key per user.
    Shadowsocks2022 = 1,
    /// TUIC.
    Tuic = 2,
    /// V2Ray: VMess or VLESS (with TLS or REALITY).
    V2Ray = 11,
    /// Trojan.
    Trojan = 14,
}

impl NodeSort {
    /// The sort of a `node.sort` value; None for numbers spanel does not serve.
    pub fn from_i64(sort: i64) -> Option<NodeSort> {
        match sort {
            0 => Some(NodeSort::Shadowsocks),
            1 => Some(NodeSort::Shadowsocks2022),
            2 => Some(NodeSort::Tuic),
            11 => Some(NodeSort::V2Ray),
            14 => Some(NodeSort::Trojan),
            _ => None,
        }
    }

    /// The `node.sort` value.
    pub fn as_i64(self) -> i64 {
        self as i64
    }
}

/// The node's fields that decide whether it serves anyone.
#[derive(Debug, Clone)]
pub struct NodeRow {
    pub id: i64,
    pub name: String,
    /// `type`: 0 = disabled.
    pub node_type: i64,
    pub server: String,
    pub custom_config: String,
    pub sort: i64,
    pub traffic_rate: f32,
    pub node_class: i64,
    pub node_group: i64,
    pub node_speedlimit: Money,
    pub node_connector: i64,
    pub node_bandwidth: i64,
    pub node_bandwidth_limit: i64,
    pub node_ip: Option<String>,
    pub mu_only: Option<i64>,
}

impl NodeRow {
    pub fn is_enabled(&self) -> bool {
        self.node_type != 0
    }

    pub fn out_of_bandwidth(&self) -> bool {
        self.node_bandwidth_limit > 0 && self.node_bandwidth >= self.node_bandwidth_limit
    }

    /// `custom_config` as a JSON object (`{}` when empty or not an object).
    pub fn custom_config_json(&self) -> Value {
        match serde_json::from_str::<Value>(&self.custom_config) {
            Ok(v @ Value::Object(_)) => v,
            _ => Value::Object(Default::default()),
        }
    }
}

/// A user row as the users list reads it.
#[derive(Debug, Clone)]
pub struct NodeUserRow {
    pub id: i64,
    pub uuid: String,
    pub passwd: String,
    pub port: i64,
    pub method: String,
    pub protocol: Option<String>,
    pub protocol_param: Option<String>,
    pub obfs: Option<String>,
    pub obfs_param: Option<String>,
    pub u: i64,
    pub d: i64,
    pub transfer_enable: i64,
    pub node_speedlimit: Money,
    pub node_connector: i64,
    pub is_multi_user: i64,
    pub forbidden_ip: Option<String>,
    pub forbidden_port: Option<String>,
    pub enable: i64,
}

impl NodeUserRow {
    pub fn over_quota(&self) -> bool {
        self.u.saturating_add(self.d) >= self.transfer_enable
    }
}

/// A speed limit (Mbps, 0 = unlimited) as a JSON number: an integer when whole, so clients that
/// decode it into an integer (V2bX's SSPanel client: Go `int`) read it as well as those that decode
/// a float (XrayR: `float64`, SSR: `float()`).
pub fn speed(m: Money) -> Value {
    let d = m.0.normalize();
    if d.scale() == 0 {
        if let Ok(i) = i64::try_from(d) {
            return Value::from(i);
        }
    }
    serde_json::from_str(&d.to_string()).unwrap_or(Value::from(0))
}

/// A legacy node status post (`POST /mod_mu/nodes/{id}/info`), validated.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeStatus {
    pub uptime: f64,
    pub load: String,
}

/// A status field as clients send it: XrayR and SSR send strings (`"1234.5"`, SSR's load ends in a
/// newline), other clients numbers.
#[derive(Deserialize)]
#[serde(untagged)]
enum TextOrNumber {
    Text(String),
    Number(f64),
}

#[derive(Deserialize)]
struct RawStatus {
    uptime: Option<TextOrNumber>,
    load: Option<TextOrNumber>,
}

/// Parses a status body: JSON (`{"uptime":"1234.5","load":"0.10 0.20 0.30\n"}`, strings or
/// numbers) or, when `form` is set, `application/x-www-form-urlencoded` (V2bX's SSPanel client).
/// Missing fields are 0 and empty; the load is trimmed and at most 32 characters (the column);
/// the uptime a finite number ≥ 0.
pub fn parse_node_status(body: &[u8], form: bool) -> Result<NodeStatus, String> {
    let raw: RawStatus = if form {
        serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
            .map(|pairs| {
                let get = |k: &str| {
                    pairs
                        .iter()
                        .find(|(n, _)| n == k)
                        .map(|(_, v)| TextOrNumber::Text(v.clone()))
                };
                RawStatus {
                    uptime: get("uptime"),
                    load: get("load"),
                }
            })
            .map_err(|_| "body is not a form".to_string())?
    } else {
        serde_json::from_slice(body)
            .map_err(|_| "body must be {\"uptime\":…,\"load\":…}".to_string())?
    };
    let uptime = match raw.uptime {
        None => 0.0,
        Some(TextOrNumber::Number(n)) => n,
        Some(TextOrNumber::Text(t)) if t.trim().is_empty() => 0.0,
        Some(TextOrNumber::Text(t)) => t
            .trim()
            .parse::<f64>()
            .map_err(|_| "uptime must be a number of seconds".to_string())?,
    };
    if !uptime.is_finite() || uptime < 0.0 {
        return Err("uptime must be a number of seconds ≥ 0".into());
    }
    let load = match raw.load {
        None => String::new(),
        Some(TextOrNumber::Number(n)) => n.to_string(),
        Some(TextOrNumber::Text(t)) => t.trim().to_string(),
    };
    if load.chars().count() > 32 {
        return Err("load must be at most 32 characters".into());
    }
    Ok(NodeStatus { uptime, load })
}

/// The `/mod_mu/users` entry for `user` on a node of `sort`, in the names and types XrayR, V2bX and
/// SSR read. `keep_connect` lists an over-quota user throttled to 1 Mbps instead of dropping them;
/// otherwise over-quota users are left out (None). `ss2022_method` is the node's Shadowsocks 2022
/// method (sort 1): its per-user key is the one subscriptions hand to clients.
pub fn mod_mu_user(
    sort: i64,
    ss2022_method: &str,
    user: &NodeUserRow,
    alive_ip: i64,
    keep_connect: bool,
) -> Option<Value> {
    let entry = mod_mu_entry(sort, ss2022_method, user, alive_ip, keep_connect)?;
    Some(serde_json::to_value(entry).expect("entries serialize"))
}

/// `mod_mu_user` as a typed entry, serialized straight to bytes by the lists. The fields are in
/// alphabetical order, as a JSON object map orders them, so both give the same bytes; absent
/// fields are the ones the node's sort does not read.
#[derive(Debug, Clone, Serialize)]
pub struct ModMuUser<'a> {
    pub alive_ip: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub d: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enable: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub forbidden_ip: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub forbidden_port: Option<&'a str>,
    pub id: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_multi_user: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<&'a str>,
    pub node_connector: i64,
    pub node_iplimit: i64,
    pub node_speedlimit: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub obfs: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub obfs_param: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub passwd: Option<std::borrow::Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protocol: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protocol_param: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transfer_enable: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub u: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uuid: Option<&'a str>,
}

/// The typed `/mod_mu/users` entry (see `mod_mu_user`).
pub fn mod_mu_entry<'a>(
    sort: i64,
    ss2022_method: &str,
    user: &'a NodeUserRow,
    alive_ip: i64,
    keep_connect: bool,
) -> Option<ModMuUser<'a>> {
    let mut speed_limit = speed(user.node_speedlimit);
    if user.over_quota() {
        if !keep_connect {
            return None;
        }
        speed_limit = Value::from(1);
    }
    let mut o = ModMuUser {
        alive_ip,
        d: None,
        enable: None,
        forbidden_ip: None,
        forbidden_port: None,
        id: user.id,
        is_multi_user: None,
        method: None,
        node_connector: user.node_connector,
        node_iplimit: user.node_connector,
        node_speedlimit: speed_limit,
        obfs: None,
        obfs_param: None,
        passwd: None,
        port: None,
        protocol: None,
        protocol_param: None,
        transfer_enable: None,
        u: None,
        uuid: None,
    };
    match NodeSort::from_i64(sort) {
        Some(NodeSort::V2Ray | NodeSort::Trojan) => o.uuid = Some(&user.uuid),
        Some(NodeSort::Tuic) => {
            o.uuid = Some(&user.uuid);
            o.passwd = Some(user.passwd.as_str().into());
        }
        Some(NodeSort::Shadowsocks2022) => {
            let key = crate::subscription::ss2022_user_key(&user.uuid, ss2022_method)
                .map(Into::into)
                .unwrap_or_else(|| user.passwd.as_str().into());
            o.passwd = Some(key);
        }
        _ => {
            let s = |v: &'a Option<String>| Some(text(v));
            o.port = Some(user.port);
            o.passwd = Some(user.passwd.as_str().into());
            o.method = Some(&user.method);
            (o.u, o.d) = (Some(user.u), Some(user.d));
            o.transfer_enable = Some(user.transfer_enable);
            o.enable = Some(user.enable);
            (o.protocol, o.protocol_param) = (s(&user.protocol), s(&user.protocol_param));
            (o.obfs, o.obfs_param) = (s(&user.obfs), s(&user.obfs_param));
            o.is_multi_user = Some(user.is_multi_user);
            (o.forbidden_ip, o.forbidden_port) = (s(&user.forbidden_ip), s(&user.forbidden_port));
        }
    }
    Some(o)
}

/// The seed API's user entry: the columns SPEC §4 lists, whatever the node type, in alphabetical
/// order (as a JSON object map orders them: lists serialize it straight to bytes).
#[derive(Debug, Serialize)]
pub struct SeedUser<'a> {
    pub alive_ip: i64,
    pub d: i64,
    pub forbidden_ip: &'a str,
    pub forbidden_port: &'a str,
    pub id: i64,
    pub is_multi_user: i64,
    pub method: &'a str,
    pub node_connector: i64,
    pub node_speedlimit: Money,
    pub obfs: &'a str,
    pub obfs_param: &'a str,
    pub passwd: &'a str,
    pub port: i64,
    pub protocol: &'a str,
    pub protocol_param: &'a str,
    pub transfer_enable: i64,
    pub u: i64,
    pub uuid: &'a str,
}

fn text(v: &Option<String>) -> &str {
    v.as_deref().unwrap_or("")
}

pub fn seed_user(user: &NodeUserRow, alive_ip: i64) -> SeedUser<'_> {
    let s = text;
    SeedUser {
        id: user.id,
        uuid: &user.uuid,
        passwd: &user.passwd,
        port: user.port,
        method: &user.method,
        protocol: s(&user.protocol),
        protocol_param: s(&user.protocol_param),
        obfs: s(&user.obfs),
        obfs_param: s(&user.obfs_param),
        u: user.u,
        d: user.d,
        transfer_enable: user.transfer_enable,
        node_speedlimit: user.node_speedlimit,
        node_connector: user.node_connector,
        is_multi_user: user.is_multi_user,
        forbidden_ip: s(&user.forbidden_ip),
        forbidden_port: s(&user.forbidden_port),
        alive_ip,
    }
}

/// A weak ETag over the serialized data: equal data, equal tag.
pub fn weak_etag(body: &[u8]) -> String {
    let digest = Sha256::digest(body);
    format!("W/\"{}\"", hex::encode(&digest[..12]))
}

/// Whether an `If-None-Match` header value matches `etag` (weak comparison, lists and `*`).
pub fn etag_matches(if_none_match: &str, etag: &str) -> bool {
    let strip = |t: &str| t.trim().trim_start_matches("W/").to_string();
    let ours = strip(etag);
    if_none_match
        .split(',')
        .any(|t| t.trim() == "*" || strip(t) == ours)
}

/// Whether an `Accept-Encoding` value accepts gzip (`gzip`, `x-gzip` or `*`, unless `q=0`).
pub fn accepts_gzip(accept_encoding: &str) -> bool {
    accept_encoding.split(',').any(|part| {
        let mut it = part.split(';');
        let coding = it.next().unwrap_or("").trim().to_ascii_lowercase();
        let refused = it.any(|p| {
            p.trim()
                .strip_prefix("q=")
                .and_then(|q| q.trim().parse::<f64>().ok())
                .is_some_and(|q| q <= 0.0)
        });
        matches!(coding.as_str(), "gzip" | "x-gzip" | "*") && !refused
    })
}

/// `{"node_id":…,"count":…,"data":[{"user_id":…,"ip":…}]}` of `/node/online`.
#[derive(Debug, Deserialize)]
pub struct AliveIpEntry {
    pub user_id: i64,
    pub ip: String,
}

/// Keeps entries whose IP parses (v4 or v6) and whose user id is positive, normalised.
pub fn valid_alive_ips(entries: &[AliveIpEntry]) -> Vec<(i64, String)> {
    entries
        .iter()
        .filter(|e| e.user_id > 0)
        .filter_map(|e| {
            let raw = e.ip.trim().trim_start_matches("::ffff:");
            raw.parse::<std::net::IpAddr>()
                .ok()
                .map(|ip| (e.user_id, ip.to_string()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn status_posts_take_strings_numbers_and_forms() {
        let want = |uptime: f64, load: &str| NodeStatus {
            uptime,
            load: load.into(),
        };
        // shadowsocks-mod: str(float) and the raw /proc/loadavg line with its newline.
        assert_eq!(
            parse_node_status(br#"{"uptime":"1234.5","load":"0.10 0.20 0.30\n"}"#, false),
            Ok(want(1234.5, "0.10 0.20 0.30"))
        );
        // XrayR below 2023.2: FormatUint.
        assert_eq!(
            parse_node_status(br#"{"uptime":"86400","load":"0.05 0.41 0.33"}"#, false),
            Ok(want(86400.0, "0.05 0.41 0.33"))
        );
        assert_eq!(
            parse_node_status(br#"{"uptime":12.5,"load":"1 2 3"}"#, false),
            Ok(want(12.5, "1 2 3"))
        );
        assert_eq!(
            parse_node_status(b"load=0.10+0.20+0.30&uptime=99", true),
            Ok(want(99.0, "0.10 0.20 0.30"))
        );
        assert_eq!(parse_node_status(b"{}", false), Ok(want(0.0, "")));
        for bad in [
            &br#"{"uptime":"soon"}"#[..],
            br#"{"uptime":-1}"#,
            br#"{"uptime":"NaN"}"#,
            br#"{"uptime":[1]}"#,
            br#"{"load":"0123456789012345678901234567890123"}"#,
            b"not json",
            b"[]",
        ] {
            assert!(parse_node_status(bad, false).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn gzip_acceptance() {
        assert!(accepts_gzip("gzip"));
        assert!(accepts_gzip("gzip, deflate"));
        assert!(accepts_gzip("br;q=1.0, GZIP;q=0.5"));
        assert!(accepts_gzip("*"));
        assert!(!accepts_gzip("gzip;q=0"));
        assert!(!accepts_gzip("identity"));
        assert!(!accepts_gzip("deflate, br"));
    }

    #[test]
    fn speed_limits_are_integers_when_whole() {
        use rust_decimal::Decimal;
        let m = |s: &str| Money(s.parse::<Decimal>().unwrap());
        assert_eq!(speed(m("0.00")).to_string(), "0");
        assert_eq!(speed(m("100.00")).to_string(), "100");
        assert_eq!(speed(m("1.50")).to_string(), "1.5");
    }

    #[test]
    fn charges_round_to_the_nearest_byte() {
        assert_eq!(charge(1000, 0.7f32 as f64), 700);
        assert_eq!(charge(1000, 1.0), 1000);
        assert_eq!(charge(4, 1.5), 6);
        assert_eq!(charge(3, 0.5), 2);
        assert_eq!(charge(1000, 0.0), 0);
        assert_eq!(charge(u32::MAX as u64 * 4, 2.0), u32::MAX as u64 * 8);
        assert_eq!(charge(MAX_REPORT_BYTES, 1e30), MAX_BATCH_DELTA);
    }

    #[test]
    fn traffic_reports_are_all_or_nothing() {
        let ok = parse_traffic(&json!([{"user_id": 1, "u": 2, "d": 3}])).unwrap();
        assert_eq!(
            ok,
            vec![TrafficRow {
                user_id: 1,
                u: 2,
                d: 3
            }]
        );
        for bad in [
            json!({"user_id": 1}),
            json!([{"user_id": 1, "u": -1, "d": 0}]),
            json!([{"user_id": 1, "u": 1.5, "d": 0}]),
            json!([{"user_id": 1, "u": "1", "d": 0}]),
            json!([{"user_id": 0, "u": 1, "d": 0}]),
            json!([{"user_id": 1, "u": 1, "d": 0}, {"u": 1, "d": 1}]),
            json!([{"user_id": 1, "u": MAX_REPORT_BYTES + 1, "d": 0}]),
            json!([{"user_id": 1, "u": 0, "d": u64::MAX}]),
            json!([{"user_id": 1, "u": 1u64 << 62, "d": 0}]),
        ] {
            assert!(parse_traffic(&bad).is_err(), "{bad}");
        }
        assert!(parse_traffic(&json!([])).unwrap().is_empty());
        let max = json!([{"user_id": 1, "u": MAX_REPORT_BYTES, "d": MAX_REPORT_BYTES}]);
        assert_eq!(parse_traffic(&max).unwrap()[0].d, MAX_REPORT_BYTES);
    }

    fn user() -> NodeUserRow {
        NodeUserRow {
            id: 7,
            uuid: "u-u-i-d".into(),
            passwd: "pw".into(),
            port: 10001,
            method: "aes-128-gcm".into(),
            protocol: Some("origin".into()),
            protocol_param: None,
            obfs: Some("plain".into()),
            obfs_param: None,
            u: 10,
            d: 20,
            transfer_enable: 100,
            node_speedlimit: Money::from_cents(1050),
            node_connector: 3,
            is_multi_user: 0,
            forbidden_ip: None,
            forbidden_port: None,
            enable: 1,
        }
    }

    #[test]
    fn node_sorts_keep_sspanels_numbers() {
        for (n, sort) in [
            (0, NodeSort::Shadowsocks),
            (1, NodeSort::Shadowsocks2022),
            (2, NodeSort::Tuic),
            (11, NodeSort::V2Ray),
            (14, NodeSort::Trojan),
        ] {
            assert_eq!(NodeSort::from_i64(n), Some(sort));
            assert_eq!(sort.as_i64(), n);
        }
        for n in [-1, 3, 10, 12, 13, 15] {
            assert_eq!(NodeSort::from_i64(n), None);
        }
    }

    #[test]
    fn fields_follow_the_node_sort() {
        let v = mod_mu_user(11, "", &user(), 2, false).unwrap();
        assert_eq!(v["uuid"], "u-u-i-d");
        assert!(v.get("passwd").is_none());
        assert_eq!(v["node_speedlimit"], json!(10.5));
        assert_eq!(v["node_iplimit"], 3);
        assert_eq!(v["alive_ip"], 2);
        let v = mod_mu_user(0, "", &user(), 0, false).unwrap();
        assert_eq!(v["port"], 10001);
        assert_eq!(v["method"], "aes-128-gcm");
        assert_eq!(v["protocol_param"], "");
        let v = mod_mu_user(1, "2022-blake3-aes-128-gcm", &user(), 0, false).unwrap();
        let key = crate::subscription::ss2022_user_key("u-u-i-d", "2022-blake3-aes-128-gcm");
        assert_eq!(v["passwd"].as_str(), key.as_deref());
        assert!(v.get("uuid").is_none());
        let v = mod_mu_user(2, "", &user(), 0, false).unwrap();
        assert_eq!(v["passwd"], "pw");
        assert_eq!(v["uuid"], "u-u-i-d");
    }

    #[test]
    fn typed_entries_serialize_as_their_json_objects() {
        // Lists write the typed entries straight to bytes; a JSON object orders its keys, so equal
        // bytes mean the field order is the one clients always got.
        let mut u = user();
        u.forbidden_ip = Some("127.0.0.0/8".into());
        for sort in [0, 1, 2, 11, 14, 15] {
            for keep in [false, true] {
                let Some(e) = mod_mu_entry(sort, "2022-blake3-aes-128-gcm", &u, 3, keep) else {
                    continue;
                };
                let bytes = serde_json::to_vec(&e).unwrap();
                let value = serde_json::to_value(&e).unwrap();
                assert_eq!(bytes, serde_json::to_vec(&value).unwrap(), "sort {sort}");
            }
        }
        let seed = seed_user(&u, 2);
        let value = serde_json::to_value(&seed).unwrap();
        assert_eq!(
            serde_json::to_vec(&seed).unwrap(),
            serde_json::to_vec(&value).unwrap()
        );
    }

    #[test]
    fn device_counts_show_for_every_user() {
        // The contract's global device count: also for users without a device limit (a node's
        // own device-limit setting applies to them).
        let mut u = user();
        for limit in [3, 0] {
            u.node_connector = limit;
            assert_eq!(mod_mu_user(11, "", &u, 2, false).unwrap()["alive_ip"], 2);
            assert_eq!(mod_mu_user(0, "", &u, 2, false).unwrap()["alive_ip"], 2);
            assert_eq!(seed_user(&u, 2).alive_ip, 2);
        }
    }

    #[test]
    fn over_quota_users_are_dropped_or_throttled() {
        let mut u = user();
        u.u = 100;
        assert!(mod_mu_user(11, "", &u, 0, false).is_none());
        assert_eq!(
            mod_mu_user(11, "", &u, 0, true).unwrap()["node_speedlimit"],
            1
        );
    }

    #[test]
    fn etags() {
        let e = weak_etag(b"[1,2]");
        assert_eq!(e, weak_etag(b"[1,2]"));
        assert_ne!(e, weak_etag(b"[1,3]"));
        assert!(etag_matches(&e, &e));
        assert!(etag_matches(&e.replace("W/", ""), &e));
        assert!(etag_matches(&format!("\"x\", {e}"), &e));
        assert!(!etag_matches("\"x\"", &e));
    }

    #[test]
    fn alive_ips_are_validated() {
        let entries = vec![
            AliveIpEntry {
                user_id: 1,
                ip: "1.2.3.4".into(),
            },
            AliveIpEntry {
                user_id: 1,
                ip: "::ffff:5.6.7.8".into(),
            },
            AliveIpEntry {
                user_id: 2,
                ip: "not-an-ip".into(),
            },
            AliveIpEntry {
                user_id: 0,
                ip: "1.1.1.1".into(),
            },
            AliveIpEntry {
                user_id: 3,
                ip: "2001:db8::1".into(),
            },
        ];
        assert_eq!(
            valid_alive_ips(&entries),
            vec![
                (1, "1.2.3.4".into()),
                (1, "5.6.7.8".into()),
                (3, "2001:db8::1".into())
            ]
        );
    }
}
