//! SQL of SSPanel's `config` table (operator settings), read and written as PHP does.

use super::{Db, Done, Tx};
use crate::{on_db, on_tx};

/// Every setting: (item, value).
pub async fn all_items(db: &Db) -> sqlx::Result<Vec<(String, String)>> {
    on_db!(db, |p| sqlx::query_as(
        "SELECT `item`, `value` FROM `config`"
    )
    .fetch_all(p)
    .await)
}

/// The columns PHP fills when it creates a `config` row.
pub struct NewItem<'a> {
    pub class: &'a str,
    pub kind: &'a str,
    pub default: &'a str,
    pub mark: &'a str,
}

/// Writes `value` to `item`, inserting the row with `new`'s columns when it is missing.
pub async fn set_item(tx: &mut Tx, item: &str, value: &str, new: NewItem<'_>) -> sqlx::Result<()> {
    let exists: Option<i64> = on_tx!(tx, |c| sqlx::query_scalar(
        "SELECT `id` FROM `config` WHERE `item` = ? LIMIT 1"
    )
    .bind(item)
    .fetch_optional(c)
    .await)?;
    if exists.is_some() {
        on_tx!(tx, |c| sqlx::query(
            "UPDATE `config` SET `value` = ? WHERE `item` = ?"
        )
        .bind(value)
        .bind(item)
        .execute(c)
        .await
        .map(Done::from))?;
        return Ok(());
    }
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO `config` (`item`, `value`, `class`, `is_public`, `type`, `default`, `mark`) \
         VALUES (?, ?, ?, 0, ?, ?, ?)"
    )
    .bind(item)
    .bind(value)
    .bind(new.class)
    .bind(new.kind)
    .bind(new.default)
    .bind(new.mark)
    .execute(c)
    .await
    .map(Done::from))?;
    Ok(())
}
