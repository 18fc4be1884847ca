//! `herald serve`: open the state, make sure the root account exists, and answer requests until
//! SIGINT or SIGTERM.

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::{Context, Result};
use herald_core::{Core, PushSettings};
use tokio::net::TcpListener;
use tokio::signal::unix::{SignalKind, signal};

use crate::ServeArgs;
use crate::config::{Config, LogFormat, Overrides};
use crate::data_dir;

pub fn run(args: ServeArgs) -> Result<()> {
    let overrides = Overrides { listen: args.listen, data_dir: args.data_dir, database_url: args.database_url };
    let config = Config::load(args.config.as_deref(), std::env::vars(), &overrides)?;
    init_logging(config.log_format);
    // Before anything records a metric.
    let listener_settings = crate::observability::ListenerSettings::from_config(&config)?;
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?
        .block_on(serve(config, listener_settings))
}

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env(crate::config::LOG_FILTER_VARIABLE)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

async fn serve(config: Config, listener_settings: crate::observability::ListenerSettings) -> Result<()> {
    let data_dir = data_dir::prepare(&config.data_dir)?;
    let secrets = data_dir::master_key(&data_dir, config.master_key.as_deref())?;
    let database_url = config.database_url();
    let store = herald_store::open(&database_url).await.with_context(|| format!("opening {database_url}"))?;
    sync_inventory(&store, &config).await?;
    let core = Arc::new(Core::new(store, secrets, push_settings(&config)?).with_sms_quotas(config.sms.quotas));
    let root = core.ensure_root_account().await.context("creating the root account")?;
    let credentials = data_dir::write_credentials(&data_dir, &root)?;

    let listener = TcpListener::bind(config.listen).await.with_context(|| format!("listening on {}", config.listen))?;
    let address = listener.local_addr().context("reading the bound address")?;
    if root.created {
        tracing::info!(account_id = root.account_id, "created the root account");
    }
    println!("Herald is listening on http://{address}");
    println!("export AWS_SHARED_CREDENTIALS_FILE={}", credentials.display());
    println!("aws --endpoint-url http://{address} --region us-east-1 pinpoint get-apps");

    let delivery = start_delivery(core.clone(), &config)?;
    let sinks = Arc::new(herald_events::SinkRegistry::new(&config.sinks)?);
    crate::metrics::expose_sinks(sinks.arns());
    let event_settings = herald_core::event_delivery::EventDeliverySettings {
        node_id: config.sms.delivery.settings().node_id,
        ..config.events.settings()
    };
    let events = herald_core::event_delivery::start(core.store().clone(), sinks, event_settings);
    let app = crate::http::router(core, listener_settings).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app).with_graceful_shutdown(shutdown_signal()).await.context("serving")?;
    delivery.shutdown().await;
    events.shutdown().await;
    tracing::info!("stopped");
    Ok(())
}

/// Connects the `[[smpp.carriers]]` and starts the SMS delivery engine over them.
fn start_delivery(core: Arc<Core>, config: &Config) -> Result<herald_core::sms_delivery::Delivery> {
    let (events, carrier_events) = tokio::sync::mpsc::channel(4096);
    let mut carriers = Vec::with_capacity(config.smpp.carriers.len());
    for carrier in &config.smpp.carriers {
        let settings = carrier.settings()?;
        carriers.push(herald_core::sms_delivery::CarrierRoute {
            carrier: herald_sms::smpp::Carrier::start(settings, events.clone()),
            routes: carrier.routes.clone(),
            receipt_ids: carrier.receipt_ids(),
        });
    }
    Ok(herald_core::sms_delivery::start(core, config.sms.delivery.settings(), carriers, carrier_events))
}

/// Upserts the configuration's `[[numbers]]` into the inventory. Numbers no longer listed stay,
/// and an assigned number stays with its account: the file declares numbers, it doesn't take
/// them away from anyone.
async fn sync_inventory(store: &herald_store::Store, config: &Config) -> Result<()> {
    let numbers = config.inventory_numbers()?;
    if numbers.is_empty() {
        return Ok(());
    }
    let outcome = herald_core::inventory::upsert(store, &numbers).await.context("loading the [[numbers]] inventory")?;
    let count = |change| outcome.iter().filter(|(_, c)| *c == change).count();
    tracing::info!(
        added = count(herald_core::inventory::Change::Added),
        updated = count(herald_core::inventory::Change::Updated),
        unchanged = count(herald_core::inventory::Change::Unchanged),
        "phone number inventory from the configuration"
    );
    Ok(())
}

/// Provider endpoints and trust from the configuration.
fn push_settings(config: &Config) -> Result<PushSettings> {
    let providers = &config.providers;
    let extra_ca = match &providers.extra_ca_file {
        Some(path) => Some(std::fs::read(path).with_context(|| format!("reading {}", path.display()))?),
        None => None,
    };
    let roots = herald_push::tls::root_store(extra_ca.as_deref()).context("loading the trusted CA certificates")?;
    let mut push = PushSettings::public(Arc::new(roots));
    push.apns_production_url = providers.apns.production_url.clone();
    push.apns_sandbox_url = providers.apns.sandbox_url.clone();
    push.fcm_base_url = providers.fcm.base_url.clone();
    push.adm_token_url = providers.adm.token_url.clone();
    push.adm_base_url = providers.adm.base_url.clone();
    push.baidu_base_url = providers.baidu.base_url.clone();
    Ok(push)
}

async fn shutdown_signal() {
    let terminate = async {
        match signal(SignalKind::terminate()) {
            Ok(mut stream) => {
                stream.recv().await;
            }
            Err(error) => {
                tracing::warn!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate => {}
    }
    tracing::info!("shutting down");
}
