//! `spanel backup --to FILE`: an online, consistent copy of the embedded SQLite database
//! (`VACUUM INTO`: one read transaction, so writers go on and the copy is one point in time). For
//! MariaDB the README documents `mariadb-dump --single-transaction`.

use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::db::Db;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// File to write; refused if it exists.
    #[arg(long)]
    pub to: PathBuf,
    /// Database to copy (default: the configured one).
    #[arg(long)]
    pub database_url: Option<String>,
}

pub async fn main(args: Args, config: &Config) -> anyhow::Result<()> {
    let url = args.database_url.as_deref().unwrap_or(&config.database_url);
    let db = super::doctor::connect_existing(url).await?;
    let bytes = backup(&db, &args.to).await?;
    println!(
        "Backed up {} to {} ({bytes} bytes). Restore: stop spanel, put the file in place of the database.",
        crate::cli::redact_url(url),
        args.to.display()
    );
    Ok(())
}

/// Writes the copy; returns its size in bytes.
pub async fn backup(db: &Db, to: &Path) -> anyhow::Result<u64> {
    let Db::Sqlite(pool) = db else {
        anyhow::bail!(
            "spanel backup copies the embedded SQLite database; for MariaDB use \
             `mariadb-dump --single-transaction --routines DB > FILE` (README: Backups)"
        );
    };
    anyhow::ensure!(
        !to.exists(),
        "{} exists; choose a new file name",
        to.display()
    );
    let target = to
        .to_str()
        .ok_or_else(|| anyhow::anyhow!("the backup path must be UTF-8"))?;
    sqlx::query("VACUUM INTO ?")
        .bind(target)
        .execute(pool)
        .await?;
    Ok(std::fs::metadata(to)?.len())
}
