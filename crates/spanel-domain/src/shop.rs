//! Plans (`shop`), their `content` JSON, prices, coupons and what a purchase does to an account.

use std::str::FromStr;

use chrono::NaiveDateTime;
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::money::Money;
use super::GB;

/// A limited-time price.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Promo {
    #[schema(value_type = String, example = "8.00")]
    pub price: Money,
    /// Unix seconds, inclusive.
    pub start: i64,
    /// Unix seconds, exclusive.
    pub end: i64,
}

impl Promo {
    pub fn active(&self, now: i64) -> bool {
        self.start <= now && now < self.end
    }
}

/// Classes a traffic pack may be bought for (`traffic_package.class.min..=max`); absent = any.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub struct ClassRange {
    pub min: i64,
    pub max: i64,
}

/// `shop.content`, parsed. Every field is optional: a plan only changes what it names.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct PlanContent {
    /// GB.
    #[schema(value_type = Option<String>)]
    pub bandwidth: Option<Decimal>,
    /// Days added to the account.
    pub expire: Option<i64>,
    pub class: Option<i64>,
    /// Days of the class.
    pub class_expire: Option<i64>,
    /// Periodic plan: every `reset` days traffic becomes `reset_value` GB, for `reset_exp` days.
    pub reset: Option<i64>,
    #[schema(value_type = Option<String>)]
    pub reset_value: Option<Decimal>,
    pub reset_exp: Option<i64>,
    pub traffic_package: bool,
    pub traffic_package_class: Option<ClassRange>,
    /// Mbps, 0 = unlimited.
    #[schema(value_type = Option<String>)]
    pub speedlimit: Option<Decimal>,
    pub connector: Option<i64>,
    pub content_extra: Option<String>,
    pub promo: Option<Promo>,
    pub bundle: Vec<i64>,
}

/// A field of `content` that is not acceptable: (key, message).
pub type ContentError = (String, String);

const NUMERIC_KEYS: &[&str] = &[
    "bandwidth",
    "expire",
    "class",
    "class_expire",
    "reset",
    "reset_value",
    "reset_exp",
    "speedlimit",
    "connector",
];

fn number(v: &Value) -> Option<Decimal> {
    match v {
        Value::Number(n) => Decimal::from_str(&n.to_string())
            .ok()
            .or_else(|| n.as_f64().and_then(|f| Decimal::try_from(f).ok())),
        Value::String(s) if s.trim().is_empty() => Some(Decimal::ZERO),
        Value::String(s) => Decimal::from_str(s.trim()).ok(),
        _ => None,
    }
}

/// The largest value each numeric `content` key may hold: a century of days, traffic far beyond
/// any plan (and far below overflowing a byte counter), generous class, speed and device counts.
fn content_limit(key: &str) -> Decimal {
    Decimal::from(match key {
        "expire" | "class_expire" | "reset" | "reset_exp" => 36_500,
        "bandwidth" | "reset_value" => 100_000_000,
        "speedlimit" => 1_000_000,
        _ => 100_000,
    })
}

fn whole(d: Decimal) -> Option<i64> {
    if d.fract().is_zero() {
        i64::try_from(d).ok()
    } else {
        None
    }
}

impl PlanContent {
    /// Parses `content`. `strict` (admin input) rejects unknown keys and bad values; otherwise
    /// (rows written by PHP SSPanel or by hand) they are skipped.
    pub fn parse(json: &str, strict: bool) -> Result<PlanContent, Vec<ContentError>> {
        if json.trim().is_empty() && !strict {
            return Ok(PlanContent::default());
        }
        match serde_json::from_str::<Value>(json) {
            Ok(Value::Object(map)) => Self::from_map(&map, strict),
            _ if !strict => Ok(PlanContent::default()),
            _ => Err(vec![("content".into(), "must be a JSON object".into())]),
        }
    }

