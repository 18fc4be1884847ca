//! Emits `operations.rs`: the operation enum, the route table, the service trait whose methods
//! default to a "not implemented" AWS error, and the decode -> call -> encode dispatcher.

use std::fmt::Write;

use anyhow::{Result, bail};

use crate::model::{Model, Operation};
use crate::naming::{field_name, method_name, summary};
use crate::types::TypeMap;

/// How one API is named in the generated code.
pub struct Api<'a> {
    pub trait_name: &'a str,
}

pub fn emit(model: &Model, types: &TypeMap<'_>, api: &Api<'_>, header: &str) -> Result<String> {
    let rest = match model.metadata.protocol.as_str() {
        "rest-json" => true,
        "json" => false,
        other => bail!("unsupported protocol {other}"),
    };
    let ops: Vec<&Operation> = model.operations.values().collect();
    let mut out = String::new();
    writeln!(out, "{header}")?;
    writeln!(out, "use std::future::Future;\n")?;
    writeln!(out, "use herald_proto::{{ApiError, Protocol, RequestContext}};")?;
    if rest {
        writeln!(out, "use herald_proto::rest::{{Binding, RestRequest, RestResponse, Route, ValueKind}};")?;
    } else {
        writeln!(out, "use herald_proto::aws_json;")?;
    }
    writeln!(out, "\nuse super::types::*;\n")?;

    let protocol = if rest { "Protocol::RestJson" } else { "Protocol::AwsJson" };
    writeln!(out, "/// The wire protocol of this API.")?;
    writeln!(out, "pub const PROTOCOL: Protocol = {protocol};")?;
    writeln!(out, "/// The SigV4 signing name (credential scope service) of this API.")?;
    writeln!(out, "pub const SIGNING_NAME: &str = \"{}\";", model.metadata.signing_name)?;
    if let Some(prefix) = &model.metadata.target_prefix {
        writeln!(out, "/// The `X-Amz-Target` prefix of this API.")?;
        writeln!(out, "pub const TARGET_PREFIX: &str = \"{prefix}\";")?;
    }
    writeln!(out)?;

    emit_operation_enum(&mut out, model, &ops)?;
    if rest {
        emit_routes(&mut out, &ops)?;
    }
    emit_trait(&mut out, types, api, &ops)?;
    if rest {
        emit_rest_dispatch(&mut out, model, api, &ops)?;
    } else {
        emit_json_dispatch(&mut out, api, &ops)?;
    }
    Ok(out)
}

fn emit_operation_enum(out: &mut String, model: &Model, ops: &[&Operation]) -> Result<()> {
    writeln!(out, "/// Every operation of the API.")?;
    writeln!(out, "#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]")?;
    writeln!(out, "pub enum Operation {{")?;
    for op in ops {
        writeln!(out, "    {},", op.name)?;
    }
    writeln!(out, "}}\n")?;
    writeln!(out, "impl Operation {{")?;
    writeln!(out, "    pub const ALL: &'static [Operation] = &[")?;
    for op in ops {
        writeln!(out, "        Operation::{},", op.name)?;
    }
    writeln!(out, "    ];\n")?;
    writeln!(out, "    /// The operation name as AWS spells it.")?;
    writeln!(out, "    pub const fn name(self) -> &'static str {{")?;
    writeln!(out, "        match self {{")?;
    for op in ops {
        writeln!(out, "            Operation::{0} => \"{0}\",", op.name)?;
    }
    writeln!(out, "        }}\n    }}\n")?;
    writeln!(out, "    /// The IAM action that authorizes the operation.")?;
    writeln!(out, "    pub const fn action(self) -> &'static str {{")?;
    writeln!(out, "        match self {{")?;
    for op in ops {
        writeln!(out, "            Operation::{0} => \"{1}:{0}\",", op.name, model.metadata.signing_name)?;
    }
    writeln!(out, "        }}\n    }}\n")?;
    writeln!(out, "    pub fn from_name(name: &str) -> Option<Self> {{")?;
    writeln!(out, "        Self::ALL.iter().copied().find(|op| op.name() == name)")?;
    writeln!(out, "    }}\n}}\n")?;
    Ok(())
}

fn emit_routes(out: &mut String, ops: &[&Operation]) -> Result<()> {
    writeln!(out, "/// Method and URI template of every operation, as the model gives them.")?;
    writeln!(out, "pub static ROUTES: &[Route<Operation>] = &[")?;
    for op in ops {
        writeln!(
            out,
            "    Route {{ operation: Operation::{}, method: \"{}\", template: \"{}\", success_status: {} }},",
            op.name,
            op.http.method,
            op.http.request_uri,
            op.http.response_code.unwrap_or(200)
        )?;
    }
    writeln!(out, "];\n")?;
    Ok(())
}

fn io_types(types: &TypeMap<'_>, op: &Operation) -> Result<(Option<String>, String)> {
    let input = match &op.input {
        Some(r) => Some(types.rust_type(&r.shape)?),
        None => None,
    };
    let output = match &op.output {
        Some(r) => types.rust_type(&r.shape)?,
        None => "()".to_string(),
    };
    Ok((input, output))
}

