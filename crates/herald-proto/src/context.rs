use std::net::IpAddr;

/// Who is calling and how to name this request: handed to every operation.
#[derive(Debug, Clone)]
pub struct RequestContext {
    /// The `x-amzn-RequestId` of the response.
    pub request_id: String,
    /// The 12-digit account that owns the access key.
    pub account_id: String,
    /// The access key id the request was signed with.
    pub access_key_id: String,
    /// The region the client signed for; resource ARNs use it.
    pub region: String,
    pub source_ip: Option<IpAddr>,
    pub user_agent: Option<String>,
}
