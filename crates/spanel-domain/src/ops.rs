//! Operations rules: node online/offline transitions, report bucketing, setting validation, CSV.

use serde::Serialize;

/// What a node's last alert said.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AlertKind {
    Down,
    Up,
}

impl AlertKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AlertKind::Down => "down",
            AlertKind::Up => "up",
        }
    }

    pub fn parse(s: &str) -> Option<AlertKind> {
        match s {
            "down" => Some(AlertKind::Down),
            "up" => Some(AlertKind::Up),
            _ => None,
        }
    }
}

/// Whether a node is online: it has reported at least once and not longer ago than `timeout`.
pub fn is_online(heartbeat: i64, now: i64, timeout: i64) -> bool {
    heartbeat > 0 && now - heartbeat <= timeout
}

/// The notice a node's state calls for, given the last notice sent for it. A node that never
/// reported raises nothing (it is being set up); silence raises one `Down`, and only a `Down` can be
/// followed by an `Up`, so each outage gives exactly one pair.
pub fn transition(
    last: Option<AlertKind>,
    heartbeat: i64,
    now: i64,
    timeout: i64,
) -> Option<AlertKind> {
    if heartbeat <= 0 {
        return None;
    }
    let online = is_online(heartbeat, now, timeout);
    match (last, online) {
        (Some(AlertKind::Down), true) => Some(AlertKind::Up),
        (None | Some(AlertKind::Up), false) => Some(AlertKind::Down),
        _ => None,
    }
}

/// Report granularity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bucket {
    Hour,
    Day,
}

impl Bucket {
    pub fn parse(s: &str) -> Option<Bucket> {
        match s {
            "hour" | "hourly" => Some(Bucket::Hour),
            "day" | "daily" => Some(Bucket::Day),
            _ => None,
        }
    }

    pub fn seconds(self) -> i64 {
        match self {
            Bucket::Hour => 3600,
            Bucket::Day => 86_400,
        }
    }

    /// The start (unix, UTC) of the bucket holding `ts`.
    pub fn start(self, ts: i64) -> i64 {
        ts - ts.rem_euclid(self.seconds())
    }
}

/// Checks and normalises a setting value by its kind (`int`, `bool`, `array`, `json`, `string`).
pub fn normalize_setting(kind: &str, value: &str) -> Result<String, String> {
    let v = value.trim();
    match kind {
        "int" => v
            .parse::<i64>()
            .map(|n| n.to_string())
            .map_err(|_| "must be a whole number".into()),
        "bool" => match v {
            "1" | "true" | "on" | "yes" => Ok("1".into()),
            "0" | "false" | "off" | "no" => Ok("0".into()),
            _ => Err("must be a boolean (1/0, true/false)".into()),
        },
        "array" => match serde_json::from_str::<serde_json::Value>(v) {
            Ok(serde_json::Value::Array(_)) => Ok(v.to_string()),
            _ => Err("must be a JSON array".into()),
        },
        "json" => match serde_json::from_str::<serde_json::Value>(v) {
            Ok(serde_json::Value::Object(_)) => Ok(v.to_string()),
            _ => Err("must be a JSON object".into()),
        },
        _ => Ok(value.to_string()),
    }
}

/// One CSV field (RFC 4180): quoted when it holds a comma, quote or line break.
pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// A CSV document from a header and rows, lines ended by CRLF.
pub fn csv(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut out = String::new();
    let line = |fields: Vec<String>| fields.join(",") + "\r\n";
    out.push_str(&line(header.iter().map(|h| csv_field(h)).collect()));
    for r in rows {
        out.push_str(&line(r.iter().map(|f| csv_field(f)).collect()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use AlertKind::*;

    #[test]
    fn one_down_then_one_up() {
        let t = 300;
        // Never reported: silent.
        assert_eq!(transition(None, 0, 10_000, t), None);
        // Fresh node online, no history: nothing.
        assert_eq!(transition(None, 1000, 1100, t), None);
        // Boundary: exactly the timeout is still online.
        assert_eq!(transition(None, 1000, 1300, t), None);
        assert_eq!(transition(None, 1000, 1301, t), Some(Down));
        assert_eq!(transition(Some(Down), 1000, 5000, t), None);
        assert_eq!(transition(Some(Down), 4900, 5000, t), Some(Up));
        assert_eq!(transition(Some(Up), 4900, 5000, t), None);
        assert_eq!(transition(Some(Up), 4900, 9000, t), Some(Down));
    }

    #[test]
    fn buckets_align_to_utc_periods() {
        assert_eq!(Bucket::Hour.start(3599), 0);
        assert_eq!(Bucket::Hour.start(3600), 3600);
        assert_eq!(Bucket::Day.start(86_399 + 86_400), 86_400);
        assert_eq!(Bucket::Hour.start(-1), -3600);
        assert_eq!(Bucket::parse("daily"), Some(Bucket::Day));
        assert_eq!(Bucket::parse("week"), None);
    }

    #[test]
    fn settings_are_checked_by_kind() {
        assert_eq!(normalize_setting("int", " 42 ").unwrap(), "42");
        assert!(normalize_setting("int", "4.5").is_err());
        assert_eq!(normalize_setting("bool", "true").unwrap(), "1");
        assert_eq!(normalize_setting("bool", "0").unwrap(), "0");
        assert!(normalize_setting("bool", "maybe").is_err());
        assert_eq!(normalize_setting("array", "[\"a\"]").unwrap(), "[\"a\"]");
        assert!(normalize_setting("array", "{}").is_err());
        assert!(normalize_setting("json", "[]").is_err());
        assert_eq!(normalize_setting("string", " x ").unwrap(), " x ");
    }

    #[test]
    fn csv_quotes_when_needed() {
        assert_eq!(csv_field("a"), "a");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(
            csv(&["x", "y"], &[vec!["1".into(), "a\nb".into()]]),
            "x,y\r\n1,\"a\nb\"\r\n"
        );
    }
}
