//! The command line: subcommands, flags and environment variables.

use std::net::SocketAddr;

use chrono::Utc;
use clap::{Parser, Subcommand};
use domain::authz::Role;
use storage::audit::AuditActor;
use storage::{Db, DbUrl};

use crate::setup::{self, AppError};

const DEFAULT_DB: &str = "sqlite://data/chungtay.sqlite3";
const DEFAULT_ADDR: &str = "127.0.0.1:8080";

/// Chung Tay — mobilising support for children in Huế's mountain communes.
#[derive(Parser, Debug)]
#[command(name = "chungtay", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(clap::Args, Debug, Clone)]
pub struct DbArgs {
    /// Database URL: `postgres://…` for PostgreSQL, anything else is a SQLite
    /// file (default ./data/chungtay.sqlite3).
    #[arg(long, env = "CHUNGTAY_DB", default_value = DEFAULT_DB)]
    db: String,
}

#[derive(clap::Args, Debug, Clone)]
pub struct ServeArgs {
    #[command(flatten)]
    db: DbArgs,
    /// Address to listen on.
    #[arg(long, env = "CHUNGTAY_ADDR", default_value = DEFAULT_ADDR)]
    addr: String,
    /// Mark cookies Secure (set when served over HTTPS).
    #[arg(long, env = "CHUNGTAY_SECURE_COOKIES")]
    secure_cookies: bool,
    #[command(flatten)]
    key: crate::cmd_ledger::KeyArgs,
    #[command(flatten)]
    registry_key: crate::cmd_registry::RegistryKeyArgs,
    /// E-mail notices through this SMTP server, `smtp://host:port` (no
    /// TLS: a relay on the server's own network). Without it, notices are
    /// shown in the app only.
    #[arg(long, env = "CHUNGTAY_SMTP_URL")]
    smtp_url: Option<String>,
    /// The sender address of e-mailed notices.
    #[arg(long, env = "CHUNGTAY_SMTP_FROM", default_value = "chungtay@localhost")]
    smtp_from: String,
    /// The address people reach the server at, for links in e-mails
    /// (default: the address it listens on).
    #[arg(long, env = "CHUNGTAY_PUBLIC_URL")]
    public_url: Option<String>,
}

#[derive(clap::Args, Debug, Clone)]
pub struct DemoArgs {
    #[command(flatten)]
    serve: ServeArgs,
    /// Load the demo data and exit without serving.
    #[arg(long)]
    no_serve: bool,
    /// `national`: instead of the demo, bulk-load the synthetic
    /// national-scale benchmark set into an empty scratch database and exit
    /// (no audit rows, no ledger: never on a database that serves people).
    #[arg(long, value_parser = ["national"])]
    scale: Option<String>,
    #[command(flatten)]
    scale_args: crate::demo_scale::ScaleArgs,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve the web application and the API.
    Serve(ServeArgs),
    /// Create or upgrade the database schema and load the reference data.
    Migrate(DbArgs),
    /// Migrate, load the demo data if the database is empty, and serve
    /// (or, with --no-serve, stop there).
    Demo(DemoArgs),
    /// Manage user accounts.
    Users {
        #[command(subcommand)]
        command: UsersCommand,
    },
    /// Manage API tokens.
    Tokens {
        #[command(subcommand)]
        command: TokensCommand,
    },
    /// Check the audit log's hash chain (every row, in order).
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Import need lines or donors from CSV or XLSX (all rows or none).
    Import(crate::cmd_import::ImportArgs),
    /// Optimal allocation of pledges to needs (min-cost flow), file to file.
    Allocate(crate::cmd_allocate::AllocateArgs),
    /// Find the records that are the same child, file to file.
    Dedupe(crate::cmd_dedupe::DedupeArgs),
    /// Match children with another organisation on keyed hashes (no name,
    /// birth date or personal ID leaves either side), file to file.
    Exchange {
        #[command(subcommand)]
        command: ExchangeCommand,
    },
    /// The public ledger: verify it, sign a tree head, rotate the key.
    Ledger {
        #[command(subcommand)]
        command: LedgerCommand,
    },
    /// Official reports from the system's figures (XLSX, DOCX, PDF).
    Report {
        #[command(subcommand)]
        command: ReportCommand,
    },
}

#[derive(Subcommand, Debug)]
enum ExchangeCommand {
    /// Keyed hashes (HMAC-SHA256 under the shared key) of each record's
    /// personal ID and of its name with the birth date.
    Export(crate::cmd_exchange::ExportArgs),
    /// The records of two hash files that are the same child.
    Match(crate::cmd_exchange::MatchArgs),
}

