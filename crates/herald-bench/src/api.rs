//! A lean client for Pinpoint (REST-JSON) and SMS and voice v2 (awsJson1_0): requests signed with
//! SigV4 (aws-sigv4) and sent over keep-alive HTTP/1.1 (hyper), without the full AWS SDK, so that
//! the load generator costs little CPU.

use std::time::{Duration, SystemTime};

use anyhow::{Context, Result, bail};
use aws_credential_types::Credentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use bytes::Bytes;
use http::header::{CONTENT_TYPE, HOST};
use http::{Method, Request, StatusCode};
use http_body_util::{BodyExt as _, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

const REGION: &str = "us-east-1";
/// No request of the benchmark may take longer; one that does fails the run.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Which AWS API the requests go to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    /// Pinpoint (`mobiletargeting`), REST with JSON bodies.
    Pinpoint,
    /// End User Messaging SMS and voice v2 (`sms-voice`), awsJson1_0: `POST /` with X-Amz-Target.
    SmsVoice,
}

impl Service {
    /// The SigV4 signing name.
    fn signing_name(self) -> &'static str {
        match self {
            Service::Pinpoint => "mobiletargeting",
            Service::SmsVoice => "sms-voice",
        }
    }
}

/// The awsJson1_0 target prefix of SMS and voice v2 operations.
const SMS_VOICE_TARGET: &str = "PinpointSMSVoiceV2";

pub struct Api {
    service: Service,
    client: Client<HttpConnector, Full<Bytes>>,
    /// `http://127.0.0.1:PORT`
    endpoint: String,
    authority: String,
    identity: Identity,
}

impl Api {
    pub fn new(service: Service, endpoint: &str, access_key_id: &str, secret_access_key: &str) -> Result<Api> {
        let authority = endpoint.strip_prefix("http://").context("herald's endpoint is not http://")?.to_owned();
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        let client = Client::builder(TokioExecutor::new()).pool_idle_timeout(Duration::from_secs(60)).build(connector);
        let identity = Credentials::from_keys(access_key_id, secret_access_key, None).into();
        Ok(Api { service, client, endpoint: endpoint.to_owned(), authority, identity })
    }

    /// A signed Pinpoint (REST-JSON) request.
    pub fn request(&self, method: Method, path: &str, body: Bytes) -> Result<Request<Full<Bytes>>> {
        self.signed(method, path, "application/json", None, body)
    }

    /// A signed awsJson1_0 request for the SMS and voice v2 operation `operation`
    /// (`SendTextMessage`, ...).
    pub fn json10_request(&self, operation: &str, body: Bytes) -> Result<Request<Full<Bytes>>> {
        let target = format!("{SMS_VOICE_TARGET}.{operation}");
        self.signed(Method::POST, "/", "application/x-amz-json-1.0", Some(&target), body)
    }

    fn signed(
        &self,
        method: Method,
        path: &str,
        content_type: &str,
        target: Option<&str>,
        body: Bytes,
    ) -> Result<Request<Full<Bytes>>> {
        let uri = format!("{}{path}", self.endpoint);
        let mut builder = Request::builder()
            .method(method)
            .uri(&uri)
            .header(HOST, &self.authority)
            .header(CONTENT_TYPE, content_type);
        if let Some(target) = target {
            builder = builder.header("x-amz-target", target);
        }
        let mut request = builder.body(Full::new(body.clone()))?;
        let params = v4::SigningParams::builder()
            .identity(&self.identity)
            .region(REGION)
            .name(self.service.signing_name())
            .time(SystemTime::now())
            .settings(SigningSettings::default())
            .build()?
            .into();
        let headers = request.headers().iter().filter_map(|(name, value)| Some((name.as_str(), value.to_str().ok()?)));
        let signable = SignableRequest::new(request.method().as_str(), &uri, headers, SignableBody::Bytes(&body))?;
        let (instructions, _signature) = sign(signable, &params)?.into_parts();
        instructions.apply_to_request_http1x(&mut request);
        Ok(request)
    }

    /// Sends a request; returns the status and the whole body.
    pub async fn send(&self, request: Request<Full<Bytes>>) -> Result<(StatusCode, Bytes)> {
        let exchange = async {
            let response = self.client.request(request).await.context("sending to herald")?;
            let status = response.status();
            let body = response.into_body().collect().await.context("reading herald's answer")?.to_bytes();
            anyhow::Ok((status, body))
        };
        tokio::time::timeout(REQUEST_TIMEOUT, exchange)
            .await
            .with_context(|| format!("herald did not answer within {REQUEST_TIMEOUT:?}"))?
    }

    /// Signs, sends, and insists on a 2xx answer.
    pub async fn call(&self, method: Method, path: &str, body: serde_json::Value) -> Result<serde_json::Value> {
        let request = self.request(method.clone(), path, Bytes::from(body.to_string()))?;
        let (status, body) = self.send(request).await?;
        if !status.is_success() {
            bail!("{method} {path}: HTTP {status}: {}", String::from_utf8_lossy(&body));
        }
        serde_json::from_slice(&body).with_context(|| format!("{method} {path}: the answer is not JSON"))
    }

    /// Calls an SMS and voice v2 operation and insists on a 2xx answer.
    pub async fn call_json10(&self, operation: &str, body: serde_json::Value) -> Result<serde_json::Value> {
        let request = self.json10_request(operation, Bytes::from(body.to_string()))?;
        let (status, body) = self.send(request).await?;
        if !status.is_success() {
            bail!("{operation}: HTTP {status}: {}", String::from_utf8_lossy(&body));
        }
        serde_json::from_slice(&body).with_context(|| format!("{operation}: the answer is not JSON"))
    }
}
