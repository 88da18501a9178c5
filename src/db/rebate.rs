//! SQL for referral commission: `payback` rows and the balances they credit.

use super::{Done, Int, Money, Tx};
use crate::on_tx;

/// (ref_by, reg_date) of a user.
pub async fn inviter_of(
    tx: &mut Tx,
    user_id: i64,
) -> sqlx::Result<Option<(i64, chrono::NaiveDateTime)>> {
    let row: Option<(Int, chrono::NaiveDateTime)> = on_tx!(tx, |c| sqlx::query_as(
        "SELECT `ref_by`, `reg_date` FROM `user` WHERE `id` = ?"
    )
    .bind(user_id)
    .fetch_optional(c)
    .await)?;
    Ok(row.map(|(r, d)| (r.0, d)))
}

/// Locks a user row and returns (enable, money).
pub async fn lock_balance(tx: &mut Tx, user_id: i64) -> sqlx::Result<Option<(i64, Money)>> {
    let sql = format!(
        "SELECT `enable`, `money` FROM `user` WHERE `id` = ?{}",
        tx.for_update()
    );
    on_tx!(tx, |c| sqlx::query_as(&sql)
        .bind(user_id)
        .fetch_optional(c)
        .await)
}

pub async fn set_balance(tx: &mut Tx, user_id: i64, money: Money) -> sqlx::Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "UPDATE `user` SET `money` = ? WHERE `id` = ?"
    )
    .bind(money)
    .bind(user_id)
    .execute(c)
    .await
    .map(Done::from))?;
    Ok(())
}

/// How many paybacks, and how much in total, `beneficiary` has had from `payer`.
pub async fn paid_so_far(tx: &mut Tx, payer: i64, beneficiary: i64) -> sqlx::Result<(i64, Money)> {
    let rows: Vec<Money> = on_tx!(tx, |c| sqlx::query_scalar(
        "SELECT `ref_get` FROM `payback` WHERE `userid` = ? AND `ref_by` = ?"
    )
    .bind(payer)
    .bind(beneficiary)
    .fetch_all(c)
    .await)?;
    let total = rows.iter().fold(Money::ZERO, |acc, m| acc + *m);
    Ok((rows.len() as i64, total))
}

pub async fn insert_payback(
    tx: &mut Tx,
    payer: i64,
    beneficiary: i64,
    total: Money,
    ref_get: Money,
    now_unix: i64,
) -> sqlx::Result<()> {
    on_tx!(tx, |c| {
        sqlx::query(
        "INSERT INTO `payback` (`total`, `userid`, `ref_by`, `ref_get`, `datetime`) VALUES (?, ?, ?, ?, ?)"
    )
    .bind(total)
    .bind(payer)
    .bind(beneficiary)
    .bind(ref_get)
    .bind(now_unix)
    .execute(c)
    .await
    .map(Done::from)
    })?;
    Ok(())
}
