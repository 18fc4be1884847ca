//! Operator commands that act on one account: `herald accounts ...` (sandbox, production, spend
//! limit maxima) and `herald registrations ...` (the review AWS does for a registration). They
//! open the server's state the way `herald serve` does.

use std::sync::Arc;

use anyhow::{Context, Result, anyhow};
use herald_api::sms_voice_v2::types::SpendLimitName;
use herald_core::{Core, PushSettings, ReviewDecision};

use crate::config::{Config, Overrides};
use crate::{AccountsArgs, AccountsCommand, RegistrationsArgs, RegistrationsCommand, StateArgs, data_dir};

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread().enable_all().build().context("starting the async runtime")
}

/// The server's Core: its store and master key. Push providers are never reached from here.
async fn open_core(state: StateArgs) -> Result<Core> {
    let overrides = Overrides { listen: None, data_dir: state.data_dir, database_url: state.database_url };
    let config = Config::load(state.config.as_deref(), std::env::vars(), &overrides)?;
    let dir = data_dir::prepare(&config.data_dir)?;
    let secrets = data_dir::master_key(&dir, config.master_key.as_deref())?;
    let database_url = config.database_url();
    let store = herald_store::open(&database_url).await.with_context(|| format!("opening {database_url}"))?;
    let push = PushSettings::public(Arc::new(rustls::RootCertStore::empty()));
    Ok(Core::new(store, secrets, push).with_sms_quotas(config.sms.quotas))
}

/// The account named, else the root account made on first start.
async fn account(core: &Core, named: Option<String>) -> Result<String> {
    match named {
        Some(account) => Ok(account),
        None => Ok(core.ensure_root_account().await.context("finding the root account")?.account_id),
    }
}

pub fn accounts(args: AccountsArgs) -> Result<()> {
    runtime()?.block_on(async {
        match args.command {
            AccountsCommand::Production { account: named, state } => {
                let core = open_core(state).await?;
                let account = account(&core, named).await?;
                core.set_account_tier(&account, true).await?;
                println!("account {account} is out of the sandbox (PRODUCTION)");
            }
            AccountsCommand::Sandbox { account: named, state } => {
                let core = open_core(state).await?;
                let account = account(&core, named).await?;
                core.set_account_tier(&account, false).await?;
                println!("account {account} is in the sandbox (SANDBOXED)");
            }
            AccountsCommand::SpendLimit { kind, usd, account: named, state } => {
                let name = SpendLimitName::from_wire(&kind).ok_or_else(|| {
                    let names: Vec<&str> = SpendLimitName::ALL.iter().map(|n| n.as_str()).collect();
                    anyhow!("{kind} is not a spend limit; use one of {}", names.join(", "))
                })?;
                let core = open_core(state).await?;
                let account = account(&core, named).await?;
                core.set_spend_limit_maximum(&account, name, usd).await?;
                println!("account {account}: {kind} may now be set up to {usd} USD a month");
            }
        }
        Ok(())
    })
}

pub fn registrations(args: RegistrationsArgs) -> Result<()> {
    runtime()?.block_on(async {
        let (id, decision, named, state) = match args.command {
            RegistrationsCommand::Review { id, account, state } => (id, ReviewDecision::StartReview, account, state),
            RegistrationsCommand::Approve { id, account, state } => (id, ReviewDecision::Approve, account, state),
            RegistrationsCommand::Reject { id, reason, account, state } => {
                (id, ReviewDecision::Reject { reason }, account, state)
            }
        };
        let core = open_core(state).await?;
        let account = account(&core, named).await?;
        let registration = core.review_registration(&account, &id, decision).await?;
        println!("registration {id}: {}", registration.registration_status);
        Ok(())
    })
}