    pub fn from_map(
        map: &Map<String, Value>,
        strict: bool,
    ) -> Result<PlanContent, Vec<ContentError>> {
        let mut c = PlanContent::default();
        let mut errors: Vec<ContentError> = Vec::new();
        let mut bad = |k: &str, msg: &str| errors.push((format!("content.{k}"), msg.to_string()));
        for (key, value) in map {
            let k = key.as_str();
            if NUMERIC_KEYS.contains(&k) {
                let limit = content_limit(k);
                let Some(d) = number(value).filter(|d| !d.is_sign_negative() && *d <= limit) else {
                    bad(k, &format!("must be a number from 0 to {limit}"));
                    continue;
                };
                let int = whole(d);
                match k {
                    "bandwidth" => c.bandwidth = Some(d),
                    "reset_value" => c.reset_value = Some(d),
                    "speedlimit" => c.speedlimit = Some(d),
                    _ => {
                        let Some(n) = int else {
                            bad(k, "must be a whole number");
                            continue;
                        };
                        match k {
                            "expire" => c.expire = Some(n),
                            "class" => c.class = Some(n),
                            "class_expire" => c.class_expire = Some(n),
                            "reset" => c.reset = Some(n),
                            "reset_exp" => c.reset_exp = Some(n),
                            _ => c.connector = Some(n),
                        }
                    }
                }
                continue;
            }
            match k {
                "content_extra" => match value {
                    Value::String(s) => c.content_extra = Some(s.clone()),
                    Value::Null => {}
                    _ => bad(k, "must be text"),
                },
                "traffic_package" => match value {
                    Value::Null | Value::Bool(false) => {}
                    Value::Bool(true) => c.traffic_package = true,
                    Value::Object(o) => {
                        c.traffic_package = true;
                        let class = o.get("class").and_then(Value::as_object);
                        let bound = |b: &str| {
                            class
                                .and_then(|m| m.get(b))
                                .and_then(number)
                                .and_then(whole)
                        };
                        if let (Some(min), Some(max)) = (bound("min"), bound("max")) {
                            c.traffic_package_class = Some(ClassRange { min, max });
                        }
                    }
                    other => match number(other) {
                        Some(d) if !d.is_sign_negative() => c.traffic_package = !d.is_zero(),
                        _ => bad(k, "must be a number ≥ 0 or an object"),
                    },
                },
                "promo" => {
                    let obj = value.as_object();
                    let get = |f: &str| obj.and_then(|o| o.get(f)).and_then(number);
                    let price = get("price")
                        .filter(|d| !d.is_sign_negative() && d.scale() <= 2)
                        .map(Money::cents);
                    // Unix seconds up to the year 2100.
                    let time = |f: &str| {
                        get(f)
                            .and_then(whole)
                            .filter(|t| (0..=4_102_444_800).contains(t))
                    };
                    match (price, time("start"), time("end")) {
                        (Some(price), Some(start), Some(end)) if start <= end => {
                            c.promo = Some(Promo { price, start, end })
                        }
                        _ => bad(
                            k,
                            "must be {\"price\": amount ≥ 0, \"start\": unix, \"end\": unix ≥ start}",
                        ),
                    }
                }
                "bundle" => {
                    let ids: Option<Vec<i64>> = value
                        .as_array()
                        .map(|a| {
                            a.iter()
                                .map(|v| number(v).and_then(whole).filter(|n| *n > 0))
                                .collect()
                        })
                        .unwrap_or(None);
                    match ids {
                        Some(ids) => c.bundle = ids,
                        None => bad(k, "must be a list of plan ids"),
                    }
                }
                _ => bad(k, "is not a known content key"),
            }
        }
        if strict && !errors.is_empty() {
            Err(errors)
        } else {
            Ok(c)
        }
    }

    pub fn is_periodic(&self) -> bool {
        self.reset.unwrap_or(0) > 0
    }

    pub fn bandwidth_bytes(&self) -> Option<i64> {
        self.bandwidth.map(gb_to_bytes)
    }
}

fn gb_to_bytes(gb: Decimal) -> i64 {
    i64::try_from((gb * Decimal::from(GB)).trunc()).unwrap_or(i64::MAX)
}

/// The price now: the promo price inside its window, else the list price.
pub fn effective_price(price: Money, content: &PlanContent, now: i64) -> Money {
    match &content.promo {
        Some(p) if p.active(now) => p.price,
        _ => price,
    }
}

/// A `coupon` row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coupon {
    pub code: String,
    /// Uses per user; 0 = unlimited.
    pub onetime: i64,
    /// Unix seconds.
    pub expire: i64,
    /// Empty = every plan, else comma-separated plan ids.
    pub shop: String,
    /// Percent off.
    pub credit: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CouponRejection {
    Unknown,
    Expired,
    NotForThisPlan,
    UsedUp,
}

impl CouponRejection {
    pub fn message(self) -> &'static str {
        match self {
            CouponRejection::Unknown => "Unknown coupon code.",
            CouponRejection::Expired => "This coupon has expired.",
            CouponRejection::NotForThisPlan => "This coupon does not apply to this plan.",
            CouponRejection::UsedUp => {
                "You have already used this coupon as many times as allowed."
            }
        }
    }
}

