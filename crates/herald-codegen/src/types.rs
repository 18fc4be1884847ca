//! Emits `types.rs`: one Rust type per structure and enum shape, with the exact wire names.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use anyhow::{Result, bail};

use crate::model::{Model, Shape};
use crate::naming::{field_name, summary, type_name, variant_name};

/// Everything the emitters need to know about a model's shapes.
pub struct TypeMap<'m> {
    model: &'m Model,
    /// `(structure, member)` pairs that must be boxed because the structure reaches itself through them.
    boxed: BTreeSet<(String, String)>,
    /// Structures whose required members all have a `Default`, so the structure derives it.
    defaultable: BTreeSet<String>,
}

impl<'m> TypeMap<'m> {
    pub fn new(model: &'m Model) -> Result<Self> {
        let mut map = TypeMap { model, boxed: BTreeSet::new(), defaultable: BTreeSet::new() };
        map.find_cycles()?;
        map.find_defaultable()?;
        Ok(map)
    }

    /// The Rust type of a member whose target is `shape`.
    pub fn rust_type(&self, shape_name: &str) -> Result<String> {
        let shape = self.model.shape(shape_name)?;
        Ok(match shape.kind.as_str() {
            "structure" => type_name(shape_name),
            "string" if shape.enum_values.is_some() => type_name(shape_name),
            "string" => "String".to_string(),
            "integer" => "i32".to_string(),
            "long" => "i64".to_string(),
            "double" | "float" => "f64".to_string(),
            "boolean" => "bool".to_string(),
            "blob" => "Blob".to_string(),
            "timestamp" => match self.timestamp_format(shape) {
                "iso8601" => "Iso8601".to_string(),
                _ => "EpochSeconds".to_string(),
            },
            "list" => format!("Vec<{}>", self.rust_type(&target(shape.member.as_ref(), shape_name)?)?),
            "map" => {
                let value = target(shape.value.as_ref(), shape_name)?;
                format!("BTreeMap<String, {}>", self.rust_type(&value)?)
            }
            other => bail!("shape {shape_name} has unsupported type {other}"),
        })
    }

    /// JSON protocols default to epoch seconds in bodies; a shape may say otherwise.
    fn timestamp_format<'s>(&self, shape: &'s Shape) -> &'s str {
        shape.timestamp_format.as_deref().unwrap_or("unixTimestamp")
    }

    pub fn is_boxed(&self, structure: &str, member: &str) -> bool {
        self.boxed.contains(&(structure.to_string(), member.to_string()))
    }

    fn struct_refs(&self, shape: &Shape) -> Vec<(String, String)> {
        shape
            .members
            .iter()
            .filter(|(_, m)| self.model.shapes.get(&m.shape).is_some_and(|s| s.kind == "structure"))
            .map(|(name, m)| (name.clone(), m.shape.clone()))
            .collect()
    }

    /// A member needs a `Box` when its structure leads back to the owner without passing
    /// through a list or map (which already put the value behind a pointer).
    fn find_cycles(&mut self) -> Result<()> {
        for (name, shape) in &self.model.shapes {
            if shape.kind != "structure" {
                continue;
            }
            for (member, target) in self.struct_refs(shape) {
                if self.reaches(&target, name) {
                    self.boxed.insert((name.clone(), member));
                }
            }
        }
        Ok(())
    }

    fn reaches(&self, from: &str, to: &str) -> bool {
        let mut seen = BTreeSet::new();
        let mut stack = vec![from.to_string()];
        while let Some(current) = stack.pop() {
            if current == to {
                return true;
            }
            if !seen.insert(current.clone()) {
                continue;
            }
            if let Some(shape) = self.model.shapes.get(&current) {
                stack.extend(self.struct_refs(shape).into_iter().map(|(_, t)| t));
            }
        }
        false
    }

    fn find_defaultable(&mut self) -> Result<()> {
        // Iterate to a fixed point: a structure is defaultable when every required member is.
        loop {
            let mut changed = false;
            for (name, shape) in &self.model.shapes {
                if shape.kind != "structure" || self.defaultable.contains(name) {
                    continue;
                }
                let all = shape
                    .required
                    .iter()
                    .all(|member| shape.members.get(member).is_some_and(|m| self.has_default(&m.shape)));
                if all {
                    self.defaultable.insert(name.clone());
                    changed = true;
                }
            }
            if !changed {
                return Ok(());
            }
        }
    }

    fn has_default(&self, shape_name: &str) -> bool {
        match self.model.shapes.get(shape_name) {
            Some(shape) => match shape.kind.as_str() {
                "structure" => self.defaultable.contains(shape_name),
                "string" => shape.enum_values.is_none(),
                "timestamp" => false,
                _ => true,
            },
            None => false,
        }
    }

    /// The JSON name of a member: rest-json body members may rename themselves; members bound to
    /// the URI, query string or headers keep the member name (the decoder fills them in by that name).
    pub fn wire_name(member_name: &str, member: &crate::model::Member) -> String {
        match (&member.location, &member.location_name) {
            (None, Some(location_name)) => location_name.clone(),
            _ => member_name.to_string(),
        }
    }

    pub fn is_required(shape: &Shape, member: &str) -> bool {
        shape.required.iter().any(|r| r == member)
    }
}

fn target(reference: Option<&crate::model::ShapeRef>, owner: &str) -> Result<String> {
    match reference {
        Some(r) => Ok(r.shape.clone()),
        None => bail!("collection shape {owner} has no member/value shape"),
    }
}

