//! A lean Pinpoint client: requests signed with SigV4 (aws-sigv4) and sent over keep-alive
//! HTTP/1.1 (hyper), without the full AWS SDK, so that the load generator costs little CPU.

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

/// The SigV4 service name of Pinpoint.
const SIGNING_NAME: &str = "mobiletargeting";
const REGION: &str = "us-east-1";
/// No request of the benchmark may take longer; one that does fails the run.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

pub struct Api {
    client: Client<HttpConnector, Full<Bytes>>,
    /// `http://127.0.0.1:PORT`
    endpoint: String,
    authority: String,
    identity: Identity,
}

impl Api {
    pub fn new(endpoint: &str, access_key_id: &str, secret_access_key: &str) -> Result<Api> {
        let authority = endpoint.strip_prefix("http://").context("herald's endpoint is not http://")?.to_owned();
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        let client = Client::builder(TokioExecutor::new()).pool_idle_timeout(Duration::from_secs(60)).build(connector);
        let identity = Credentials::from_keys(access_key_id, secret_access_key, None).into();
        Ok(Api { client, endpoint: endpoint.to_owned(), authority, identity })
    }

    /// A signed JSON request.
    pub fn request(&self, method: Method, path: &str, body: Bytes) -> Result<Request<Full<Bytes>>> {
        let uri = format!("{}{path}", self.endpoint);
        let mut request = Request::builder()
            .method(method)
            .uri(&uri)
            .header(HOST, &self.authority)
            .header(CONTENT_TYPE, "application/json")
            .body(Full::new(body.clone()))?;
        let params = v4::SigningParams::builder()
            .identity(&self.identity)
            .region(REGION)
            .name(SIGNING_NAME)
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
}