/// How a code typed by a user is compared with `coupon.code`.
pub fn normalize_code(code: &str) -> String {
    code.trim().to_lowercase()
}

/// Checks a coupon for a plan; `uses` is how often this user already bought with it.
/// Returns the discounted price.
pub fn check_coupon(
    coupon: Option<&Coupon>,
    shop_id: i64,
    price: Money,
    uses: i64,
    now: i64,
) -> Result<Money, CouponRejection> {
    let c = coupon.ok_or(CouponRejection::Unknown)?;
    if c.expire < now {
        return Err(CouponRejection::Expired);
    }
    let shops = c.shop.trim();
    if !shops.is_empty()
        && !shops
            .split(',')
            .any(|s| s.trim().parse::<i64>() == Ok(shop_id))
    {
        return Err(CouponRejection::NotForThisPlan);
    }
    if c.onetime > 0 && uses >= c.onetime {
        return Err(CouponRejection::UsedUp);
    }
    Ok(discounted(price, c.credit))
}

/// price × (100 − credit) / 100, half-up to cents, never below zero.
pub fn discounted(price: Money, credit: i64) -> Money {
    let credit = credit.clamp(0, 100);
    Money::cents(price.0 * Decimal::from(100 - credit) / Decimal::from(100))
}

/// Whether the user still holds a running periodic plan: (bought at unix, content) per purchase.
pub fn holds_running_periodic(purchases: &[(i64, PlanContent)], now: i64) -> bool {
    purchases.iter().any(|(at, c)| {
        c.is_periodic() && at.saturating_add(c.reset_exp.unwrap_or(0).saturating_mul(86_400)) > now
    })
}

/// A periodic plan's schedule, when `c` is one (SSPanel's "loop item": `reset`, `reset_value` and
/// `reset_exp` all non-zero): (every `reset` days, traffic in bytes, for `reset_exp` days).
fn periodic_schedule(c: &PlanContent) -> Option<(i64, i64, i64)> {
    let every = c.reset.filter(|d| *d > 0)?;
    let bytes = c
        .reset_value
        .filter(|v| *v > Decimal::ZERO)
        .map(gb_to_bytes)?;
    let lasts = c.reset_exp.filter(|d| *d > 0)?;
    Some((every, bytes, lasts))
}

/// Whether a periodic plan bought at `bought_at` is still running at `now`.
pub fn periodic_running(bought_at: i64, c: &PlanContent, now: i64) -> bool {
    periodic_schedule(c).is_some_and(|(_, _, lasts)| now - lasts.saturating_mul(86_400) < bought_at)
}

/// The traffic (bytes) a periodic plan bought at `bought_at` resets the account to on the day of
/// `now`, when that is one of its reset days: still running, and the whole days since the purchase
/// are a non-zero multiple of `reset` (SSPanel's DailyJob rule).
pub fn periodic_reset_due(bought_at: i64, c: &PlanContent, now: i64) -> Option<i64> {
    let (every, bytes, _) = periodic_schedule(c)?;
    if !periodic_running(bought_at, c, now) {
        return None;
    }
    let used_days = (now - bought_at).div_euclid(86_400);
    (used_days > 0 && used_days % every == 0).then_some(bytes)
}

/// What a plan changes on an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserPlanState {
    pub transfer_enable: i64,
    pub u: i64,
    pub d: i64,
    pub last_day_t: i64,
    pub expire_in: NaiveDateTime,
    pub class: i64,
    pub class_expire: NaiveDateTime,
    pub node_speedlimit: Decimal,
    pub node_connector: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApplyFlags {
    /// `enable_bought_reset`: a plan's bandwidth replaces the traffic and clears usage.
    pub reset_on_buy: bool,
    /// `enable_bought_extend`: buying the same class extends it instead of restarting it.
    pub extend_same_class: bool,
}

fn plus_days(from: NaiveDateTime, days: i64) -> NaiveDateTime {
    from.checked_add_signed(chrono::Duration::days(days))
        .unwrap_or(from)
}

