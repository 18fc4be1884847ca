//! Rows to records.

use sqlx::Row;
use sqlx::postgres::PgRow;

use crate::audit::AuditRecord;
use crate::error::Context;
use crate::messages::{EventRecord, MessageRecord, MessageState};
use crate::outbox::OutboxEntry;
use crate::records::{AccessKeyRecord, AppRecord, ChannelRecord, EndpointRecord, ResourceRecord};
use crate::{SealedSecret, StoreError, StoreResult};

pub(super) use crate::rows::{json, millis, time_at};

crate::rows::record_readers!(PgRow);
