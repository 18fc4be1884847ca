//! `herald`: self-hosted AWS End User Messaging.

mod admin;
mod audit;
mod config;
mod data_dir;
mod events_config;
mod http;
mod messages;
mod metrics;
mod numbers;
mod observability;
mod serve;
mod smpp_config;

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
    /// The operator's phone number inventory: the numbers RequestPhoneNumber hands out.
    Numbers(NumbersArgs),
    /// An account's SMS and voice tier and spend limit maxima (what AWS Support does).
    Accounts(AccountsArgs),
    /// Review SMS registrations (what AWS and the carriers do for a registration).
    Registrations(RegistrationsArgs),
    /// The SMS, voice and media delivery queue: what waits and why, one message and its
    /// events, and inbound messages injected by hand.
    Messages(MessagesArgs),
    /// The audit log of API calls, oldest first, one JSON object (CloudTrail's fields) a line.
    Audit(AuditArgs),
}

#[derive(clap::Args)]
struct AuditArgs {
    /// From this time on: RFC 3339 (2026-01-02T03:04:05Z) or a duration before now (90s, 15m,
    /// 1h, 7d). Without it, from the first record.
    #[arg(long, value_name = "TIME")]
    since: Option<String>,
    /// Before this time, written as for --since.
    #[arg(long, value_name = "TIME")]
    until: Option<String>,
    /// Only calls of this operation (SendTextMessage, CreateApp, ...).
    #[arg(long)]
    operation: Option<String>,
    /// Only calls of this 12-digit account.
    #[arg(long)]
    account: Option<String>,
    /// At most this many records.
    #[arg(long, default_value_t = 1000)]
    limit: u32,
    #[command(flatten)]
    state: StateArgs,
}

#[derive(clap::Args)]
struct MessagesArgs {
    #[command(subcommand)]
    command: MessagesCommand,
}

#[derive(Subcommand)]
enum MessagesCommand {
    /// Messages in one state, the next due first, with their next attempt and last error.
    List {
        /// queued, submitted or final.
        #[arg(long, default_value = "queued")]
        state: String,
        /// At most this many.
        #[arg(long, default_value_t = 50)]
        limit: u32,
        #[command(flatten)]
        state_args: StateArgs,
    },
    /// One message as JSON: its state, next attempt, last error, document and event records.
    Show {
        /// The MessageId the send operation answered.
        id: String,
        #[command(flatten)]
        state_args: StateArgs,
    },
    /// Event records in the order they happened, one JSON object a line.
    Events {
        /// Only events after this sequence number.
        #[arg(long, default_value_t = 0)]
        after: i64,
        /// At most this many.
        #[arg(long, default_value_t = 1000)]
        limit: u32,
        #[command(flatten)]
        state_args: StateArgs,
    },
    /// Hand Herald an inbound SMS as if a carrier delivered it (keywords, opt-outs, two-way).
    Inbound {
        /// The sender, E.164.
        #[arg(long)]
        from: String,
        /// The account's number it is sent to, E.164.
        #[arg(long)]
        to: String,
        /// The message text.
        #[arg(long)]
        body: String,
        #[command(flatten)]
        state_args: StateArgs,
    },
}

#[derive(clap::Args)]
struct AccountsArgs {
    #[command(subcommand)]
    command: AccountsCommand,
}

#[derive(Subcommand)]
enum AccountsCommand {
    /// Move an account out of the SMS and voice sandbox.
    Production {
        /// The 12-digit account id; defaults to the root account.
        #[arg(long)]
        account: Option<String>,
        #[command(flatten)]
        state: StateArgs,
    },
    /// Put an account back in the SMS and voice sandbox.
    Sandbox {
        /// The 12-digit account id; defaults to the root account.
        #[arg(long)]
        account: Option<String>,
        #[command(flatten)]
        state: StateArgs,
    },
    /// Raise or lower the most an account may set a monthly spend limit to.
    SpendLimit {
        /// TEXT_MESSAGE_MONTHLY_SPEND_LIMIT, VOICE_MESSAGE_MONTHLY_SPEND_LIMIT, ...
        kind: String,
        /// Whole US dollars a month.
        usd: i64,
        /// The 12-digit account id; defaults to the root account.
        #[arg(long)]
        account: Option<String>,
        #[command(flatten)]
        state: StateArgs,
    },
}

#[derive(clap::Args)]
struct RegistrationsArgs {
    #[command(subcommand)]
    command: RegistrationsCommand,
}

#[derive(Subcommand)]
enum RegistrationsCommand {
    /// Take a submitted registration into review (REVIEWING).
    Review {
        /// The registration id (registration-...).
        id: String,
        /// The 12-digit account id; defaults to the root account.
        #[arg(long)]
        account: Option<String>,
        #[command(flatten)]
        state: StateArgs,
    },
    /// Approve a submitted registration (COMPLETE); its numbers become active.
    Approve {
        /// The registration id (registration-...).
        id: String,
        /// The 12-digit account id; defaults to the root account.
        #[arg(long)]
        account: Option<String>,
        #[command(flatten)]
        state: StateArgs,
    },
    /// Send a submitted registration back to the customer (REQUIRES_UPDATES) with the reason.
    Reject {
        /// The registration id (registration-...).
        id: String,
        /// What the customer must fix.
        #[arg(long)]
        reason: String,
        /// The 12-digit account id; defaults to the root account.
        #[arg(long)]
        account: Option<String>,
        #[command(flatten)]
        state: StateArgs,
    },
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

#[derive(clap::Args)]
struct NumbersArgs {
    #[command(subcommand)]
    command: NumbersCommand,
}

#[derive(Subcommand)]
enum NumbersCommand {
    /// Add numbers from a .csv file (header: phone_number, iso_country, number_type,
    /// capabilities, carrier, monthly_price; capabilities separated by | or spaces) or a .toml
    /// file of [[numbers]] tables, and update the ones already there. Prints what changed.
    Import {
        /// The .csv or .toml file.
        #[arg(value_name = "FILE")]
        file: PathBuf,
        #[command(flatten)]
        state: StateArgs,
    },
    /// Print every number: country, type, capabilities, carrier and the account it is assigned to.
    List {
        #[command(flatten)]
        state: StateArgs,
    },
}

/// Where the state is, as `herald serve` finds it.
#[derive(clap::Args)]
struct StateArgs {
    /// The TOML configuration file the server uses.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// The server's data directory.
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
        Command::Numbers(args) => numbers::run(args),
        Command::Accounts(args) => admin::accounts(args),
        Command::Registrations(args) => admin::registrations(args),
        Command::Messages(args) => messages::run(args),
        Command::Audit(args) => audit::command::run(args),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("herald: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