/// Applies one plan's content to the account at `now_dt` (a DATETIME value, in the zone of
/// SSPanel's DATETIME columns).
pub fn apply_plan(
    s: &mut UserPlanState,
    c: &PlanContent,
    flags: ApplyFlags,
    now_dt: NaiveDateTime,
) {
    if c.traffic_package {
        if let Some(b) = c.bandwidth_bytes() {
            s.transfer_enable = s.transfer_enable.saturating_add(b);
        }
        return;
    }
    if let Some(b) = c.bandwidth_bytes() {
        if flags.reset_on_buy {
            s.transfer_enable = b;
            s.u = 0;
            s.d = 0;
            s.last_day_t = 0;
        } else {
            s.transfer_enable = s.transfer_enable.saturating_add(b);
        }
    }
    if let Some(days) = c.expire {
        s.expire_in = plus_days(s.expire_in.max(now_dt), days);
    }
    if let Some(class) = c.class {
        let days = c.class_expire.unwrap_or(0);
        s.class_expire = if class == s.class && flags.extend_same_class {
            plus_days(s.class_expire.max(now_dt), days)
        } else {
            plus_days(now_dt, days)
        };
        s.class = class;
    }
    if let Some(v) = c.speedlimit {
        s.node_speedlimit = v;
    }
    if let Some(v) = c.connector {
        s.node_connector = v;
    }
}

