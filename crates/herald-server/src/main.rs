//! `herald`: self-hosted AWS End User Messaging.

mod config;
mod data_dir;
mod http;
mod serve;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "herald",
    version,
    about = "Self-hosted AWS End User Messaging: the Pinpoint push API and the SMS and voice v2 API, \
             for the AWS SDKs and CLI unchanged (--endpoint-url)."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the API server. With no options: 127.0.0.1:4580, state in ./herald-data (SQLite),
    /// and a root account whose credentials are written to ./herald-data/credentials.
    Serve(ServeArgs),
}

#[derive(clap::Args)]
struct ServeArgs {
    /// A TOML configuration file. Flags beat HERALD_* environment variables, which beat the file.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, value_name = "ADDR")]
    listen: Option<String>,
    /// Directory for the embedded database, the master key and the credentials file.
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Database URL (sqlite://...). Defaults to herald.db in the data directory.
    #[arg(long, value_name = "URL")]
    database_url: Option<String>,
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve(args) => serve::run(args),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("herald: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