#[derive(Subcommand, Debug)]
enum ReportCommand {
    /// The yearly report of a unit: resources mobilised, need and coverage,
    /// children supported (lượt), as XLSX, DOCX (Decree 30/2020) or PDF.
    Annual(crate::cmd_report::AnnualArgs),
    /// The final review (tổng kết) of 2019–2025: year-on-year tables under
    /// the units of the time or re-aggregated onto today's units.
    Review(crate::cmd_report::ReviewArgs),
    /// The coordinator's consolidated city report of a year (the units'
    /// reports beside the system's figures, differences flagged).
    Consolidated(crate::cmd_report::ConsolidatedArgs),
    /// Time the city report and the national roll-up, and the same SQL in
    /// DuckDB on the same data (results checked equal).
    Bench(crate::cmd_report_bench::BenchArgs),
    /// Check the report summaries (per need line, pledge and month) against
    /// the deliveries and receipts they add up; `--rebuild` recomputes them.
    CheckSummaries(crate::cmd_report::CheckSummariesArgs),
}

#[derive(Subcommand, Debug)]
enum LedgerCommand {
    /// Recompute every leaf from the database, rebuild the tree, check every
    /// signed tree head; exits non-zero naming the first entry that differs.
    Verify(DbArgs),
    /// Publish a signed tree head over the log as it is now.
    Sign {
        #[command(flatten)]
        db: DbArgs,
        #[command(flatten)]
        key: crate::cmd_ledger::KeyArgs,
    },
    /// Replace the signing key (the old one is kept, renamed, and its public
    /// key stays published so that old heads still verify).
    RotateKey {
        #[command(flatten)]
        db: DbArgs,
        #[command(flatten)]
        key: crate::cmd_ledger::KeyArgs,
    },
    /// Measure appending, verifying and proving on a scratch database
    /// against raw SHA-256 (docs/benchmarks.md, "Ledger").
    Bench(crate::cmd_ledger_bench::BenchArgs),
    /// Record receipts one transaction each (the crash test kills it).
    #[command(hide = true)]
    Stress(crate::cmd_ledger_bench::StressArgs),
}

impl Cli {
    /// Commands that run on files alone, without a database or the async
    /// runtime. `None` when the command needs the runtime.
    pub fn run_offline(&self) -> Option<Result<(), AppError>> {
        match &self.command {
            Some(Command::Allocate(args)) => {
                Some(crate::cmd_allocate::run(args).map_err(Into::into))
            }
            Some(Command::Dedupe(args)) => Some(crate::cmd_dedupe::run(args).map_err(Into::into)),
            Some(Command::Exchange { command }) => Some(
                match command {
                    ExchangeCommand::Export(args) => crate::cmd_exchange::export(args).map(|n| {
                        println!("ok: {n} hồ sơ đã băm / records hashed");
                    }),
                    ExchangeCommand::Match(args) => crate::cmd_exchange::run_match(args).map(|n| {
                        println!("ok: {n} cặp trùng / matching pairs");
                    }),
                }
                .map_err(Into::into),
            ),
            _ => None,
        }
    }
}

#[derive(Subcommand, Debug)]
enum UsersCommand {
    /// Create a user.
    Create {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        username: String,
        /// At least 10 characters.
        #[arg(long)]
        password: String,
        /// admin, coordinator, sector_officer, local_officer, site_officer,
        /// finance_inspector, donor or public.
        #[arg(long)]
        role: String,
        /// Administrative unit codes bounding the user's data (repeatable).
        #[arg(long = "unit")]
        units: Vec<String>,
        /// Name shown on pages (default: the username).
        #[arg(long)]
        name: Option<String>,
        /// For sector officers: `health` (verifies nutrition and medical
        /// needs) or `education` (clothing, recreation, other).
        #[arg(long, value_parser = ["health", "education"])]
        sector: Option<String>,
    },
    /// List users.
    List(DbArgs),
}

#[derive(Subcommand, Debug)]
enum AuditCommand {
    /// Recompute the hash chain; exits non-zero naming the first bad row.
    Verify(DbArgs),
}

#[derive(Subcommand, Debug)]
enum TokensCommand {
    /// Create an API token for a user; prints only the token.
    Create {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        username: String,
        #[arg(long, default_value = "cli")]
        label: String,
    },
}

async fn open(db: &DbArgs) -> Result<Db, AppError> {
    let db = Db::connect(&DbUrl::new(db.db.clone())).await?;
    setup::prepare(&db).await?;
    Ok(db)
}

