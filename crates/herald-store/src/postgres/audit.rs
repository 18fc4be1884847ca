//! The audit log on PostgreSQL.

use sqlx::{PgPool, Postgres, QueryBuilder};

use super::rows::{audit_record_from_row, millis};
use crate::StoreResult;
use crate::audit::{AuditFilter, AuditRecord};
use crate::error::Context;

/// Rows per multi-row INSERT: 14 columns each stays far below PostgreSQL's 65,535 bound parameters.
const ROWS_PER_INSERT: usize = 200;

/// Appends the records in one transaction, in the order given: a multi-row VALUES list takes
/// its seqs in order.
pub(super) async fn append(pool: &PgPool, records: &[AuditRecord]) -> StoreResult<()> {
    if records.is_empty() {
        return Ok(());
    }
    let mut tx = pool.begin().await.context("starting a transaction")?;
    for chunk in records.chunks(ROWS_PER_INSERT) {
        let mut query = QueryBuilder::<Postgres>::new(
            "INSERT INTO audit_log (event_time, request_id, account_id, principal, region, source_ip, user_agent, \
             api, operation, resources, request_parameters, error_code, error_message, duration_ms) ",
        );
        query.push_values(chunk, |mut row, record| {
            let resources = serde_json::Value::from(record.resources.clone()).to_string();
            let parameters = record.request_parameters.as_ref().map(serde_json::Value::to_string);
            row.push_bind(millis(record.event_time))
                .push_bind(&record.request_id)
                .push_bind(&record.account_id)
                .push_bind(&record.principal)
                .push_bind(&record.region)
                .push_bind(&record.source_ip)
                .push_bind(&record.user_agent)
                .push_bind(&record.api)
                .push_bind(&record.operation)
                .push_bind(resources)
                .push_bind(parameters)
                .push_bind(&record.error_code)
                .push_bind(&record.error_message)
                .push_bind(i64::try_from(record.duration_ms).unwrap_or(i64::MAX));
        });
        query.build().execute(&mut *tx).await.context("appending to the audit log")?;
    }
    tx.commit().await.context("committing audit records")?;
    Ok(())
}

pub(super) async fn list(pool: &PgPool, filter: &AuditFilter) -> StoreResult<Vec<AuditRecord>> {
    let mut query = QueryBuilder::<Postgres>::new("SELECT * FROM audit_log WHERE 1 = 1");
    if let Some(since) = filter.since {
        query.push(" AND event_time >= ").push_bind(millis(since));
    }
    if let Some(until) = filter.until {
        query.push(" AND event_time < ").push_bind(millis(until));
    }
    if let Some(operation) = &filter.operation {
        query.push(" AND operation = ").push_bind(operation);
    }
    if let Some(account_id) = &filter.account_id {
        query.push(" AND account_id = ").push_bind(account_id);
    }
    query.push(" ORDER BY event_time, seq LIMIT ").push_bind(i64::from(filter.limit));
    let rows = query.build().fetch_all(pool).await.context("reading the audit log")?;
    rows.iter().map(audit_record_from_row).collect()
}
