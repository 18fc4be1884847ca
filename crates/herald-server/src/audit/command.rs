//! `herald audit`: the audit log as JSON lines (CloudTrail's event fields), read straight from
//! the server's database like `herald messages`.

use anyhow::{Context, Result, bail};
use herald_store::AuditFilter;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::AuditArgs;
use crate::config::{Config, Overrides};

pub fn run(args: AuditArgs) -> Result<()> {
    let filter = filter_of(&args, OffsetDateTime::now_utc())?;
    let runtime =
        tokio::runtime::Builder::new_current_thread().enable_all().build().context("starting the async runtime")?;
    runtime.block_on(async {
        let state = args.state;
        let overrides = Overrides { listen: None, data_dir: state.data_dir, database_url: state.database_url };
        let config = Config::load(state.config.as_deref(), std::env::vars(), &overrides)?;
        let database_url = config.database_url();
        let store = herald_store::open(&database_url).await.with_context(|| format!("opening {database_url}"))?;
        for record in store.list_audit(&filter).await.context("reading the audit log")? {
            println!("{}", record.to_json());
        }
        Ok(())
    })
}

/// The store's filter from the command line; relative times count back from `now`.
fn filter_of(args: &AuditArgs, now: OffsetDateTime) -> Result<AuditFilter> {
    let since = args.since.as_deref().map(|text| time_of("--since", text, now)).transpose()?;
    let until = args.until.as_deref().map(|text| time_of("--until", text, now)).transpose()?;
    if let (Some(since), Some(until)) = (since, until)
        && until <= since
    {
        bail!("--until must be after --since");
    }
    Ok(AuditFilter {
        since,
        until,
        operation: args.operation.clone(),
        account_id: args.account.clone(),
        limit: args.limit,
    })
}

/// An RFC 3339 time, or a duration before `now` (`90s`, `15m`, `1h`, `7d`, `1h 30m`).
fn time_of(flag: &str, text: &str, now: OffsetDateTime) -> Result<OffsetDateTime> {
    if let Ok(at) = OffsetDateTime::parse(text, &Rfc3339) {
        return Ok(at);
    }
    match humantime::parse_duration(text) {
        Ok(ago) => time::Duration::try_from(ago)
            .ok()
            .and_then(|ago| now.checked_sub(ago))
            .with_context(|| format!("{flag} {text:?} is too long ago")),
        Err(_) => bail!(
            "{flag} {text:?} is neither an RFC 3339 time (2026-01-02T03:04:05Z) nor a duration before now (90s, 15m, \
             1h, 7d)"
        ),
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;
    use crate::StateArgs;

    fn args(since: Option<&str>, until: Option<&str>) -> AuditArgs {
        AuditArgs {
            since: since.map(str::to_owned),
            until: until.map(str::to_owned),
            operation: Some("CreateApp".into()),
            account: Some("111122223333".into()),
            limit: 7,
            state: StateArgs { config: None, data_dir: None, database_url: None },
        }
    }

    #[test]
    fn times_are_rfc3339_or_a_duration_ago() {
        let now = datetime!(2026-03-01 12:00:00 UTC);
        assert_eq!(time_of("--since", "1h", now).expect("relative"), datetime!(2026-03-01 11:00:00 UTC));
        assert_eq!(time_of("--since", "1h 30m", now).expect("relative"), datetime!(2026-03-01 10:30:00 UTC));
        assert_eq!(time_of("--since", "7d", now).expect("relative"), datetime!(2026-02-22 12:00:00 UTC));
        assert_eq!(
            time_of("--since", "2026-02-28T23:59:59+01:00", now).expect("absolute"),
            datetime!(2026-02-28 22:59:59 UTC)
        );
        let error = time_of("--until", "yesterday", now).expect_err("neither");
        assert!(error.to_string().contains("--until \"yesterday\""), "{error}");
    }

    #[test]
    fn the_filter_carries_every_option() {
        let now = datetime!(2026-03-01 12:00:00 UTC);
        let filter = filter_of(&args(Some("2h"), Some("1h")), now).expect("valid");
        assert_eq!(
            filter,
            AuditFilter {
                since: Some(datetime!(2026-03-01 10:00:00 UTC)),
                until: Some(datetime!(2026-03-01 11:00:00 UTC)),
                operation: Some("CreateApp".into()),
                account_id: Some("111122223333".into()),
                limit: 7,
            }
        );
        assert_eq!(filter_of(&args(None, None), now).expect("no times").since, None);
        let backwards = filter_of(&args(Some("1h"), Some("2h")), now).expect_err("until before since");
        assert!(backwards.to_string().contains("--until must be after --since"), "{backwards}");
    }
}