pub async fn run(cli: Cli) -> Result<(), AppError> {
    let command = cli.command.unwrap_or(Command::Serve(ServeArgs {
        db: DbArgs {
            db: std::env::var("CHUNGTAY_DB").unwrap_or_else(|_| DEFAULT_DB.into()),
        },
        addr: std::env::var("CHUNGTAY_ADDR").unwrap_or_else(|_| DEFAULT_ADDR.into()),
        secure_cookies: false,
        key: crate::cmd_ledger::KeyArgs {
            path: std::env::var("CHUNGTAY_LEDGER_KEY")
                .unwrap_or_else(|_| crate::cmd_ledger::DEFAULT_KEY_PATH.into())
                .into(),
        },
        registry_key: crate::cmd_registry::RegistryKeyArgs {
            registry_key_file: std::env::var("CHUNGTAY_REGISTRY_KEY")
                .unwrap_or_else(|_| crate::cmd_registry::DEFAULT_KEY_PATH.into())
                .into(),
        },
        smtp_url: std::env::var("CHUNGTAY_SMTP_URL").ok(),
        smtp_from: std::env::var("CHUNGTAY_SMTP_FROM")
            .unwrap_or_else(|_| "chungtay@localhost".into()),
        public_url: std::env::var("CHUNGTAY_PUBLIC_URL").ok(),
    }));
    match command {
        Command::Serve(args) => serve(args, false).await,
        Command::Demo(args) if args.scale.is_some() => {
            crate::demo_scale::run(&args.serve.db.db, &args.scale_args)
                .await
                .map_err(Into::into)
        }
        Command::Demo(args) if args.no_serve => {
            let db = open(&args.serve.db).await?;
            let logins = crate::demo::load_if_empty(&db).await?;
            if !logins.is_empty() {
                let key = crate::cmd_registry::load_or_create(
                    &args.serve.registry_key.registry_key_file,
                )?;
                crate::cmd_registry::load_demo(&db, &key).await?;
            }
            db.close().await;
            if logins.is_empty() {
                println!("(dữ liệu mẫu đã có sẵn / demo data already present)");
            } else {
                println!("ok: dữ liệu mẫu đã nạp / demo data loaded");
            }
            Ok(())
        }
        Command::Demo(args) => serve(args.serve, true).await,
        Command::Migrate(args) => {
            let db = open(&args).await?;
            let versions = Db::migration_versions(db.backend());
            println!(
                "ok: {} migration(s), {} unit versions",
                versions.len(),
                storage::admin_units::count(&db).await?
            );
            Ok(())
        }
        Command::Users { command } => users(command).await,
        Command::Tokens { command } => tokens(command).await,
        Command::Audit {
            command: AuditCommand::Verify(args),
        } => {
            let db = open(&args).await?;
            let n = storage::audit::verify(&db).await?;
            println!("ok: {n} audit rows, chain intact / chuỗi nhật ký nguyên vẹn");
            Ok(())
        }
        Command::Import(args) => {
            // The map of Huế must be loaded before sites are resolved.
            let db = Db::connect(&DbUrl::new(args.db.clone())).await?;
            setup::prepare(&db).await?;
            db.close().await;
            crate::cmd_import::run(&args).await.map_err(Into::into)
        }
        Command::Allocate(_) | Command::Dedupe(_) | Command::Exchange { .. } => Ok(()),
        Command::Ledger { command } => match command {
            LedgerCommand::Verify(args) => {
                let db = Db::connect(&DbUrl::new(args.db.clone())).await?;
                db.migrate().await?;
                if crate::cmd_ledger::verify(&db).await? {
                    Ok(())
                } else {
                    Err(AppError::LedgerInvalid)
                }
            }
            LedgerCommand::Sign { db, key } => {
                let db = open(&db).await?;
                let key = crate::cmd_ledger::load_or_create(&key.path)?;
                crate::cmd_ledger::sign(&db, &key).await
            }
            LedgerCommand::RotateKey { db, key } => {
                let db = open(&db).await?;
                crate::cmd_ledger::rotate(&db, &key.path).await
            }
            LedgerCommand::Bench(args) => crate::cmd_ledger_bench::run(&args)
                .await
                .map_err(Into::into),
            LedgerCommand::Stress(args) => {
                let db = open(&args.db).await?;
                let key = crate::cmd_ledger::load_or_create(&args.key.path)?;
                crate::cmd_ledger::register(&db, &key).await?;
                crate::cmd_ledger_bench::stress(&db, &args, key)
                    .await
                    .map_err(Into::into)
            }
        },
        Command::Report { command } => match command {
            ReportCommand::Annual(args) => {
                crate::cmd_report::annual(&args).await.map_err(Into::into)
            }
            ReportCommand::Review(args) => {
                crate::cmd_report::review(&args).await.map_err(Into::into)
            }
            ReportCommand::Consolidated(args) => crate::cmd_report::consolidated(&args)
                .await
                .map_err(Into::into),
            ReportCommand::Bench(args) => crate::cmd_report_bench::run(&args)
                .await
                .map_err(Into::into),
            ReportCommand::CheckSummaries(args) => crate::cmd_report::check_summaries(&args)
                .await
                .map_err(Into::into),
        },
    }
}

