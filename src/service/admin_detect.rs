//! Audit rules (`detect_list`) as operators manage them, their hits (`detect_log`, reported by
//! nodes through `/mod_mu/users/detectlog`) and SSPanel's automatic ban with its `config` items:
//! `enable_auto_detect_ban`, `auto_detect_ban_type` (1 = every N hits, 2 = ladder),
//! `auto_detect_ban_number`, `auto_detect_ban_time` (minutes), `auto_detect_ban` (the ladder),
//! `auto_detect_ban_allow_admin`, `auto_detect_ban_allow_users`.

use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::app::App;
use crate::clock::{from_unix, to_unix};
use crate::db::detect::{self as sql, BanRecord, HitFilter, RuleFields, RuleRow};
use crate::domain::detect::{self as rules, BanPolicy, Verdict};
use crate::domain::FieldError;
use crate::service::admin::{log, paging, Page};
use crate::service::error::{ServiceError, ServiceResult};

#[derive(Debug, Serialize, ToSchema)]
pub struct DetectRule {
    pub id: i64,
    pub name: String,
    /// What users are told the rule is about.
    pub text: String,
    /// RE2 (Go) syntax, as node backends compile it.
    pub regex: String,
    /// 1 = matches the destination, 2 = matches packet contents.
    #[serde(rename = "type")]
    pub rule_type: i64,
}

