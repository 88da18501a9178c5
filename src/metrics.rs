//! A small process-wide metrics registry rendered in the Prometheus text format.
//!
//! Counters and histograms are keyed by name and a label set. Other areas instrument themselves
//! through the helpers at the bottom (`traffic_rows`, `payment`, `batch_size`, …).

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::{Mutex, OnceLock};

/// Latency buckets in seconds.
const LATENCY_BUCKETS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];
/// Size buckets for batches and row counts.
const SIZE_BUCKETS: [f64; 8] = [1.0, 10.0, 50.0, 100.0, 500.0, 1000.0, 5000.0, 10000.0];

type Labels = Vec<(&'static str, String)>;

#[derive(Default)]
struct Histogram {
    buckets: Vec<u64>,
    bounds: &'static [f64],
    sum: f64,
    count: u64,
}

#[derive(Default)]
struct Registry {
    counters: BTreeMap<(&'static str, Labels), u64>,
    histograms: BTreeMap<(&'static str, Labels), Histogram>,
    help: BTreeMap<&'static str, (&'static str, &'static str)>,
}

fn registry() -> &'static Mutex<Registry> {
    static R: OnceLock<Mutex<Registry>> = OnceLock::new();
    R.get_or_init(Default::default)
}

fn lock() -> std::sync::MutexGuard<'static, Registry> {
    registry().lock().unwrap_or_else(|e| e.into_inner())
}

/// Adds `by` to a counter.
pub fn counter(name: &'static str, help: &'static str, labels: Labels, by: u64) {
    let mut r = lock();
    r.help.insert(name, ("counter", help));
    *r.counters.entry((name, labels)).or_default() += by;
}

/// Records one observation in a histogram.
pub fn observe(
    name: &'static str,
    help: &'static str,
    bounds: &'static [f64],
    labels: Labels,
    value: f64,
) {
    let mut r = lock();
    r.help.insert(name, ("histogram", help));
    let h = r.histograms.entry((name, labels)).or_default();
    if h.buckets.is_empty() {
        h.bounds = bounds;
        h.buckets = vec![0; bounds.len()];
    }
    for (i, b) in h.bounds.iter().enumerate() {
        if value <= *b {
            h.buckets[i] += 1;
        }
    }
    h.sum += value;
    h.count += 1;
}

fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn label_text(labels: &Labels, extra: Option<(&str, String)>) -> String {
    let mut parts: Vec<String> = labels
        .iter()
        .map(|(k, v)| format!("{k}=\"{}\"", escape(v)))
        .collect();
    if let Some((k, v)) = extra {
        parts.push(format!("{k}=\"{v}\""));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("{{{}}}", parts.join(","))
    }
}

/// The registry in Prometheus text format, followed by `gauges` (name, help, value) read at scrape.
pub fn render(gauges: &[(&str, &str, f64)]) -> String {
    let r = lock();
    let mut out = String::new();
    let mut last = "";
    for ((name, labels), v) in &r.counters {
        if *name != last {
            let help = r.help.get(name).map_or("", |h| h.1);
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter");
            last = name;
        }
        let _ = writeln!(out, "{name}{} {v}", label_text(labels, None));
    }
    last = "";
    for ((name, labels), h) in &r.histograms {
        if *name != last {
            let help = r.help.get(name).map_or("", |h| h.1);
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} histogram");
            last = name;
        }
        for (i, b) in h.bounds.iter().enumerate() {
            let le = label_text(labels, Some(("le", b.to_string())));
            let _ = writeln!(out, "{name}_bucket{le} {}", h.buckets[i]);
        }
        let inf = label_text(labels, Some(("le", "+Inf".into())));
        let _ = writeln!(out, "{name}_bucket{inf} {}", h.count);
        let _ = writeln!(out, "{name}_sum{} {}", label_text(labels, None), h.sum);
        let _ = writeln!(out, "{name}_count{} {}", label_text(labels, None), h.count);
    }
    for (name, help, v) in gauges {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {v}");
    }
    out
}

