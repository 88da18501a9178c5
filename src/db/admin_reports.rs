//! Queries of the admin reports and charts. They read spanel's own aggregates
//! (`spanel_traffic_total_hourly`, `spanel_traffic_daily`, `spanel_node_traffic_daily`,
//! `spanel_node_online_sample`) plus, per user, the hours not yet rolled up
//! (`spanel_traffic_hourly`), never all of SSPanel's `user_hourly_usage` (which has no index on
//! `datetime`).

use super::{Db, Done, Int};
use crate::on_db;

/// (period start, bytes) pairs.
pub type Periods = Vec<(i64, i64)>;

async fn periods(db: &Db, sql: &str, binds: &[i64]) -> sqlx::Result<Periods> {
    let rows: Vec<(Int, Int)> = on_db!(db, |p| {
        let mut q = sqlx::query_as(sql);
        for b in binds {
            q = q.bind(*b);
        }
        q.fetch_all(p).await
    })?;
    Ok(rows.into_iter().map(|(t, b)| (t.0, b.0)).collect())
}

/// Bytes of all users in `[from, to)` per period of `bucket` seconds (aligned to the unix epoch),
/// from `spanel_traffic_total_hourly` (finished hours and the current one as far as written).
pub async fn usage_all(db: &Db, from: i64, to: i64, bucket: i64) -> sqlx::Result<Periods> {
    periods(
        db,
        "SELECT `hour` - `hour` % ? AS `p`, SUM(`bytes`) FROM `spanel_traffic_total_hourly` \
         WHERE `hour` >= ? AND `hour` < ? GROUP BY `p` ORDER BY `p`",
        &[bucket, from, to],
    )
    .await
}

/// One user's bytes in `[from, to)` per period: SSPanel's `user_hourly_usage` through its
/// `user_id` key, plus the hours not yet rolled up.
pub async fn usage_of_user(
    db: &Db,
    user: i64,
    from: i64,
    to: i64,
    bucket: i64,
) -> sqlx::Result<Periods> {
    periods(
        db,
        "SELECT `p`, SUM(`b`) FROM ( \
         SELECT `datetime` - `datetime` % ? AS `p`, `hourly_usage` AS `b` FROM `user_hourly_usage` \
         WHERE `user_id` = ? AND `datetime` >= ? AND `datetime` < ? \
         UNION ALL SELECT `hour` - `hour` % ?, `u` + `d` FROM `spanel_traffic_hourly` \
         WHERE `user_id` = ? AND `hour` >= ? AND `hour` < ?) x \
         GROUP BY `p` ORDER BY `p`",
        &[bucket, user, from, to, bucket, user, from, to],
    )
    .await
}

/// The users with the most bytes in the finished hours of the UTC days `[from_day, to)`
/// (`spanel_traffic_daily`, read through its covering `(day, user_id, u, d)` index): (user id,
/// e-mail, bytes), most first (ties: the higher user id first, as the window totals are read),
/// `limit` from `offset`.
pub async fn top_users(
    db: &Db,
    from_day: i64,
    to: i64,
    offset: i64,
    limit: i64,
) -> sqlx::Result<Vec<(i64, String, i64)>> {
    let rows: Vec<(Int, String, Int)> = on_db!(db, |p| sqlx::query_as(
        "SELECT t.`user_id`, COALESCE(u.`email`, ''), t.`total` FROM ( \
         SELECT `user_id`, SUM(`u` + `d`) AS `total` FROM `spanel_traffic_daily` \
         WHERE `day` >= ? AND `day` < ? \
         GROUP BY `user_id` ORDER BY `total` DESC, `user_id` DESC LIMIT ? OFFSET ?) t \
         JOIN `user` u ON u.`id` = t.`user_id` ORDER BY t.`total` DESC, t.`user_id` DESC"
    )
    .bind(from_day)
    .bind(to)
    .bind(limit)
    .bind(offset)
    .fetch_all(p)
    .await)?;
    Ok(rows.into_iter().map(|(u, e, b)| (u.0, e, b.0)).collect())
}

/// Raw bytes per node on the UTC days from `from_day`: (node id, name, bytes), most first.
pub async fn node_traffic(
    db: &Db,
    from_day: i64,
    limit: i64,
) -> sqlx::Result<Vec<(i64, String, i64)>> {
    let rows: Vec<(Int, String, Int)> = on_db!(db, |p| {
        sqlx::query_as(
        "SELECT t.`node_id`, n.`name`, SUM(t.`bytes`) AS `total` FROM `spanel_node_traffic_daily` t \
         JOIN `node` n ON n.`id` = t.`node_id` WHERE t.`day` >= ? \
         GROUP BY t.`node_id`, n.`name` ORDER BY `total` DESC, t.`node_id` LIMIT ?"
    )
    .bind(from_day)
    .bind(limit)
    .fetch_all(p)
    .await
    })?;
    Ok(rows.into_iter().map(|(n, s, b)| (n.0, s, b.0)).collect())
}

/// Nodes online since `from` per period of `bucket` seconds: (period, fewest online, most nodes).
pub async fn nodes_online(db: &Db, from: i64, bucket: i64) -> sqlx::Result<Vec<(i64, i64, i64)>> {
    let rows: Vec<(Int, Int, Int)> = on_db!(db, |p| {
        sqlx::query_as(
        "SELECT `at` - `at` % ? AS `p`, MIN(`online`), MAX(`total`) FROM `spanel_node_online_sample` \
         WHERE `at` >= ? GROUP BY `p` ORDER BY `p`"
    )
    .bind(bucket)
    .bind(from)
    .fetch_all(p)
    .await
    })?;
    Ok(rows.into_iter().map(|(t, o, n)| (t.0, o.0, n.0)).collect())
}

/// Records the nodes online in the sample slot `at`; a slot already sampled is kept as it is.
pub async fn sample_nodes_online(db: &Db, at: i64, online: i64, total: i64) -> sqlx::Result<u64> {
    let sql = format!(
        "{} INTO `spanel_node_online_sample` (`at`, `online`, `total`) VALUES (?, ?, ?)",
        db.backend().insert_ignore()
    );
    let done = on_db!(db, |p| sqlx::query(&sql)
        .bind(at)
        .bind(online)
        .bind(total)
        .execute(p)
        .await
        .map(Done::from))?;
    Ok(done.rows)
}
