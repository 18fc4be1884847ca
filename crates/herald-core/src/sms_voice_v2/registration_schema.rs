//! DescribeRegistrationTypeDefinitions, DescribeRegistrationSectionDefinitions and
//! DescribeRegistrationFieldDefinitions: the definitions table in its wire shapes.

use herald_api::sms_voice_v2::types::{
    ConditionalBehavior, ConditionalRule, ConditionalValidation, DescribeRegistrationFieldDefinitionsRequest,
    DescribeRegistrationFieldDefinitionsResult, DescribeRegistrationSectionDefinitionsRequest,
    DescribeRegistrationSectionDefinitionsResult, DescribeRegistrationTypeDefinitionsRequest,
    DescribeRegistrationTypeDefinitionsResult, FieldCondition, FieldRequirement, FieldType,
    RegistrationFieldDefinition, RegistrationFieldDisplayHints, RegistrationSectionDefinition,
    RegistrationSectionDisplayHints, RegistrationTypeDefinition, RegistrationTypeDisplayHints,
    RegistrationTypeFilterName, SelectOptionDescription, SelectValidation, SupportedAssociation, TextValidation,
    ValidationExceptionReason,
};
use herald_proto::{ApiError, RequestContext};

use super::errors::{invalid, validation};
use super::listing::page;
use super::registration_definitions::{
    FieldDef, FieldKind, REGISTRATION_TYPES, Requirement, SectionDef, TypeDef, registration_type,
};
use crate::Core;

/// Describe* take at most this many explicit ids or paths.
pub const MAX_IDS: usize = 5;

/// The definition of a registration type, or UNKNOWN_REGISTRATION_TYPE.
pub fn definition(name: &str) -> Result<&'static TypeDef, ApiError> {
    registration_type(name).ok_or_else(|| {
        let known: Vec<&str> = REGISTRATION_TYPES.iter().map(|t| t.name).collect();
        validation(
            ValidationExceptionReason::UnknownRegistrationType,
            format!("Unknown registration type {name}; the types are {}", known.join(", ")),
            &[("RegistrationType", "unknown registration type")],
        )
    })
}

pub fn unknown_section(path: &str) -> ApiError {
    validation(
        ValidationExceptionReason::UnknownRegistrationSection,
        format!("The registration form has no section {path}"),
        &[("SectionPath", "unknown section")],
    )
}

pub fn unknown_field(path: &str) -> ApiError {
    validation(
        ValidationExceptionReason::UnknownRegistrationField,
        format!("The registration form has no field {path}"),
        &[("FieldPath", "unknown field")],
    )
}

/// At most MAX_IDS explicit ids or paths.
pub fn at_most_five<T>(list: &[T], member: &str) -> Result<(), ApiError> {
    if list.len() > MAX_IDS {
        return Err(invalid(member, "takes at most 5 values"));
    }
    Ok(())
}

fn type_definition(definition: &TypeDef) -> RegistrationTypeDefinition {
    let associations: Vec<SupportedAssociation> = definition
        .associations
        .iter()
        .map(|a| SupportedAssociation {
            resource_type: a.resource_type.to_string(),
            iso_country_code: Some(a.iso_country_code.to_string()),
            association_behavior: a.association,
            disassociation_behavior: a.disassociation,
        })
        .collect();
    RegistrationTypeDefinition {
        registration_type: definition.name.to_string(),
        supported_associations: (!associations.is_empty()).then_some(associations),
        display_hints: RegistrationTypeDisplayHints {
            title: definition.title.to_string(),
            short_description: Some(definition.short_description.to_string()),
            long_description: Some(definition.long_description.to_string()),
            documentation_link: None,
            documentation_title: None,
        },
    }
}

fn section_definition(section: &SectionDef) -> RegistrationSectionDefinition {
    RegistrationSectionDefinition {
        section_path: section.path.to_string(),
        display_hints: RegistrationSectionDisplayHints {
            title: section.title.to_string(),
            short_description: section.description.to_string(),
            ..Default::default()
        },
    }
}