pub fn emit(model: &Model, types: &TypeMap<'_>, header: &str) -> Result<String> {
    let mut out = String::new();

    let mut emitted_names = BTreeMap::new();
    for (name, shape) in &model.shapes {
        let rust = type_name(name);
        let is_type = shape.kind == "structure" || shape.enum_values.is_some();
        if is_type && let Some(previous) = emitted_names.insert(rust.clone(), name.clone()) {
            bail!("shapes {previous} and {name} both become the Rust type {rust}");
        }
        if shape.kind == "structure" {
            emit_struct(&mut out, types, name, shape)?;
        } else if let Some(values) = &shape.enum_values {
            emit_enum(&mut out, name, shape, values)?;
        }
    }
    // Import only the wire types this API uses, so the generated code has no warnings.
    let wire: Vec<&str> = ["Blob", "EpochSeconds", "Iso8601"]
        .into_iter()
        .filter(|name| out.contains(&format!(" {name}")) || out.contains(&format!("<{name}")))
        .collect();
    let mut file = String::new();
    writeln!(file, "{header}")?;
    writeln!(file, "use std::collections::BTreeMap;\n")?;
    if !wire.is_empty() {
        writeln!(file, "use herald_proto::wire::{{{}}};", wire.join(", "))?;
    }
    writeln!(file, "use serde::{{Deserialize, Serialize}};\n")?;
    file.push_str(&out);
    Ok(file)
}

fn doc(out: &mut String, documentation: Option<&str>, indent: &str) -> Result<()> {
    if let Some(line) = summary(documentation) {
        writeln!(out, "{indent}/// {line}")?;
    }
    Ok(())
}

fn emit_struct(out: &mut String, types: &TypeMap<'_>, name: &str, shape: &Shape) -> Result<()> {
    doc(out, shape.documentation.as_deref(), "")?;
    let default = if types.defaultable.contains(name) { ", Default" } else { "" };
    writeln!(out, "#[derive(Debug, Clone, PartialEq, Serialize, Deserialize{default})]")?;
    writeln!(out, "pub struct {} {{", type_name(name))?;
    for (member_name, member) in &shape.members {
        doc(out, member.documentation.as_deref(), "    ")?;
        let wire = TypeMap::wire_name(member_name, member);
        let mut ty = types.rust_type(&member.shape)?;
        if types.is_boxed(name, member_name) {
            ty = format!("Box<{ty}>");
        }
        if TypeMap::is_required(shape, member_name) {
            writeln!(out, "    #[serde(rename = \"{wire}\")]")?;
            writeln!(out, "    pub {}: {ty},", field_name(member_name))?;
        } else {
            writeln!(out, "    #[serde(rename = \"{wire}\", default, skip_serializing_if = \"Option::is_none\")]")?;
            writeln!(out, "    pub {}: Option<{ty}>,", field_name(member_name))?;
        }
    }
    writeln!(out, "}}\n")?;

    if shape.exception {
        let status =
            shape.error.as_ref().and_then(|e| e.http_status_code).unwrap_or(if shape.fault { 500 } else { 400 });
        writeln!(out, "impl herald_proto::ErrorShape for {} {{", type_name(name))?;
        writeln!(out, "    const CODE: &'static str = \"{name}\";")?;
        writeln!(out, "    const STATUS: u16 = {status};")?;
        writeln!(out, "}}\n")?;
    }
    Ok(())
}

fn emit_enum(out: &mut String, name: &str, shape: &Shape, values: &[String]) -> Result<()> {
    let rust = type_name(name);
    let mut variants = Vec::new();
    let mut seen = BTreeSet::new();
    for value in values {
        let mut variant = variant_name(value);
        while !seen.insert(variant.clone()) {
            variant.push('_');
        }
        variants.push((variant, value));
    }
    doc(out, shape.documentation.as_deref(), "")?;
    writeln!(out, "#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]")?;
    writeln!(out, "pub enum {rust} {{")?;
    for (variant, value) in &variants {
        writeln!(out, "    #[serde(rename = \"{value}\")]")?;
        writeln!(out, "    {variant},")?;
    }
    writeln!(out, "}}\n")?;
    writeln!(out, "impl {rust} {{")?;
    writeln!(out, "    pub const ALL: &'static [{rust}] = &[")?;
    for (variant, _) in &variants {
        writeln!(out, "        {rust}::{variant},")?;
    }
    writeln!(out, "    ];\n")?;
    writeln!(out, "    /// The value as it appears on the wire.")?;
    writeln!(out, "    pub const fn as_str(self) -> &'static str {{")?;
    writeln!(out, "        match self {{")?;
    for (variant, value) in &variants {
        writeln!(out, "            {rust}::{variant} => \"{value}\",")?;
    }
    writeln!(out, "        }}\n    }}\n")?;
    writeln!(out, "    /// The variant for a wire value, if it is one.")?;
    writeln!(out, "    pub fn from_wire(value: &str) -> Option<Self> {{")?;
    writeln!(out, "        Self::ALL.iter().copied().find(|v| v.as_str() == value)")?;
    writeln!(out, "    }}\n}}\n")?;
    writeln!(out, "impl std::fmt::Display for {rust} {{")?;
    writeln!(out, "    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {{")?;
    writeln!(out, "        f.write_str(self.as_str())")?;
    writeln!(out, "    }}\n}}\n")?;
    Ok(())
}