fn emit_trait(out: &mut String, types: &TypeMap<'_>, api: &Api<'_>, ops: &[&Operation]) -> Result<()> {
    writeln!(out, "/// One method per operation; each defaults to a well-formed \"not implemented\" error.")?;
    writeln!(out, "pub trait {}: Send + Sync {{", api.trait_name)?;
    for op in ops {
        let (input, output) = io_types(types, op)?;
        if let Some(line) = summary(op.documentation.as_deref()) {
            writeln!(out, "    /// {line}")?;
        }
        let input_param = input.map(|t| format!(", input: {t}")).unwrap_or_default();
        let discard = if input_param.is_empty() { "ctx" } else { "(ctx, input)" };
        writeln!(
            out,
            "    fn {}(&self, ctx: &RequestContext{input_param}) -> impl Future<Output = Result<{output}, ApiError>> + Send {{",
            method_name(&op.name)
        )?;
        writeln!(out, "        let _ = {discard};")?;
        writeln!(out, "        async {{ Err(ApiError::not_implemented(PROTOCOL, \"{}\")) }}", op.name)?;
        writeln!(out, "    }}\n")?;
    }
    writeln!(out, "}}\n")?;
    Ok(())
}

fn emit_rest_dispatch(out: &mut String, model: &Model, api: &Api<'_>, ops: &[&Operation]) -> Result<()> {
    writeln!(out, "/// Decodes the request for `operation`, calls the service and encodes its answer.")?;
    writeln!(
        out,
        "pub async fn dispatch<A: {} + ?Sized>(api: &A, ctx: &RequestContext, operation: Operation, request: &RestRequest<'_>) -> Result<RestResponse, ApiError> {{",
        api.trait_name
    )?;
    writeln!(out, "    match operation {{")?;
    for op in ops {
        let status = op.http.response_code.unwrap_or(200);
        let method = method_name(&op.name);
        writeln!(out, "        Operation::{} => {{", op.name)?;
        match &op.input {
            Some(input) => {
                let shape = model.shape(&input.shape)?;
                let mut bindings = Vec::new();
                for (member_name, member) in &shape.members {
                    let Some(location) = &member.location else { continue };
                    let wire = member.location_name.as_deref().unwrap_or(member_name);
                    let kind = value_kind(model, &member.shape)?;
                    bindings.push(match location.as_str() {
                        "uri" => format!("Binding::Label {{ member: \"{member_name}\", name: \"{wire}\" }}"),
                        "querystring" => format!(
                            "Binding::Query {{ member: \"{member_name}\", name: \"{wire}\", kind: ValueKind::{kind} }}"
                        ),
                        "header" => format!(
                            "Binding::Header {{ member: \"{member_name}\", name: \"{wire}\", kind: ValueKind::{kind} }}"
                        ),
                        other => bail!("{}: unsupported member location {other}", op.name),
                    });
                }
                let payload = match &shape.payload {
                    Some(p) => {
                        let target = shape.members.get(p).map(|m| m.shape.as_str()).unwrap_or_default();
                        if model.shape(target)?.kind != "structure" {
                            bail!("{}: payload {p} is not a structure", op.name);
                        }
                        format!("Some(\"{p}\")")
                    }
                    None => "None".to_string(),
                };
                writeln!(out, "            let input = request.decode(&[{}], {payload})?;", bindings.join(", "))?;
                writeln!(out, "            let output = api.{method}(ctx, input).await?;")?;
            }
            None => writeln!(out, "            let output = api.{method}(ctx).await?;")?,
        }
        match &op.output {
            None => {
                writeln!(out, "            let () = output;")?;
                writeln!(out, "            Ok(RestResponse::empty({status}))")?;
            }
            Some(output) => {
                let shape = model.shape(&output.shape)?;
                match &shape.payload {
                    Some(p) => {
                        let field = field_name(p);
                        if TypeMap::is_required(shape, p) {
                            writeln!(out, "            RestResponse::json({status}, &output.{field})")?;
                        } else {
                            writeln!(out, "            match &output.{field} {{")?;
                            writeln!(out, "                Some(payload) => RestResponse::json({status}, payload),")?;
                            writeln!(out, "                None => Ok(RestResponse::empty({status})),")?;
                            writeln!(out, "            }}")?;
                        }
                    }
                    None => writeln!(out, "            RestResponse::json({status}, &output)")?,
                }
            }
        }
        writeln!(out, "        }}")?;
    }
    writeln!(out, "    }}\n}}")?;
    Ok(())
}

/// How a URI label, query or header value becomes JSON for the input structure.
fn value_kind(model: &Model, shape_name: &str) -> Result<&'static str> {
    Ok(match model.shape(shape_name)?.kind.as_str() {
        "string" | "timestamp" => "String",
        "boolean" => "Boolean",
        "integer" | "long" => "Integer",
        "double" | "float" => "Number",
        "list" => "List",
        other => bail!("shape {shape_name} of type {other} cannot be bound to the URI, query or headers"),
    })
}

fn emit_json_dispatch(out: &mut String, api: &Api<'_>, ops: &[&Operation]) -> Result<()> {
    writeln!(out, "/// Decodes the body for `operation`, calls the service and encodes its answer.")?;
    writeln!(
        out,
        "pub async fn dispatch<A: {} + ?Sized>(api: &A, ctx: &RequestContext, operation: Operation, body: &[u8]) -> Result<Vec<u8>, ApiError> {{",
        api.trait_name
    )?;
    writeln!(out, "    match operation {{")?;
    for op in ops {
        let method = method_name(&op.name);
        writeln!(out, "        Operation::{} => {{", op.name)?;
        if op.input.is_some() {
            writeln!(out, "            let input = aws_json::decode_input(body)?;")?;
            writeln!(out, "            let output = api.{method}(ctx, input).await?;")?;
        } else {
            writeln!(out, "            let output = api.{method}(ctx).await?;")?;
        }
        writeln!(out, "            aws_json::encode_output(&output)")?;
        writeln!(out, "        }}")?;
    }
    writeln!(out, "    }}\n}}")?;
    Ok(())
}