impl From<RuleRow> for DetectRule {
    fn from(r: RuleRow) -> DetectRule {
        DetectRule {
            id: r.id,
            name: r.name,
            text: r.text,
            regex: r.regex,
            rule_type: r.rule_type,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleInput {
    #[schema(min_length = 1, max_length = 128, pattern = r"[^\s\x85]")]
    pub name: String,
    #[serde(default)]
    pub text: String,
    /// RE2 (Go) syntax; refused with the reason when node backends could not compile it.
    #[schema(min_length = 1)]
    pub regex: String,
    /// 1 = matches the destination, 2 = matches packet contents.
    #[serde(rename = "type")]
    #[schema(minimum = 1, maximum = 2)]
    pub rule_type: i64,
}

fn check_rule(input: &RuleInput) -> ServiceResult<RuleFields<'_>> {
    let mut errors = Vec::new();
    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > 128 {
        errors.push(FieldError::new("name", "1 to 128 characters."));
    }
    if input.text.chars().count() > 1000 {
        errors.push(FieldError::new("text", "At most 1000 characters."));
    }
    if let Err(reason) = rules::check_pattern(&input.regex) {
        errors.push(FieldError::new(
            "regex",
            format!("Node backends cannot compile this pattern: {reason}"),
        ));
    }
    if !rules::rule_type_valid(input.rule_type) {
        errors.push(FieldError::new("type", "1 (destination) or 2 (packet)."));
    }
    if !errors.is_empty() {
        return Err(ServiceError::invalid_fields(errors));
    }
    Ok(RuleFields {
        name,
        text: input.text.trim(),
        regex: &input.regex,
        rule_type: input.rule_type,
    })
}

pub async fn list_rules(
    app: &App,
    sort: Option<&str>,
    order: Option<&str>,
    page: Option<i64>,
    per_page: Option<i64>,
) -> ServiceResult<Page<DetectRule>> {
    let (page, per_page, offset) = paging(page, per_page);
    let order_by = sql::rule_sort(sort.unwrap_or("id"))
        .ok_or_else(|| ServiceError::invalid("sort", "id, name or type."))?;
    let descending = match order.unwrap_or("asc") {
        "asc" => false,
        "desc" => true,
        _ => return Err(ServiceError::invalid("order", "asc or desc.")),
    };
    let (rows, total) = sql::rules(&app.db, order_by, descending, per_page, offset).await?;
    Ok(Page {
        items: rows.into_iter().map(Into::into).collect(),
        total,
        page,
        per_page,
    })
}

/// Creates (`id` None) or replaces a rule.
pub async fn save_rule(
    app: &App,
    admin: i64,
    id: Option<i64>,
    input: RuleInput,
) -> ServiceResult<DetectRule> {
    let fields = check_rule(&input)?;
    let mut tx = app.db.begin().await?;
    let (id, action, before) = match id {
        None => (
            sql::insert_rule(&mut tx, &fields).await?,
            "detect.create",
            None,
        ),
        Some(id) => {
            let old = sql::lock_rule(&mut tx, id)
                .await?
                .ok_or_else(|| ServiceError::not_found("No such rule."))?;
            sql::update_rule(&mut tx, id, &fields).await?;
            (id, "detect.update", Some(old.regex))
        }
    };
    log(
        &mut tx,
        admin,
        action,
        &format!("detect:{id}"),
        json!({"name": fields.name, "regex": fields.regex, "type": fields.rule_type,
               "regex_before": before}),
    )
    .await?;
    let saved = sql::lock_rule(&mut tx, id)
        .await?
        .ok_or_else(|| ServiceError::not_found("No such rule."))?;
    tx.commit().await?;
    Ok(saved.into())
}

pub async fn delete_rule(app: &App, admin: i64, id: i64) -> ServiceResult<()> {
    let mut tx = app.db.begin().await?;
    let old = sql::lock_rule(&mut tx, id)
        .await?
        .ok_or_else(|| ServiceError::not_found("No such rule."))?;
    sql::delete_rule(&mut tx, id).await?;
    log(
        &mut tx,
        admin,
        "detect.delete",
        &format!("detect:{id}"),
        json!({"name": old.name, "regex": old.regex}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// One hit of an audit rule.
#[derive(Debug, Serialize, ToSchema)]
pub struct DetectHit {
    pub id: i64,
    pub user_id: i64,
    pub email: Option<String>,
    pub rule_id: i64,
    pub rule_name: Option<String>,
    pub node_id: i64,
    pub node_name: Option<String>,
    /// Unix seconds.
    pub datetime: i64,
    /// Counted by the automatic ban yet.
    pub processed: bool,
}

/// Filters of the hit list; 0 = any.
pub struct HitQuery {
    pub user_id: i64,
    pub node_id: i64,
    pub rule_id: i64,
}

pub async fn list_hits(
    app: &App,
    q: HitQuery,
    page: Option<i64>,
    per_page: Option<i64>,
) -> ServiceResult<Page<DetectHit>> {
    let (page, per_page, offset) = paging(page, per_page);
    let filter = HitFilter {
        user_id: q.user_id,
        node_id: q.node_id,
        list_id: q.rule_id,
    };
    let (rows, total) = sql::hits(&app.db, &filter, per_page, offset).await?;
    let items = rows
        .into_iter()
        .map(|r| DetectHit {
            id: r.id,
            user_id: r.user_id,
            email: r.email,
            rule_id: r.list_id,
            rule_name: r.rule_name,
            node_id: r.node_id,
            node_name: r.node_name,
            datetime: r.datetime,
            processed: r.status != 0,
        })
        .collect();
    Ok(Page {
        items,
        total,
        page,
        per_page,
    })
}

/// The automatic-ban settings; None when `enable_auto_detect_ban` is off.
struct AutoBan {
    policy: BanPolicy,
    allow_admin: bool,
    exempt: Vec<i64>,
}

async fn auto_ban_settings(app: &App) -> anyhow::Result<Option<AutoBan>> {
    let s = &app.settings;
    if !s.get_bool("enable_auto_detect_ban").await? {
        return Ok(None);
    }
    let policy = match s.get_i64("auto_detect_ban_type").await? {
        2 => {
            let raw = s.get("auto_detect_ban").await?;
            BanPolicy::Ladder(
                rules::parse_ladder(&raw).map_err(|e| anyhow::anyhow!("auto_detect_ban: {e}"))?,
            )
        }
        _ => BanPolicy::EveryN {
            hits: s.get_i64("auto_detect_ban_number").await?.max(1),
            minutes: s
                .get_i64("auto_detect_ban_time")
                .await?
                .clamp(1, i32::MAX as i64),
        },
    };
    Ok(Some(AutoBan {
        policy,
        allow_admin: s.get_bool("auto_detect_ban_allow_admin").await?,
        exempt: rules::parse_user_list(&s.get("auto_detect_ban_allow_users").await?),
    }))
}

/// Users whose hits are counted per run (SSPanel's `auto_detect_ban_numProcess` is per hit).
const USERS_PER_RUN: i64 = 500;

/// The ban job: counts new hits into `all_detect_number`, bans who crossed the threshold
/// (`detect_ban_log`), then lifts bans whose time ran out. One transaction per user, so one bad
/// row never holds back the others. Returns the users counted, banned or lifted.
pub async fn run_ban_job(app: &App, now: i64) -> anyhow::Result<u64> {
    let Some(auto) = auto_ban_settings(app).await? else {
        return lift_bans(app, now).await;
    };
    let up_to = sql::max_hit_id(&app.db).await?;
    let mut changed = 0;
    for (user_id, _) in sql::pending_hits(&app.db, up_to, USERS_PER_RUN).await? {
        match count_and_ban(app, &auto, user_id, up_to, now).await {
            Ok(()) => changed += 1,
            Err(e) => tracing::warn!(user_id, error = %e, "audit ban of one user failed"),
        }
    }
    Ok(changed + lift_bans(app, now).await?)
}

async fn count_and_ban(
    app: &App,
    auto: &AutoBan,
    user_id: i64,
    up_to: i64,
    now: i64,
) -> anyhow::Result<()> {
    let mut tx = app.db.begin().await?;
    let Some(user) = crate::db::admin_users::lock(&mut tx, user_id).await? else {
        return Ok(tx.rollback().await?);
    };
    let new_hits = sql::take_hits(&mut tx, user_id, up_to).await?;
    sql::add_hits(&mut tx, user_id, new_hits).await?;
    let total = user.all_detect_number + new_hits;
    let exempt = user.enable == 0
        || (user.is_admin == 1 && auto.allow_admin)
        || auto.exempt.contains(&user_id);
    let since = total - sql::last_ban_total(&mut tx, user_id).await?;
    if let (
        false,
        Verdict::Ban {
            detect_number,
            minutes,
        },
    ) = (exempt, rules::decide(&auto.policy, total, since))
    {
        let record = BanRecord {
            user_id,
            user_name: &user.user_name,
            email: &user.email,
            detect_number,
            ban_time: minutes.unwrap_or(0),
            start_time: user.last_detect_ban_time.map_or(0, to_unix),
            end_time: now,
            all_detect_number: total,
        };
        let ban_id = sql::ban(&mut tx, &record, from_unix(now)).await?;
        if minutes.is_none() {
            // SSPanel's "kill" deletes the account; spanel disables it until an operator decides.
            sql::settle_bans(&mut tx, user_id, "permanent", now).await?;
        }
        log(
            &mut tx,
            0,
            "user.detect_ban",
            &format!("user:{user_id}"),
            json!({"ban_id": ban_id, "hits": detect_number, "total": total, "minutes": minutes}),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Re-enables users whose latest ban ran out (SSPanel: `end_time + ban_time × 60 <= now`), unless
/// an operator took the account over since.
pub async fn lift_bans(app: &App, now: i64) -> anyhow::Result<u64> {
    let mut lifted = 0;
    for (user_id, ban_id) in sql::due_lifts(&app.db, now, USERS_PER_RUN).await? {
        let result: anyhow::Result<bool> = async {
            let mut tx = app.db.begin().await?;
            if !sql::lock_due(&mut tx, user_id, ban_id).await? {
                tx.rollback().await?;
                return Ok(false);
            }
            sql::enable(&mut tx, user_id).await?;
            sql::settle_bans(&mut tx, user_id, "lifted", now).await?;
            let target = format!("user:{user_id}");
            log(
                &mut tx,
                0,
                "user.detect_unban",
                &target,
                json!({"ban_id": ban_id}),
            )
            .await?;
            tx.commit().await?;
            Ok(true)
        }
        .await;
        match result {
            Ok(true) => lifted += 1,
            Ok(false) => {}
            Err(e) => tracing::warn!(user_id, error = %e, "lifting one audit ban failed"),
        }
    }
    Ok(lifted)
}
