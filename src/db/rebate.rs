//! SQL for referral commission: `payback` rows and the balances they credit.

use super::{Backend, DbMoney, Done, Int, Money, Tx};
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

/// Adds `amount` to a balance. MariaDB: in place (`money = money + ?`), right whichever node or
/// transaction changed the balance last. SQLite keeps money as TEXT, which SQL arithmetic would
/// turn into a float, so the sum is computed here — exact there, as `BEGIN IMMEDIATE` makes each
/// write transaction the only one.
pub async fn add_balance(tx: &mut Tx, user_id: i64, amount: Money) -> sqlx::Result<()> {
    match tx.backend() {
        Backend::MySql => {
            execute_money(
                tx,
                "UPDATE `user` SET `money` = `money` + ? WHERE `id` = ?",
                amount,
                user_id,
            )
            .await?;
        }
        Backend::Sqlite => {
            if let Some(now) = balance(tx, user_id).await? {
                execute_money(
                    tx,
                    "UPDATE `user` SET `money` = ? WHERE `id` = ?",
                    now + amount,
                    user_id,
                )
                .await?;
            }
        }
    }
    Ok(())
}

/// Takes `amount` from a balance only if it is there (MariaDB: `money = money - ? WHERE money >=
/// ?`, checked by the rows changed); returns false, changing nothing, when the balance is short.
pub async fn take_balance(tx: &mut Tx, user_id: i64, amount: Money) -> sqlx::Result<bool> {
    match tx.backend() {
        Backend::MySql => {
            let done = on_tx!(tx, |c| sqlx::query(
                "UPDATE `user` SET `money` = `money` - ? WHERE `id` = ? AND `money` >= ?"
            )
            .bind(DbMoney(amount))
            .bind(user_id)
            .bind(DbMoney(amount))
            .execute(c)
            .await
            .map(Done::from))?;
            Ok(done.rows == 1)
        }
        Backend::Sqlite => match balance(tx, user_id).await? {
            Some(now) if now >= amount => {
                execute_money(
                    tx,
                    "UPDATE `user` SET `money` = ? WHERE `id` = ?",
                    now - amount,
                    user_id,
                )
                .await?;
                Ok(true)
            }
            _ => Ok(false),
        },
    }
}

async fn balance(tx: &mut Tx, user_id: i64) -> sqlx::Result<Option<Money>> {
    let money: Option<DbMoney> = on_tx!(tx, |c| sqlx::query_scalar(
        "SELECT `money` FROM `user` WHERE `id` = ?"
    )
    .bind(user_id)
    .fetch_optional(c)
    .await)?;
    Ok(money.map(|m| m.0))
}

async fn execute_money(tx: &mut Tx, sql: &str, money: Money, user_id: i64) -> sqlx::Result<u64> {
    let done = on_tx!(tx, |c| sqlx::query(sql)
        .bind(DbMoney(money))
        .bind(user_id)
        .execute(c)
        .await
        .map(Done::from))?;
    Ok(done.rows)
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