/// One HTTP request: `route` is the matched route template, never the raw path.
pub fn http_request(method: &str, route: &str, status: u16, seconds: f64) {
    counter(
        "spanel_http_requests_total",
        "HTTP requests by method, route and status",
        vec![
            ("method", method.to_string()),
            ("route", route.to_string()),
            ("status", status.to_string()),
        ],
        1,
    );
    observe(
        "spanel_http_request_duration_seconds",
        "HTTP request latency by route",
        &LATENCY_BUCKETS,
        vec![("method", method.to_string()), ("route", route.to_string())],
        seconds,
    );
}

/// One scheduled job run; `ok` false when it failed.
pub fn job_run(job: &str, ok: bool) {
    counter(
        "spanel_job_runs_total",
        "Scheduled job runs by job and outcome",
        vec![
            ("job", job.to_string()),
            ("outcome", if ok { "ok" } else { "error" }.to_string()),
        ],
        1,
    );
}

/// Traffic rows accepted from nodes.
pub fn traffic_rows(n: u64) {
    counter(
        "spanel_traffic_rows_total",
        "Traffic rows accepted from nodes",
        vec![],
        n,
    );
}

/// A payment callback's verdict (credited, duplicate, ignored, rejected, failed) per gateway.
pub fn payment(gateway: &str, verdict: &str) {
    counter(
        "spanel_payments_total",
        "Payment callbacks by gateway and verdict",
        vec![
            ("gateway", gateway.to_string()),
            ("verdict", verdict.to_string()),
        ],
        1,
    );
}

/// The size of one processed batch: `kind` "traffic" (reports merged into one group commit) or
/// "email" (queued mails sent in one run).
pub fn batch_size(kind: &'static str, n: u64) {
    observe(
        "spanel_batch_size",
        "Items per processed batch: traffic reports per group commit, e-mails per queue run",
        &SIZE_BUCKETS,
        vec![("kind", kind.to_string())],
        n as f64,
    );
}

/// One e-mail delivery attempt.
pub fn email(ok: bool) {
    counter(
        "spanel_emails_total",
        "E-mail delivery attempts by outcome",
        vec![("outcome", if ok { "sent" } else { "failed" }.to_string())],
        1,
    );
}

/// A password hash or check turned away because every hashing worker stayed busy too long.
pub fn hash_pool_rejected() {
    counter(
        "spanel_password_hash_rejected_total",
        "Logins, sign-ups and password changes answered 503 because the hashing workers were busy",
        vec![],
        1,
    );
}

/// A transaction rolled back for a write conflict (deadlock, Galera certification) and run again.
pub fn write_conflict(what: &'static str) {
    counter(
        "spanel_write_conflicts_total",
        "Transactions run again after a write conflict (deadlock, Galera certification failure)",
        vec![("use_case", what.to_string())],
        1,
    );
}

/// One node notice (down/up) raised.
pub fn node_alert(kind: &str) {
    counter(
        "spanel_node_alerts_total",
        "Node down/up notices raised",
        vec![("kind", kind.to_string())],
        1,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_histograms() {
        payment("unit-test-gw", "paid");
        payment("unit-test-gw", "paid");
        observe(
            "unit_test_hist",
            "h",
            &[1.0, 2.0],
            vec![("a", "x\"y".into())],
            1.5,
        );
        let text = render(&[("unit_gauge", "g", 3.0)]);
        assert!(text.contains("spanel_payments_total{gateway=\"unit-test-gw\",verdict=\"paid\"} 2"));
        assert!(text.contains("unit_test_hist_bucket{a=\"x\\\"y\",le=\"1\"} 0"));
        assert!(text.contains("unit_test_hist_bucket{a=\"x\\\"y\",le=\"2\"} 1"));
        assert!(text.contains("unit_test_hist_count{a=\"x\\\"y\"} 1"));
        assert!(text.contains("# TYPE unit_gauge gauge\nunit_gauge 3"));
    }
}
