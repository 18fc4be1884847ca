//! `herald numbers import FILE` and `herald numbers list`: the operator's phone number inventory,
//! read and written in the store the server uses (found like `herald serve` finds it). The
//! inventory logic lives in `herald_core::inventory`; this is the command line around it.

use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};
use herald_core::inventory::{self, Change, InventoryNumber, NumberEntry};
use herald_store::Store;
use serde::Deserialize;

use crate::config::{Config, Overrides};
use crate::{NumbersArgs, NumbersCommand, StateArgs, data_dir};

/// A TOML import file: the same `[[numbers]]` tables as the configuration file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NumbersFile {
    #[serde(default)]
    numbers: Vec<NumberEntry>,
}

pub fn run(args: NumbersArgs) -> Result<()> {
    let runtime =
        tokio::runtime::Builder::new_current_thread().enable_all().build().context("starting the async runtime")?;
    match args.command {
        NumbersCommand::Import { file, state } => runtime.block_on(import(&file, state)),
        NumbersCommand::List { state } => runtime.block_on(list(state)),
    }
}

/// Opens the store the configuration, environment and flags name, like `herald serve`.
async fn open_store(state: StateArgs) -> Result<Store> {
    let overrides = Overrides { listen: None, data_dir: state.data_dir, database_url: state.database_url };
    let config = Config::load(state.config.as_deref(), std::env::vars(), &overrides)?;
    if config.database_url.is_none() {
        // The embedded database lives in the data directory; make it as the server would.
        data_dir::prepare(&config.data_dir)?;
    }
    let database_url = config.database_url();
    herald_store::open(&database_url).await.with_context(|| format!("opening {database_url}"))
}

async fn import(file: &Path, state: StateArgs) -> Result<()> {
    let numbers = read_file(file)?;
    if numbers.is_empty() {
        bail!("{} lists no numbers", file.display());
    }
    let store = open_store(state).await?;
    let outcome = inventory::upsert(&store, &numbers).await.context("writing the inventory")?;
    for (number, change) in &outcome {
        if *change != Change::Unchanged {
            println!("{change:<9} {}", describe(number));
        }
    }
    let count = |wanted: Change| outcome.iter().filter(|(_, change)| *change == wanted).count();
    println!(
        "{} added, {} updated, {} unchanged",
        count(Change::Added),
        count(Change::Updated),
        count(Change::Unchanged)
    );
    Ok(())
}

/// The numbers of a CSV or TOML file, by extension; a file with neither is read as CSV when
/// its first line is the CSV header.
fn read_file(file: &Path) -> Result<Vec<InventoryNumber>> {
    let text = std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let extension = file.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    let is_csv = match extension.as_deref() {
        Some("csv") => true,
        Some("toml") => false,
        _ => text.lines().find(|l| !l.trim().is_empty()).is_some_and(|l| l.trim_start().starts_with("phone_number")),
    };
    if is_csv {
        return inventory::parse_csv(&text).map_err(|e| anyhow!("{}: {e}", file.display()));
    }
    let table: toml::Table =
        text.parse().with_context(|| format!("{} is neither CSV nor valid TOML", file.display()))?;
    let parsed: NumbersFile = serde_path_to_error::deserialize(toml::Value::Table(table))
        .map_err(|e| anyhow!("{}: key `{}`: {}", file.display(), e.path(), e.inner()))?;
    inventory::validate_all(&parsed.numbers).map_err(|(index, error)| {
        anyhow!("{}: key `numbers[{index}].{}`: {}", file.display(), error.field, error.message)
    })
}

fn capabilities(number: &InventoryNumber) -> String {
    number.capabilities.iter().map(|c| c.as_str()).collect::<Vec<_>>().join("|")
}

fn describe(number: &InventoryNumber) -> String {
    format!("{} {} {} {}", number.phone_number, number.iso_country, number.number_type, capabilities(number))
}

async fn list(state: StateArgs) -> Result<()> {
    let store = open_store(state).await?;
    let numbers = inventory::list(&store).await.context("reading the inventory")?;
    let header = ["NUMBER", "COUNTRY", "TYPE", "CAPABILITIES", "CARRIER", "PRICE", "ASSIGNED TO"];
    let rows: Vec<[String; 7]> = numbers
        .iter()
        .map(|n| {
            [
                n.phone_number.clone(),
                n.iso_country.clone(),
                n.number_type.to_string(),
                capabilities(n),
                n.carrier.clone().unwrap_or_else(|| "-".into()),
                n.monthly_price.clone().unwrap_or_else(|| "-".into()),
                n.assigned_to.clone().unwrap_or_else(|| "-".into()),
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.len());
        }
    }
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> = cells.iter().zip(widths).map(|(cell, width)| format!("{cell:<width$}")).collect();
        padded.join("  ").trim_end().to_string()
    };
    println!("{}", line(header.to_vec()));
    for row in &rows {
        println!("{}", line(row.iter().map(String::as_str).collect()));
    }
    let free = numbers.iter().filter(|n| n.assigned_to.is_none()).count();
    println!("{} numbers, {free} free", numbers.len());
    Ok(())
}
