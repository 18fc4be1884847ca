//! Message statuses and the event types they become (SMS guide part 2, §3.3 and §3.8).

use super::message::Channel;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    Queued,
    /// Accepted by the recipient's carrier; a receipt is still to come.
    Successful,
    Pending,
    Delivered,
    Invalid,
    InvalidMessage,
    Unreachable,
    CarrierUnreachable,
    Blocked,
    CarrierBlocked,
    Spam,
    Unknown,
    TtlExpired,
    // Voice calls.
    Initiated,
    Ringing,
    Answered,
    Completed,
    Busy,
    NoAnswer,
    Failed,
}

impl Status {
    /// The `messageStatus` token.
    pub fn token(self) -> &'static str {
        match self {
            Status::Queued => "QUEUED",
            Status::Successful => "SUCCESSFUL",
            Status::Pending => "PENDING",
            Status::Delivered => "DELIVERED",
            Status::Invalid => "INVALID",
            Status::InvalidMessage => "INVALID_MESSAGE",
            Status::Unreachable => "UNREACHABLE",
            Status::CarrierUnreachable => "CARRIER_UNREACHABLE",
            Status::Blocked => "BLOCKED",
            Status::CarrierBlocked => "CARRIER_BLOCKED",
            Status::Spam => "SPAM",
            Status::Unknown => "UNKNOWN",
            Status::TtlExpired => "TTL_EXPIRED",
            Status::Initiated => "INITIATED",
            Status::Ringing => "RINGING",
            Status::Answered => "ANSWERED",
            Status::Completed => "COMPLETED",
            Status::Busy => "BUSY",
            Status::NoAnswer => "NO_ANSWER",
            Status::Failed => "FAILED",
        }
    }

    pub fn from_token(token: &str) -> Option<Status> {
        ALL.iter().copied().find(|status| status.token() == token)
    }

    pub fn is_final(self) -> bool {
        !matches!(
            self,
            Status::Queued
                | Status::Successful
                | Status::Pending
                | Status::Initiated
                | Status::Ringing
                | Status::Answered
        )
    }

    pub fn is_success(self) -> bool {
        matches!(self, Status::Delivered | Status::Completed)
    }

    /// `messageStatusDescription`.
    pub fn description(self) -> &'static str {
        match self {
            Status::Queued => "Message has been queued for delivery",
            Status::Successful => "Message has been accepted by phone carrier",
            Status::Pending => "Message is being delivered",
            Status::Delivered => "Message has been accepted by phone",
            Status::Invalid => "The destination phone number is invalid",
            Status::InvalidMessage => "The message body is invalid and cannot be delivered",
            Status::Unreachable => "The recipient's device is unavailable",
            Status::CarrierUnreachable => "The recipient's carrier network had a transient error",
            Status::Blocked => "The recipient's device or carrier blocks messages to the recipient",
            Status::CarrierBlocked => "The carrier blocked the message as malicious or abusive",
            Status::Spam => "The carrier blocked the message as unsolicited commercial content",
            Status::Unknown => "The message failed for an unknown reason",
            Status::TtlExpired => "The message was not delivered within its time to live",
            Status::Initiated => "The call is ready to be dialled",
            Status::Ringing => "The call was placed and is ringing",
            Status::Answered => "The call was answered",
            Status::Completed => "The message was played to the recipient",
            Status::Busy => "The line was busy",
            Status::NoAnswer => "The call was not answered",
            Status::Failed => "The call failed",
        }
    }

    /// The event type on a channel: TEXT_DELIVERED, MEDIA_DELIVERED, VOICE_COMPLETED, ...
    pub fn event_type(self, channel: Channel) -> String {
        format!("{}_{}", channel.as_str(), self.token())
    }

    /// How a channel calls a generic outcome: voice has no carrier "delivered" but a completed
    /// call, and fails calls it cannot place.
    pub fn on(self, channel: Channel) -> Status {
        match (channel, self) {
            (Channel::Voice, Status::Delivered) => Status::Completed,
            (Channel::Voice, Status::Successful | Status::Pending) => Status::Initiated,
            (
                Channel::Voice,
                Status::Invalid
                | Status::InvalidMessage
                | Status::Unreachable
                | Status::CarrierUnreachable
                | Status::Blocked
                | Status::CarrierBlocked
                | Status::Spam
                | Status::Unknown,
            ) => Status::Failed,
            (_, status) => status,
        }
    }
}

const ALL: &[Status] = &[
    Status::Queued,
    Status::Successful,
    Status::Pending,
    Status::Delivered,
    Status::Invalid,
    Status::InvalidMessage,
    Status::Unreachable,
    Status::CarrierUnreachable,
    Status::Blocked,
    Status::CarrierBlocked,
    Status::Spam,
    Status::Unknown,
    Status::TtlExpired,
    Status::Initiated,
    Status::Ringing,
    Status::Answered,
    Status::Completed,
    Status::Busy,
    Status::NoAnswer,
    Status::Failed,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_name_the_guides_event_types() {
        for status in ALL {
            assert_eq!(Status::from_token(status.token()), Some(*status));
        }
        assert_eq!(Status::Delivered.event_type(Channel::Text), "TEXT_DELIVERED");
        assert_eq!(Status::CarrierUnreachable.event_type(Channel::Media), "MEDIA_CARRIER_UNREACHABLE");
        assert_eq!(Status::Delivered.on(Channel::Voice).event_type(Channel::Voice), "VOICE_COMPLETED");
        assert!(!Status::Successful.is_final());
        assert!(Status::TtlExpired.is_final());
    }
}