async fn serve(args: ServeArgs, demo: bool) -> Result<(), AppError> {
    let addr: SocketAddr = args
        .addr
        .parse()
        .map_err(|_| AppError::BadAddress(args.addr.clone()))?;
    let db = open(&args.db).await?;
    let registry_key = crate::cmd_registry::load_or_create(&args.registry_key.registry_key_file)?;
    let logins = if demo {
        crate::demo::load_if_empty(&db).await?
    } else {
        Vec::new()
    };
    if demo && !logins.is_empty() {
        let n = crate::cmd_registry::load_demo(&db, &registry_key).await?;
        tracing::info!(records = n, "demo children's records loaded");
    }
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| AppError::Bind(args.addr.clone(), e))?;
    let local = listener
        .local_addr()
        .map_err(|e| AppError::Bind(args.addr.clone(), e))?;
    println!("Chung Tay: http://{local}/");
    if demo {
        println!(
            "Tài khoản mẫu / demo logins (mật khẩu / password: {}):",
            crate::demo::PASSWORD
        );
        for (username, role) in crate::demo::LOGINS {
            println!("  {username:<12} {role}");
        }
        if logins.is_empty() {
            println!("(dữ liệu mẫu đã có sẵn / demo data already present)");
        }
    }
    let smtp = match args.smtp_url.as_deref().map(str::trim) {
        Some(url) if !url.is_empty() => Some(web::mail::SmtpConfig::parse(url, &args.smtp_from)?),
        _ => None,
    };
    let config = web::WebConfig {
        secure_cookies: args.secure_cookies,
        smtp,
        ..web::WebConfig::default()
    };
    let key = crate::cmd_ledger::load_or_create(&args.key.path)?;
    crate::cmd_ledger::register(&db, &key).await?;
    let state = web::AppState::new(db.clone(), config)
        .with_signing_key(key)
        .with_registry_key(registry_key);
    // Tree heads: published at least daily (and on request when the log
    // has grown, see web::LedgerState::current_head).
    let ledger = state.ledger.clone();
    let db_for_heads = db.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            tick.tick().await;
            if let Err(e) = ledger.current_head(&db_for_heads, Utc::now()).await {
                tracing::warn!(cause = %e, "could not publish a tree head");
            }
        }
    });
    // The reporting regime's chores, hourly from start-up: obligations
    // follow the map, approved reports lock at their cut-off, e-mail goes out.
    let chores = state.clone();
    let origin = args
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{local}"));
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            tick.tick().await;
            match web::housekeeping(&chores, &origin).await {
                Ok(done) if done != web::Chores::default() => {
                    tracing::info!(?done, "reporting chores");
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(cause = %e, "reporting chores failed"),
            }
        }
    });
    web::serve(state, listener).await.map_err(AppError::Serve)?;
    db.close().await;
    Ok(())
}

async fn users(command: UsersCommand) -> Result<(), AppError> {
    match command {
        UsersCommand::Create {
            db,
            username,
            password,
            role,
            units,
            name,
            sector,
        } => {
            let role: Role = role.parse()?;
            let db = open(&db).await?;
            for code in &units {
                if storage::admin_units::versions_of(&db, code)
                    .await?
                    .is_empty()
                {
                    return Err(AppError::UnknownUnit(code.clone()));
                }
            }
            let hash = web::hash_password(&password)?;
            let user = storage::users::NewUser {
                display_name: name.unwrap_or_else(|| username.clone()),
                username,
                password_hash: hash,
                role: role.as_str().into(),
                org_id: None,
                lang: "vi".into(),
                scopes: units,
            };
            let actor = AuditActor::system("cli");
            let id = storage::users::create(&db, &user, &actor, Utc::now()).await?;
            if sector.is_some() {
                storage::users::set_sector(&db, &id, sector.as_deref(), &actor, Utc::now()).await?;
            }
            println!("{id}");
            Ok(())
        }
        UsersCommand::List(args) => {
            let db = open(&args).await?;
            for u in storage::users::list(&db).await? {
                let scopes = storage::users::scopes(&db, &u.id).await?;
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    u.username,
                    u.role,
                    if u.active { "active" } else { "inactive" },
                    scopes.join(","),
                    u.display_name
                );
            }
            Ok(())
        }
    }
}

async fn tokens(command: TokensCommand) -> Result<(), AppError> {
    match command {
        TokensCommand::Create {
            db,
            username,
            label,
        } => {
            let db = open(&db).await?;
            let (user, _) = storage::users::find_for_login(&db, &username)
                .await?
                .ok_or_else(|| AppError::UnknownUser(username.clone()))?;
            let token = web::new_token().map_err(|e| AppError::Rng(e.to_string()))?;
            storage::tokens::create(
                &db,
                &user.id,
                &web::hash_token(&token),
                &label,
                &AuditActor::system("cli"),
                Utc::now(),
            )
            .await?;
            println!("{token}");
            Ok(())
        }
    }
}
