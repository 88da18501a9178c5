//! The `spanel` command line: `serve` (default), `init-db`, `create-admin`, `check-config`, `job`;
//! the operator commands (`doctor`, `migrate`, `backup`, `healthcheck`) live in `crate::ops`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::app::AppState;
use crate::config::Config;
use crate::db::Db;
use crate::service::accounts;
use crate::settings::Settings;

#[derive(Parser, Debug)]
#[command(
    name = "spanel",
    version,
    about = "SSPanel-UIM compatible panel backend"
)]
struct Cli {
    /// TOML configuration file (also SPANEL_CONFIG). SPANEL_* variables override it.
    #[arg(long, global = true, env = "SPANEL_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve the panel (the default).
    Serve,
    /// Create the SSPanel schema and default settings on an empty database.
    InitDb,
    /// Create an administrator account.
    CreateAdmin {
        #[arg(long)]
        email: String,
        #[arg(long)]
        password: String,
    },
    /// Validate the configuration and test the database and Redis connections.
    CheckConfig,
    /// Scheduled jobs.
    Job {
        #[command(subcommand)]
        action: JobAction,
    },
    /// Check a database before spanel runs on it (exit 0 fine, 1 warnings, 2 will not work).
    Doctor(crate::ops::doctor::Args),
    /// Copy a whole database between backends (SQLite <-> MariaDB), then verify the copy.
    Migrate(crate::ops::migrate::Args),
    /// An online, consistent copy of the SQLite database.
    Backup(crate::ops::backup::Args),
    /// Exit 0 when the server's /healthz answers (the container health check).
    Healthcheck {
        /// Default: /healthz on the configured listen address.
        #[arg(long)]
        url: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
enum JobAction {
    /// Run one job now, by name (class_expiry, account_expiry, hourly_usage, report_rollup,
    /// daily_snapshot, auto_reset_day, node_bandwidth_reset, prune).
    Run { name: String },
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match Config::load(cli.config.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("spanel: configuration error: {e}");
            return ExitCode::from(2);
        }
    };
    init_tracing(&config);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let result = runtime.block_on(run(cli.command.unwrap_or(Command::Serve), config));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("spanel: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_tracing(config: &Config) {
    use tracing_subscriber::EnvFilter;
    let default = if config.debug {
        "spanel=debug,info"
    } else {
        "info"
    };
    let filter = EnvFilter::try_from_env("SPANEL_LOG").unwrap_or_else(|_| EnvFilter::new(default));
    // Logs go to stderr (command output such as `doctor --json` stays clean on stdout), with
    // colour only when stderr is a terminal: journald, Docker and files get plain text.
    use std::io::IsTerminal;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    let _ = if config.log_json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

fn refuse_unsafe(config: &Config) -> anyhow::Result<()> {
    let problems = config.problems();
    if problems.is_empty() {
        return Ok(());
    }
    anyhow::bail!("refusing to start:\n  - {}", problems.join("\n  - "))
}

async fn run(command: Command, config: Config) -> anyhow::Result<()> {
    match command {
        Command::Serve => serve(config).await,
        Command::InitDb => {
            let db = Db::connect(&config.database_url, 2).await?;
            if db.ensure_schema().await? {
                Settings::new(db).insert_missing_defaults().await?;
                println!(
                    "Created the SSPanel classic schema in {}",
                    redact_url(&config.database_url)
                );
            } else {
                println!("The database already has an SSPanel schema; nothing changed.");
            }
            Ok(())
        }
        Command::CreateAdmin { email, password } => {
            let state = AppState::build(config).await?;
            let id = accounts::create_admin(&state, &email, &password)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("Created administrator {email} (user id {id}).");
            Ok(())
        }
        Command::Job {
            action: JobAction::Run { name },
        } => {
            let job = crate::jobs::Job::parse(&name).ok_or_else(|| {
                let names: Vec<_> = crate::jobs::Job::ALL.iter().map(|j| j.name()).collect();
                anyhow::anyhow!("unknown job '{name}'; jobs: {}", names.join(", "))
            })?;
            let state = AppState::build(config).await?;
            match crate::jobs::run(&state, job, chrono::Utc::now()).await? {
                Some(n) => println!("{name}: {n} rows changed"),
                None => println!("{name}: already ran today; nothing changed"),
            }
            Ok(())
        }
        Command::Doctor(args) => {
            let code = crate::ops::doctor::main(args, &config).await?;
            if code != 0 {
                use std::io::Write;
                let _ = std::io::stdout().flush();
                std::process::exit(code.into());
            }
            Ok(())
        }
        Command::Migrate(args) => crate::ops::migrate::main(args).await,
        Command::Backup(args) => crate::ops::backup::main(args, &config).await,
        Command::Healthcheck { url } => {
            crate::ops::healthcheck(&url.unwrap_or_else(|| crate::ops::healthz_url(&config.listen)))
                .await
        }
        Command::CheckConfig => {
            print!("{}", crate::ops::effective_config::render(&config)?);
            refuse_unsafe(&config)?;
            let db = Db::connect(&config.database_url, 1).await?;
            println!(
                "database: ok ({:?}, schema present: {})",
                db.backend(),
                db.has_schema().await?
            );
            let kv = crate::kv::Kv::new(config.redis_url.as_deref()).await?;
            println!("redis: {:?}", kv.ping().await);
            println!("configuration: ok");
            Ok(())
        }
    }
}

async fn serve(config: Config) -> anyhow::Result<()> {
    refuse_unsafe(&config)?;
    let listener = tokio::net::TcpListener::bind(&config.listen)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", config.listen))?;
    let state = AppState::build(config).await?;
    match crate::ops::first_admin(&state).await? {
        crate::ops::FirstAdmin::Created { email, password } => {
            // Printed once, to the console only (never to the log): the operator needs it to log in.
            println!("First administrator created. Log in with:\n  e-mail:   {email}\n  password: {password}");
        }
        crate::ops::FirstAdmin::Missing => println!(
            "This database has no administrator, and spanel adds no account to a database it did not \
             create. Make one with:\n  spanel create-admin --email you@example.com --password '<a long password>'"
        ),
        crate::ops::FirstAdmin::Exists => {}
    }
    if state.config.jobs_enabled {
        crate::jobs::spawn_scheduler(state.clone());
    }
    let addr = listener.local_addr()?;
    println!("spanel listening: log in at http://{addr}/ (API docs at http://{addr}/docs)");
    tracing::info!(%addr, backend = ?state.db.backend(), "listening");
    crate::server::serve(state, listener).await
}

/// A database URL without its password, for messages.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            let user = creds.split(':').next().unwrap_or("");
            format!("{}://{}:***@{}", &url[..s], user, &url[at + 1..])
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn redacts_passwords() {
        assert_eq!(
            super::redact_url("mysql://root:secret@127.0.0.1/db"),
            "mysql://root:***@127.0.0.1/db"
        );
        assert_eq!(
            super::redact_url("sqlite://spanel.db"),
            "sqlite://spanel.db"
        );
    }
}