/// Whether a traffic pack may be bought by a user of `class`.
pub fn traffic_pack_allowed(c: &PlanContent, class: i64) -> bool {
    match c.traffic_package_class {
        Some(r) if c.traffic_package => r.min <= class && class <= r.max,
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_700_000_000;
    const DAY: i64 = 86_400;

    fn from_unix(secs: i64) -> NaiveDateTime {
        crate::from_unix_in(chrono_tz::UTC, secs)
    }

    fn content(json: &str) -> PlanContent {
        PlanContent::parse(json, true).unwrap()
    }

    #[test]
    fn periodic_reset_falls_on_every_nth_day_while_the_plan_runs() {
        let c = content(r#"{"reset":"30","reset_value":"100","reset_exp":"90"}"#);
        let bought = NOW;
        let at = |days: i64, secs: i64| bought + days * DAY + secs;
        assert_eq!(periodic_reset_due(bought, &c, at(0, 10)), None);
        assert_eq!(periodic_reset_due(bought, &c, at(29, 0)), None);
        assert_eq!(
            periodic_reset_due(bought, &c, at(30, 5)),
            Some(100 * GB as i64)
        );
        assert_eq!(periodic_reset_due(bought, &c, at(31, 0)), None);
        assert_eq!(
            periodic_reset_due(bought, &c, at(60, 0)),
            Some(100 * GB as i64)
        );
        // Day 90 is the end of the plan: no longer running.
        assert!(periodic_running(bought, &c, at(89, DAY - 1)));
        assert!(!periodic_running(bought, &c, at(90, 0)));
        assert_eq!(periodic_reset_due(bought, &c, at(90, 0)), None);
    }

    #[test]
    fn a_plan_without_all_three_periodic_keys_is_not_periodic() {
        for json in [
            r#"{"reset":"30","reset_value":"100"}"#,
            r#"{"reset":"30","reset_exp":"90"}"#,
            r#"{"reset_value":"100","reset_exp":"90"}"#,
            r#"{"bandwidth":"100"}"#,
        ] {
            let c = content(json);
            assert!(!periodic_running(NOW, &c, NOW + DAY), "{json}");
            assert_eq!(periodic_reset_due(NOW, &c, NOW + 30 * DAY), None, "{json}");
        }
    }

    fn state() -> UserPlanState {
        UserPlanState {
            transfer_enable: 5 * GB as i64,
            u: 100,
            d: 200,
            last_day_t: 300,
            expire_in: from_unix(NOW + 3 * DAY),
            class: 1,
            class_expire: from_unix(NOW + 10 * DAY),
            node_speedlimit: Decimal::ZERO,
            node_connector: 0,
        }
    }

    const ON: ApplyFlags = ApplyFlags {
        reset_on_buy: true,
        extend_same_class: true,
    };

    #[test]
    fn parses_strings_and_numbers() {
        let c = content(
            r#"{"bandwidth":"100","expire":30,"class":"2","class_expire":"30","reset":"30",
            "reset_value":50,"reset_exp":"365","speedlimit":"12.5","connector":3,
            "content_extra":"check-good;fast","promo":{"price":"8.00","start":10,"end":"20"},
            "bundle":[2,"3"]}"#,
        );
        assert_eq!(c.bandwidth, Some(Decimal::from(100)));
        assert_eq!(c.expire, Some(30));
        assert_eq!(c.class, Some(2));
        assert_eq!(c.class_expire, Some(30));
        assert_eq!(c.reset, Some(30));
        assert_eq!(c.reset_value, Some(Decimal::from(50)));
        assert_eq!(c.reset_exp, Some(365));
        assert_eq!(c.speedlimit, Some(Decimal::new(125, 1)));
        assert_eq!(c.connector, Some(3));
        assert_eq!(c.content_extra.as_deref(), Some("check-good;fast"));
        assert_eq!(
            c.promo,
            Some(Promo {
                price: Money::from_cents(800),
                start: 10,
                end: 20
            })
        );
        assert_eq!(c.bundle, vec![2, 3]);
        assert!(c.is_periodic());
        assert!(!c.traffic_package);
    }

    #[test]
    fn strict_parse_reports_every_bad_key() {
        let err = PlanContent::parse(
            r#"{"bandwidth":-1,"class":"1.5","colour":1,"bundle":"x"}"#,
            true,
        )
        .unwrap_err();
        let keys: Vec<&str> = err.iter().map(|(k, _)| k.as_str()).collect();
        assert!(keys.contains(&"content.bandwidth"));
        assert!(keys.contains(&"content.class"));
        assert!(keys.contains(&"content.colour"));
        assert!(keys.contains(&"content.bundle"));
        assert!(PlanContent::parse("[1]", true).is_err());
        // Lenient: old rows still load.
        let c = PlanContent::parse(r#"{"bandwidth":"10","colour":1}"#, false).unwrap();
        assert_eq!(c.bandwidth, Some(Decimal::from(10)));
        assert_eq!(
            PlanContent::parse("not json", false).unwrap(),
            PlanContent::default()
        );
    }

    #[test]
    fn traffic_package_forms() {
        assert!(content(r#"{"traffic_package":1,"bandwidth":5}"#).traffic_package);
        assert!(!content(r#"{"traffic_package":0}"#).traffic_package);
        let c = content(r#"{"traffic_package":{"class":{"min":1,"max":3}},"bandwidth":5}"#);
        assert!(c.traffic_package);
        assert!(traffic_pack_allowed(&c, 2));
        assert!(!traffic_pack_allowed(&c, 0));
        assert!(!traffic_pack_allowed(&c, 4));
    }

    #[test]
    fn promo_price_only_inside_window() {
        let c = content(r#"{"promo":{"price":"8.00","start":100,"end":200}}"#);
        let list = Money::from_cents(1000);
        assert_eq!(effective_price(list, &c, 99), list);
        assert_eq!(effective_price(list, &c, 100), Money::from_cents(800));
        assert_eq!(effective_price(list, &c, 199), Money::from_cents(800));
        assert_eq!(effective_price(list, &c, 200), list);
        assert_eq!(effective_price(list, &PlanContent::default(), 150), list);
    }

    fn coupon(shop: &str, onetime: i64, expire: i64, credit: i64) -> Coupon {
        Coupon {
            code: "SAVE".into(),
            onetime,
            expire,
            shop: shop.into(),
            credit,
        }
    }

    #[test]
    fn coupon_rules() {
        let p = Money::from_cents(1000);
        let c = coupon("", 0, NOW + 1, 15);
        assert_eq!(
            check_coupon(Some(&c), 7, p, 99, NOW),
            Ok(Money::from_cents(850))
        );
        assert_eq!(
            check_coupon(None, 7, p, 0, NOW),
            Err(CouponRejection::Unknown)
        );
        let c = coupon("", 0, NOW - 1, 15);
        assert_eq!(
            check_coupon(Some(&c), 7, p, 0, NOW),
            Err(CouponRejection::Expired)
        );
        let c = coupon("1, 2,3", 0, NOW + 1, 15);
        assert_eq!(
            check_coupon(Some(&c), 2, p, 0, NOW),
            Ok(Money::from_cents(850))
        );
        assert_eq!(
            check_coupon(Some(&c), 4, p, 0, NOW),
            Err(CouponRejection::NotForThisPlan)
        );
        let c = coupon("", 2, NOW + 1, 15);
        assert!(check_coupon(Some(&c), 4, p, 1, NOW).is_ok());
        assert_eq!(
            check_coupon(Some(&c), 4, p, 2, NOW),
            Err(CouponRejection::UsedUp)
        );
        assert_eq!(normalize_code("  SaVe \n"), "save");
    }

    #[test]
    fn discount_rounds_half_up() {
        // 0.05 × 0.5 = 0.025 → 0.03
        assert_eq!(discounted(Money::from_cents(5), 50), Money::from_cents(3));
        assert_eq!(
            discounted(Money::from_cents(999), 33),
            Money::from_cents(669)
        );
        assert_eq!(discounted(Money::from_cents(999), 100), Money::ZERO);
        assert_eq!(
            discounted(Money::from_cents(999), 0),
            Money::from_cents(999)
        );
    }

    #[test]
    fn bandwidth_resets_or_adds() {
        let c = content(r#"{"bandwidth":100}"#);
        let mut s = state();
        apply_plan(&mut s, &c, ON, from_unix(NOW));
        assert_eq!(s.transfer_enable, 100 * GB as i64);
        assert_eq!((s.u, s.d, s.last_day_t), (0, 0, 0));
        let mut s = state();
        apply_plan(
            &mut s,
            &c,
            ApplyFlags {
                reset_on_buy: false,
                ..ON
            },
            from_unix(NOW),
        );
        assert_eq!(s.transfer_enable, 105 * GB as i64);
        assert_eq!((s.u, s.d, s.last_day_t), (100, 200, 300));
    }

    #[test]
    fn fractional_gb() {
        let c = content(r#"{"bandwidth":"0.5"}"#);
        assert_eq!(c.bandwidth_bytes(), Some(GB as i64 / 2));
    }

    #[test]
    fn traffic_pack_only_adds() {
        let c = content(r#"{"traffic_package":1,"bandwidth":10,"expire":30,"class":5}"#);
        let mut s = state();
        apply_plan(&mut s, &c, ON, from_unix(NOW));
        let mut want = state();
        want.transfer_enable = 15 * GB as i64;
        assert_eq!(s, want);
    }

    #[test]
    fn expire_extends_from_later_of_now_and_current() {
        let c = content(r#"{"expire":30}"#);
        let mut s = state();
        apply_plan(&mut s, &c, ON, from_unix(NOW));
        assert_eq!(s.expire_in, from_unix(NOW + 33 * DAY));
        let mut s = state();
        s.expire_in = from_unix(NOW - 5 * DAY);
        apply_plan(&mut s, &c, ON, from_unix(NOW));
        assert_eq!(s.expire_in, from_unix(NOW + 30 * DAY));
    }

    #[test]
    fn same_class_extends_different_class_restarts() {
        let same = content(r#"{"class":1,"class_expire":30}"#);
        let mut s = state();
        apply_plan(&mut s, &same, ON, from_unix(NOW));
        assert_eq!(s.class_expire, from_unix(NOW + 40 * DAY));
        // Expired class: counted from now.
        let mut s = state();
        s.class_expire = from_unix(NOW - DAY);
        apply_plan(&mut s, &same, ON, from_unix(NOW));
        assert_eq!(s.class_expire, from_unix(NOW + 30 * DAY));
        // Extension off: from now.
        let mut s = state();
        apply_plan(
            &mut s,
            &same,
            ApplyFlags {
                extend_same_class: false,
                ..ON
            },
            from_unix(NOW),
        );
        assert_eq!(s.class_expire, from_unix(NOW + 30 * DAY));
        let other = content(r#"{"class":2,"class_expire":30}"#);
        let mut s = state();
        apply_plan(&mut s, &other, ON, from_unix(NOW));
        assert_eq!(s.class, 2);
        assert_eq!(s.class_expire, from_unix(NOW + 30 * DAY));
    }

    #[test]
    fn speed_and_connector_set_as_given() {
        let c = content(r#"{"speedlimit":"100","connector":"2"}"#);
        let mut s = state();
        apply_plan(&mut s, &c, ON, from_unix(NOW));
        assert_eq!(s.node_speedlimit, Decimal::from(100));
        assert_eq!(s.node_connector, 2);
        assert_eq!(s.transfer_enable, 5 * GB as i64);
    }

    #[test]
    fn bundle_is_several_applications() {
        let a = content(r#"{"bandwidth":10,"bundle":[2]}"#);
        let b = content(r#"{"traffic_package":1,"bandwidth":5}"#);
        let mut s = state();
        for c in [&a, &b] {
            apply_plan(&mut s, c, ON, from_unix(NOW));
        }
        assert_eq!(s.transfer_enable, 15 * GB as i64);
    }

    #[test]
    fn running_periodic_plan_detected() {
        let p = content(r#"{"reset":30,"reset_value":50,"reset_exp":90}"#);
        let plain = content(r#"{"bandwidth":10}"#);
        assert!(holds_running_periodic(&[(NOW - 10 * DAY, p.clone())], NOW));
        assert!(!holds_running_periodic(&[(NOW - 90 * DAY, p.clone())], NOW));
        assert!(!holds_running_periodic(&[(NOW, plain)], NOW));
    }
}