fn field_definition(path: String, section: &SectionDef, field: &FieldDef) -> RegistrationFieldDefinition {
    let mut hints = RegistrationFieldDisplayHints {
        title: field.title.to_string(),
        short_description: field.description.to_string(),
        example_text_value: field.example.map(str::to_owned),
        ..Default::default()
    };
    let (field_type, select_validation, text_validation) = match &field.kind {
        FieldKind::Select { min, max, options } => {
            hints.select_option_descriptions = Some(
                options
                    .iter()
                    .map(|c| SelectOptionDescription {
                        option: c.0.to_string(),
                        title: Some(c.1.to_string()),
                        description: (!c.2.is_empty()).then(|| c.2.to_string()),
                    })
                    .collect(),
            );
            let validation = SelectValidation {
                min_choices: *min as i32,
                max_choices: *max as i32,
                options: options.iter().map(|c| c.0.to_string()).collect(),
            };
            (FieldType::Select, Some(validation), None)
        }
        FieldKind::Text { min, max, format } => {
            hints.text_validation_description = Some(format.description().to_string());
            let validation = TextValidation {
                min_length: *min as i32,
                max_length: *max as i32,
                pattern: format.pattern().to_string(),
            };
            (FieldType::Text, None, Some(validation))
        }
        FieldKind::Attachment { formats } => {
            let accepted: Vec<String> =
                formats.iter().map(|(format, bytes)| format!("{} up to {} KB", format.name(), bytes / 1024)).collect();
            hints.long_description = Some(format!("Accepts a registration attachment: {}.", accepted.join(", ")));
            (FieldType::Attachment, None, None)
        }
    };
    let (field_requirement, conditional_behavior) = match &field.requirement {
        Requirement::Required => (FieldRequirement::Required, None),
        Requirement::Optional => (FieldRequirement::Optional, None),
        Requirement::Conditional { rules, default } => {
            let rules = rules
                .iter()
                .map(|rule| ConditionalRule {
                    conditions: rule
                        .conditions
                        .iter()
                        .map(|c| FieldCondition {
                            depends_on_field_path: c.field.to_string(),
                            operator: c.operator.as_str().to_string(),
                            values: (!c.values.is_empty()).then(|| c.values.iter().map(|v| v.to_string()).collect()),
                        })
                        .collect(),
                    rule_behavior: rule.behavior.as_str().to_string(),
                    conditional_validation: (rule.format.is_some() || rule.allowed_values.is_some()).then(|| {
                        ConditionalValidation {
                            pattern: rule.format.map(|f| f.pattern().to_string()),
                            allowed_values: rule.allowed_values.map(|v| v.iter().map(|s| s.to_string()).collect()),
                            ..Default::default()
                        }
                    }),
                })
                .collect();
            (
                FieldRequirement::Conditional,
                Some(ConditionalBehavior { rules, default_behavior: default.as_str().to_string() }),
            )
        }
    };
    RegistrationFieldDefinition {
        section_path: section.path.to_string(),
        field_path: path,
        field_type,
        field_requirement,
        select_validation,
        text_validation,
        display_hints: hints,
        conditional_behavior,
    }
}

impl Core {
    pub(crate) async fn sms_describe_registration_type_definitions(
        &self,
        _ctx: &RequestContext,
        input: DescribeRegistrationTypeDefinitionsRequest,
    ) -> Result<DescribeRegistrationTypeDefinitionsResult, ApiError> {
        let mut chosen: Vec<&TypeDef> = match &input.registration_types {
            Some(names) if !names.is_empty() => {
                at_most_five(names, "RegistrationTypes")?;
                names.iter().map(|name| definition(name)).collect::<Result<_, _>>()?
            }
            _ => REGISTRATION_TYPES.iter().collect(),
        };
        for filter in input.filters.iter().flatten() {
            if filter.values.is_empty() {
                return Err(validation(
                    ValidationExceptionReason::InvalidFilterValues,
                    format!("Filter {} has no values", filter.name),
                    &[("Filters", "no values")],
                ));
            }
            chosen.retain(|definition| {
                definition.associations.iter().any(|a| {
                    let member = match filter.name {
                        RegistrationTypeFilterName::SupportedAssociationResourceType => a.resource_type,
                        RegistrationTypeFilterName::SupportedAssociationIsoCountryCode => a.iso_country_code,
                    };
                    filter.values.iter().any(|v| v.eq_ignore_ascii_case(member))
                })
            });
        }
        let (chosen, next_token) = page(chosen, input.max_results, input.next_token.as_deref())?;
        Ok(DescribeRegistrationTypeDefinitionsResult {
            registration_type_definitions: chosen.into_iter().map(type_definition).collect(),
            next_token,
        })
    }

    pub(crate) async fn sms_describe_registration_section_definitions(
        &self,
        _ctx: &RequestContext,
        input: DescribeRegistrationSectionDefinitionsRequest,
    ) -> Result<DescribeRegistrationSectionDefinitionsResult, ApiError> {
        let definition = definition(&input.registration_type)?;
        let sections: Vec<&SectionDef> = match &input.section_paths {
            Some(paths) if !paths.is_empty() => {
                at_most_five(paths, "SectionPaths")?;
                paths
                    .iter()
                    .map(|path| definition.section(path).ok_or_else(|| unknown_section(path)))
                    .collect::<Result<_, _>>()?
            }
            _ => definition.sections.iter().collect(),
        };
        let (sections, next_token) = page(sections, input.max_results, input.next_token.as_deref())?;
        Ok(DescribeRegistrationSectionDefinitionsResult {
            registration_type: definition.name.to_string(),
            registration_section_definitions: sections.into_iter().map(section_definition).collect(),
            next_token,
        })
    }

    pub(crate) async fn sms_describe_registration_field_definitions(
        &self,
        _ctx: &RequestContext,
        input: DescribeRegistrationFieldDefinitionsRequest,
    ) -> Result<DescribeRegistrationFieldDefinitionsResult, ApiError> {
        let definition = definition(&input.registration_type)?;
        if let Some(section) = &input.section_path {
            definition.section(section).ok_or_else(|| unknown_section(section))?;
        }
        let wanted = input.field_paths.as_deref().unwrap_or_default();
        at_most_five(wanted, "FieldPaths")?;
        if let Some(unknown) = wanted.iter().find(|path| definition.field(path).is_none()) {
            return Err(unknown_field(unknown));
        }
        let fields: Vec<_> = definition
            .fields()
            .filter(|(_, section, _)| input.section_path.as_deref().is_none_or(|wanted| wanted == section.path))
            .filter(|(path, _, _)| wanted.is_empty() || wanted.contains(path))
            .collect();
        let (fields, next_token) = page(fields, input.max_results, input.next_token.as_deref())?;
        Ok(DescribeRegistrationFieldDefinitionsResult {
            registration_type: definition.name.to_string(),
            registration_field_definitions: fields
                .into_iter()
                .map(|(path, section, field)| field_definition(path, section, field))
                .collect(),
            next_token,
        })
    }
}
