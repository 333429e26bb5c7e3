//! A stand-alone `dedupe` command for benchmarks: the same source as `chungtay dedupe`
//! (`crates/app/src/cmd_dedupe.rs`, included by path), without the rest of the `chungtay` binary,
//! so that a release build takes a minute instead of half an hour.
//!
//!     cargo build --release -p dedupe --example dedupe_cli
//!     target/release/examples/dedupe_cli dedupe --input records.csv --output clusters.csv
//!
//! The arguments and the output are those of `chungtay dedupe` (docs/benchmarks.md,
//! "Deduplication").

#[path = "../../app/src/cmd_dedupe.rs"]
mod cmd_dedupe;

use std::process::ExitCode;

use clap::Parser;

/// `dedupe_cli dedupe …`: the `chungtay dedupe` subcommand alone.
#[derive(Parser, Debug)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand, Debug)]
enum Command {
    /// Finds the records that are the same child (see `chungtay dedupe --help`).
    Dedupe(cmd_dedupe::DedupeArgs),
}

fn main() -> ExitCode {
    let Command::Dedupe(args) = Cli::parse().command;
    match cmd_dedupe::run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("lỗi / error: {e}");
            ExitCode::FAILURE
        }
    }
}
