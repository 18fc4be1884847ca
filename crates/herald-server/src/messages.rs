//! `herald messages ...`: what an operator (and the test suite) asks the delivery queue: which
//! messages wait and why, one message with its events, and inbound messages injected by hand
//! (how a simulator number "receives" a reply).

use anyhow::{Context, Result, anyhow, bail};
use herald_store::{InboxItem, MessageState, Store};
use serde_json::json;
use time::OffsetDateTime;

use crate::config::{Config, Overrides};
use crate::{MessagesArgs, MessagesCommand, StateArgs};

async fn open_store(state: StateArgs) -> Result<Store> {
    let overrides = Overrides { listen: None, data_dir: state.data_dir, database_url: state.database_url };
    let config = Config::load(state.config.as_deref(), std::env::vars(), &overrides)?;
    let database_url = config.database_url();
    herald_store::open(&database_url).await.with_context(|| format!("opening {database_url}"))
}

fn iso(at: OffsetDateTime) -> String {
    herald_proto::wire::format_iso8601(at)
}

pub fn run(args: MessagesArgs) -> Result<()> {
    let runtime =
        tokio::runtime::Builder::new_current_thread().enable_all().build().context("starting the async runtime")?;
    runtime.block_on(async {
        match args.command {
            MessagesCommand::List { state: wanted, limit, state_args } => {
                let state = MessageState::parse(&wanted)
                    .ok_or_else(|| anyhow!("{wanted} is not a message state; use queued, submitted or final"))?;
                let store = open_store(state_args).await?;
                let total = store.count_messages(state).await?;
                for message in store.list_messages(state, limit).await? {
                    println!(
                        "{}  {}  {}  next {}  attempts {}  {}",
                        message.id,
                        message.channel,
                        message.state.as_str(),
                        iso(message.due_at),
                        message.attempts,
                        message.last_error.as_deref().unwrap_or("-")
                    );
                }
                println!("{total} {wanted} message(s)");
            }
            MessagesCommand::Show { id, state_args } => {
                let store = open_store(state_args).await?;
                let message = store.get_message(&id).await?.ok_or_else(|| anyhow!("no message {id}"))?;
                let events = store.message_events(&id).await?;
                let shown = json!({
                    "MessageId": message.id,
                    "AccountId": message.account_id,
                    "Channel": message.channel,
                    "State": message.state.as_str(),
                    "NextAttempt": iso(message.due_at),
                    "Attempts": message.attempts,
                    "LastError": message.last_error,
                    "Message": message.document,
                    "Events": events.iter().map(|e| json!({
                        "Destinations": e.destinations,
                        "Record": e.record,
                    })).collect::<Vec<_>>(),
                });
                println!("{}", serde_json::to_string_pretty(&shown)?);
            }
            MessagesCommand::Events { after, limit, state_args } => {
                let store = open_store(state_args).await?;
                let mut after = after;
                let mut left = limit;
                while left > 0 {
                    let page = store.events_after(after, left.min(1000)).await?;
                    let Some(last) = page.last() else { break };
                    after = last.seq;
                    left = left.saturating_sub(u32::try_from(page.len()).unwrap_or(u32::MAX));
                    for event in page {
                        let line = json!({
                            "Seq": event.seq,
                            "MessageId": event.message_id,
                            "EventType": event.event_type,
                            "Destinations": event.destinations,
                            "Record": event.record,
                        });
                        println!("{line}");
                    }
                }
            }
            MessagesCommand::Inbound { from, to, body, state_args } => {
                if !from.starts_with('+') || !to.starts_with('+') {
                    bail!("--from and --to are E.164 numbers (+ and digits)");
                }
                let store = open_store(state_args).await?;
                let item = InboxItem {
                    seq: 0,
                    kind: "inbound".into(),
                    document: json!({
                        "Carrier": "simulator",
                        "OriginationNumber": from,
                        "DestinationNumber": to,
                        "MessageBody": body,
                    }),
                    attempts: 0,
                    created_at: OffsetDateTime::now_utc(),
                };
                store.push_inbox(&[item]).await?;
                println!("inbound message from {from} to {to} queued");
            }
        }
        Ok(())
    })
}
