//! SQL for referral commission: `payback` rows and the balances they credit.

use super::{DbMoney, Done, Int, Money, Tx};
use crate::on_tx;

/// A user row locked for a balance change, with what the referral chain needs.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LockedBalance {
    pub enable: i64,
    #[sqlx(try_from = "DbMoney")]
    pub money: Money,
    /// The inviter (0 for none).
    #[sqlx(try_from = "Int")]
    pub ref_by: i64,
    pub reg_date: chrono::NaiveDateTime,
}

/// Locks a user row and returns its balance, inviter and sign-up time.
pub async fn lock_balance(tx: &mut Tx, user_id: i64) -> sqlx::Result<Option<LockedBalance>> {
    let sql = format!(
        "SELECT `enable`, `money`, `ref_by`, `reg_date` FROM `user` WHERE `id` = ?{}",
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
    .bind(DbMoney(money))
    .bind(user_id)
    .execute(c)
    .await
    .map(Done::from))?;
    Ok(())
}

/// How many paybacks, and how much in total, `beneficiary` has had from `payer`.
pub async fn paid_so_far(tx: &mut Tx, payer: i64, beneficiary: i64) -> sqlx::Result<(i64, Money)> {
    let rows: Vec<DbMoney> = on_tx!(tx, |c| sqlx::query_scalar(
        "SELECT `ref_get` FROM `payback` WHERE `userid` = ? AND `ref_by` = ?"
    )
    .bind(payer)
    .bind(beneficiary)
    .fetch_all(c)
    .await)?;
    let total = rows.iter().fold(Money::ZERO, |acc, m| acc + m.0);
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
    .bind(DbMoney(total))
    .bind(payer)
    .bind(beneficiary)
    .bind(DbMoney(ref_get))
    .bind(now_unix)
    .execute(c)
    .await
    .map(Done::from)
    })?;
    Ok(())
}
