//! Column types shared by both backends.

use std::str::FromStr;

use rust_decimal::Decimal;
use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::{Decode, Encode, MySql, Sqlite, Type};

pub use crate::domain::money::Money;

/// `Money` as the database stores it (DECIMAL on MySQL, TEXT on SQLite): bind `DbMoney(m)`,
/// decode rows' money fields with `#[sqlx(try_from = "DbMoney")]`. The domain's `Money` knows
/// nothing of sqlx, so the codecs live on this wrapper.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DbMoney(pub Money);

impl From<DbMoney> for Money {
    fn from(m: DbMoney) -> Money {
        m.0
    }
}

impl Type<MySql> for DbMoney {
    fn type_info() -> sqlx::mysql::MySqlTypeInfo {
        <Decimal as Type<MySql>>::type_info()
    }
    fn compatible(ty: &sqlx::mysql::MySqlTypeInfo) -> bool {
        <Decimal as Type<MySql>>::compatible(ty)
    }
}

impl<'q> Encode<'q, MySql> for DbMoney {
    fn encode_by_ref(&self, buf: &mut Vec<u8>) -> Result<IsNull, BoxDynError> {
        <Decimal as Encode<MySql>>::encode_by_ref(&self.0 .0, buf)
    }
}

impl<'r> Decode<'r, MySql> for DbMoney {
    fn decode(value: sqlx::mysql::MySqlValueRef<'r>) -> Result<Self, BoxDynError> {
        Ok(DbMoney(Money::cents(<Decimal as Decode<MySql>>::decode(
            value,
        )?)))
    }
}

// On SQLite money lives in TEXT columns ("12.34"); values written by other tools as INTEGER or REAL
// are read through SQLite's own text conversion, so they decode too.
impl Type<Sqlite> for DbMoney {
    fn type_info() -> sqlx::sqlite::SqliteTypeInfo {
        <String as Type<Sqlite>>::type_info()
    }
    fn compatible(_ty: &sqlx::sqlite::SqliteTypeInfo) -> bool {
        true
    }
}

impl<'q> Encode<'q, Sqlite> for DbMoney {
    fn encode_by_ref(
        &self,
        buf: &mut Vec<sqlx::sqlite::SqliteArgumentValue<'q>>,
    ) -> Result<IsNull, BoxDynError> {
        <String as Encode<Sqlite>>::encode(self.0.to_string(), buf)
    }
}

impl<'r> Decode<'r, Sqlite> for DbMoney {
    fn decode(value: sqlx::sqlite::SqliteValueRef<'r>) -> Result<Self, BoxDynError> {
        let text = <&str as Decode<Sqlite>>::decode(value)?;
        Ok(DbMoney(Money::from_str(text)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_half_up_to_cents() {
        assert_eq!(Money::cents(Decimal::new(1005, 3)).to_string(), "1.01");
        assert_eq!(Money::cents(Decimal::new(1004, 3)).to_string(), "1.00");
        assert_eq!(Money::from_str("7").unwrap().to_string(), "7.00");
    }

    #[test]
    fn parse_amount_rejects_fractions_of_cents() {
        assert_eq!(Money::parse_amount("10.5").unwrap().to_string(), "10.50");
        assert!(Money::parse_amount("10.005").is_none());
        assert!(Money::parse_amount("abc").is_none());
    }

    #[test]
    fn serializes_as_string() {
        let m = Money::from_cents(1234);
        assert_eq!(serde_json::to_string(&m).unwrap(), "\"12.34\"");
    }
}

/// An integer read from any integer column. SSPanel declares many columns `BIGINT UNSIGNED`
/// (`user.id`, `u`, `d`, `transfer_enable`…), which the MySQL driver will not decode as `i64`, and
/// `SUM()` of integers is a DECIMAL there. Decode such columns through this type:
/// `#[sqlx(try_from = "Int")] pub u: i64` in a row struct, or `query_scalar::<_, Int>`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Int(pub i64);

impl From<Int> for i64 {
    fn from(v: Int) -> i64 {
        v.0
    }
}

impl From<Int> for u64 {
    fn from(v: Int) -> u64 {
        v.0.max(0) as u64
    }
}

impl Type<MySql> for Int {
    fn type_info() -> sqlx::mysql::MySqlTypeInfo {
        <i64 as Type<MySql>>::type_info()
    }
    fn compatible(ty: &sqlx::mysql::MySqlTypeInfo) -> bool {
        <i64 as Type<MySql>>::compatible(ty)
            || <u64 as Type<MySql>>::compatible(ty)
            || <Decimal as Type<MySql>>::compatible(ty)
    }
}

impl<'r> Decode<'r, MySql> for Int {
    fn decode(value: sqlx::mysql::MySqlValueRef<'r>) -> Result<Self, BoxDynError> {
        use sqlx::{TypeInfo, ValueRef};
        let ty = value.type_info().into_owned();
        if <Decimal as Type<MySql>>::compatible(&ty) {
            let d = <Decimal as Decode<MySql>>::decode(value)?;
            return Ok(Int(
                i64::try_from(d.trunc()).map_err(|_| "integer out of range")?
            ));
        }
        if ty.name().ends_with("UNSIGNED") {
            let v = <u64 as Decode<MySql>>::decode(value)?;
            return Ok(Int(i64::try_from(v).unwrap_or(i64::MAX)));
        }
        Ok(Int(<i64 as Decode<MySql>>::decode(value)?))
    }
}

impl Type<Sqlite> for Int {
    fn type_info() -> sqlx::sqlite::SqliteTypeInfo {
        <i64 as Type<Sqlite>>::type_info()
    }
    fn compatible(ty: &sqlx::sqlite::SqliteTypeInfo) -> bool {
        <i64 as Type<Sqlite>>::compatible(ty)
    }
}

impl<'r> Decode<'r, Sqlite> for Int {
    fn decode(value: sqlx::sqlite::SqliteValueRef<'r>) -> Result<Self, BoxDynError> {
        Ok(Int(<i64 as Decode<Sqlite>>::decode(value)?))
    }
}
