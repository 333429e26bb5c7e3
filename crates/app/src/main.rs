//! `chungtay`: the one binary. Every subcommand has `--help`.

mod cli;
mod cmd_allocate;
mod cmd_dedupe;
mod cmd_exchange;
mod cmd_import;
mod cmd_ledger;
mod cmd_ledger_bench;
mod cmd_registry;
mod cmd_report;
mod cmd_report_bench;
mod demo;
mod demo_deliveries;
mod demo_money;
mod demo_needs;
mod demo_reporting;
mod demo_rosters;
mod demo_scale;
mod demo_stock;
mod setup;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    init_tracing();
    if let Some(result) = cli.run_offline() {
        return match result {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("lỗi / error: {e}");
                ExitCode::FAILURE
            }
        };
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("lỗi: không khởi động được / error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(cli::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("lỗi / error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn init_tracing() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("CHUNGTAY_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
