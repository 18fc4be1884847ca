use std::error::Error as StdError;
use std::fmt;

/// Why a sink did not accept a slice of events.
///
/// Every error may be retried (delivery is at least once); [`SinkError::is_retryable`] tells
/// whether retrying is expected to help without an operator's change (network errors, time-outs,
/// 5xx, 408, 429) or not (other 4xx, a missing stream, a bad configuration), so the outbox can
/// show why an event waits and operators can be alerted.
#[derive(Debug)]
pub struct SinkError {
    sink: String,
    kind: &'static str,
    retryable: bool,
    event_id: Option<String>,
    message: String,
}

impl SinkError {
    /// An error worth retrying as it is: the sink is down, slow, or overloaded.
    pub fn retryable(sink: &str, kind: &'static str, message: impl Into<String>) -> Self {
        SinkError { sink: sink.to_string(), kind, retryable: true, event_id: None, message: message.into() }
    }

    /// An error retrying will not fix until someone changes the sink or its configuration.
    pub fn permanent(sink: &str, kind: &'static str, message: impl Into<String>) -> Self {
        SinkError { sink: sink.to_string(), kind, retryable: false, event_id: None, message: message.into() }
    }

    /// Names the event the sink refused or was handling when it failed.
    pub fn with_event(mut self, event_id: &str) -> Self {
        self.event_id = Some(event_id.to_string());
        self
    }

    /// The ARN of the sink.
    pub fn sink(&self) -> &str {
        &self.sink
    }

    /// The sink's type: "webhook", "nats" or "file".
    pub fn kind(&self) -> &'static str {
        self.kind
    }

    pub fn is_retryable(&self) -> bool {
        self.retryable
    }

    /// The event the error is about, when it is about one.
    pub fn event_id(&self) -> Option<&str> {
        self.event_id.as_deref()
    }

    /// What went wrong, without the sink's name.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for SinkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let class = if self.retryable { "retryable" } else { "permanent" };
        write!(f, "{} sink {}: ", self.kind, self.sink)?;
        if let Some(event_id) = &self.event_id {
            write!(f, "event {event_id}: ")?;
        }
        write!(f, "{} ({class})", self.message)
    }
}

impl StdError for SinkError {}

/// An error and its sources on one line: client libraries often put the useful part (connection
/// refused, certificate unknown) in a source their own message does not repeat.
pub(crate) fn chain(error: &(dyn StdError + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_sink_event_and_class() {
        let error = SinkError::retryable("arn:aws:sns:us-east-1:1:t", "webhook", "answered 503").with_event("e-1");
        assert_eq!(error.to_string(), "webhook sink arn:aws:sns:us-east-1:1:t: event e-1: answered 503 (retryable)");
        let error = SinkError::permanent("arn:x", "file", "read-only file system");
        assert_eq!(error.to_string(), "file sink arn:x: read-only file system (permanent)");
        assert!(!error.is_retryable());
    }

    #[test]
    fn chain_adds_sources_once() {
        let inner = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "connection refused");
        #[derive(Debug)]
        struct Outer(std::io::Error);
        impl fmt::Display for Outer {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("error sending request")
            }
        }
        impl StdError for Outer {
            fn source(&self) -> Option<&(dyn StdError + 'static)> {
                Some(&self.0)
            }
        }
        assert_eq!(chain(&Outer(inner)), "error sending request: connection refused");
    }
}
