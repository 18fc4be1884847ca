//! Rows to records.

use sqlx::Row;
use sqlx::sqlite::SqliteRow;

use crate::error::Context;
use crate::records::{AccessKeyRecord, AppRecord, ChannelRecord, EndpointRecord, ResourceRecord};
use crate::{SealedSecret, StoreResult};

pub(super) use crate::rows::{json, millis, time_at};

crate::rows::record_readers!(SqliteRow);
