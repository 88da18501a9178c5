//! The operator's plan and coupon changes, each written with its admin-log row in one transaction.

use serde_json::json;

use crate::app::App;
use crate::db::shop::{self as sql, PlanWrite};
use crate::domain::shop::Coupon;
use crate::error::{ApiError, ApiResult};
use crate::service::admin::log;

fn plan_detail(p: &PlanWrite<'_>) -> serde_json::Value {
    json!({
        "name": p.name,
        "price": p.price.to_string(),
        "content": p.content,
        "auto_renew": p.auto_renew,
        "auto_reset_bandwidth": p.auto_reset_bandwidth,
        "status": p.status,
    })
}

/// Creates a plan; returns its id.
pub async fn create_plan(app: &App, admin: i64, plan: &PlanWrite<'_>) -> ApiResult<i64> {
    let mut tx = app.db.begin().await?;
    let id = sql::insert_plan(&mut tx, plan).await?;
    log(
        &mut tx,
        admin,
        "plan.create",
        &format!("shop:{id}"),
        plan_detail(plan),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Replaces a plan's fields.
pub async fn edit_plan(app: &App, admin: i64, id: i64, plan: &PlanWrite<'_>) -> ApiResult<()> {
    if !sql::plan_exists(&app.db, id).await? {
        return Err(ApiError::not_found("No such plan."));
    }
    let mut tx = app.db.begin().await?;
    sql::update_plan(&mut tx, id, plan).await?;
    log(
        &mut tx,
        admin,
        "plan.update",
        &format!("shop:{id}"),
        plan_detail(plan),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Takes a plan off sale (purchases keep pointing at it, so it is never deleted).
pub async fn take_off_sale(app: &App, admin: i64, id: i64) -> ApiResult<()> {
    if !sql::plan_exists(&app.db, id).await? {
        return Err(ApiError::not_found("No such plan."));
    }
    let mut tx = app.db.begin().await?;
    sql::take_off_sale(&mut tx, id).await?;
    log(
        &mut tx,
        admin,
        "plan.off_sale",
        &format!("shop:{id}"),
        json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Creates a coupon; returns its id.
pub async fn create_coupon(app: &App, admin: i64, coupon: &Coupon) -> ApiResult<i64> {
    let mut tx = app.db.begin().await?;
    let id = sql::insert_coupon(&mut tx, coupon).await?;
    let detail = json!({
        "code": coupon.code,
        "onetime": coupon.onetime,
        "expire": coupon.expire,
        "shop": coupon.shop,
        "credit": coupon.credit,
    });
    log(
        &mut tx,
        admin,
        "coupon.create",
        &format!("coupon:{id}"),
        detail,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Deletes a coupon.
pub async fn delete_coupon(app: &App, admin: i64, id: i64) -> ApiResult<()> {
    let mut tx = app.db.begin().await?;
    if !sql::delete_coupon(&mut tx, id).await? {
        return Err(ApiError::not_found("No such coupon."));
    }
    log(
        &mut tx,
        admin,
        "coupon.delete",
        &format!("coupon:{id}"),
        json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
