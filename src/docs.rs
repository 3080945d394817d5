//! The registry documentation (`docs/`), generated from the schemas the code
//! declares and the examples under `examples/`, in the layout tfplugindocs
//! writes: `index.md`, `resources/<name>.md`, `data-sources/<name>.md`,
//! `list-resources/<name>.md` and `actions/<name>.md`. (Guides under
//! `docs/guides/` are prose, written by hand.)
//! `make docs` writes them (`src/bin/docgen.rs`); a test fails when `docs/`
//! is stale.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use tfplugin::framework::Provider;
use tfplugin::schema::{Attribute, AttributeType, Nesting, Schema};
use tfplugin::value::Type;

use crate::provider::ConductorOneProvider;

const PROVIDER: &str = "conductorone";

/// One generated page: its path under `docs/` and its text.
#[derive(Debug, PartialEq, Eq)]
pub struct Page {
    pub path: PathBuf,
    pub text: String,
}

/// Every page, from the provider's schemas, the `examples/` directory and
/// the `templates/index.md` prose.
pub fn generate(root: &Path) -> Result<Vec<Page>, String> {
    let p = ConductorOneProvider::new();
    let examples = root.join("examples");
    let mut pages = Vec::new();
    let template = read(&root.join("templates/index.md"))?;
    pages.push(Page {
        path: "index.md".into(),
        text: index_page(&template, &p.schema(), &examples)?,
    });
    for r in p.resources() {
        let name = r.type_name();
        let short = short_name(name);
        pages.push(Page {
            path: PathBuf::from("resources").join(format!("{short}.md")),
            text: object_page(
                name,
                "Resource",
                &r.schema(),
                &examples.join("resources").join(name),
                &notes(root, &format!("resources/{short}.md"))?,
            )?,
        });
    }
    let kinds = [
        ("data-sources", "Data Source", data_sources(&p)),
        ("list-resources", "List Resource", lists(&p)),
        ("actions", "Action", actions(&p)),
    ];
    for (dir, kind, items) in kinds {
        for (name, schema) in items {
            let short = short_name(name);
            pages.push(Page {
                path: PathBuf::from(dir).join(format!("{short}.md")),
                text: object_page(
                    name,
                    kind,
                    &schema,
                    &examples.join(dir).join(name),
                    &notes(root, &format!("{dir}/{short}.md"))?,
                )?,
            });
        }
    }
    Ok(pages)
}

type Named = Vec<(&'static str, Schema)>;

fn data_sources(p: &ConductorOneProvider) -> Named {
    let all = p.data_sources().into_iter();
    all.map(|d| (d.type_name(), d.schema())).collect()
}

fn lists(p: &ConductorOneProvider) -> Named {
    let all = p.list_resources().into_iter();
    all.map(|l| (l.type_name(), l.schema())).collect()
}

fn actions(p: &ConductorOneProvider) -> Named {
    let all = p.actions().into_iter();
    all.map(|a| (a.type_name(), a.schema())).collect()
}

/// Where the README's table of provider attributes starts and ends.
const TABLE_START: &str =
    "<!-- provider attributes: written by `make docs` from the provider schema -->";
const TABLE_END: &str = "<!-- end of provider attributes -->";

/// The README with its table of provider attributes generated from the
/// provider schema (between the two markers).
pub fn readme(root: &Path) -> Result<String, String> {
    let text = read(&root.join("README.md"))?;
    let start = text
        .find(TABLE_START)
        .ok_or("README.md has no attribute table start marker")?;
    let end = text
        .find(TABLE_END)
        .ok_or("README.md has no attribute table end marker")?;
    let table = readme_table(&ConductorOneProvider::new().schema());
    Ok(format!(
        "{}{TABLE_START}\n{table}{}",
        &text[..start],
        &text[end..]
    ))
}

fn readme_table(schema: &Schema) -> String {
    let mut out = String::from("| attribute | what it is |\n|---|---|\n");
    let mut attrs: Vec<&Attribute> = schema.attributes.iter().collect();
    attrs.sort_by_key(|a| a.name.as_str());
    for a in attrs {
        let sensitive = if a.sensitive { " (sensitive)" } else { "" };
        let desc = one_line(&a.description).replace('|', "\\|");
        let _ = writeln!(out, "| `{}`{sensitive} | {desc} |", a.name);
    }
    out
}

/// Writes every page under `docs_dir`, removing pages no schema has any more,
/// and the README's attribute table.
pub fn write(root: &Path, docs_dir: &Path) -> Result<usize, String> {
    let readme_text = readme(root)?;
    std::fs::write(root.join("README.md"), readme_text).map_err(|e| format!("README.md: {e}"))?;
    let pages = generate(root)?;
    for sub in ["resources", "data-sources", "list-resources", "actions"] {
        let dir = docs_dir.join(sub);
        if let Ok(entries) = std::fs::read_dir(&dir) {
            for e in entries.flatten() {
                let rel = PathBuf::from(sub).join(e.file_name());
                if !pages.iter().any(|p| p.path == rel) {
                    let _ = std::fs::remove_file(e.path());
                }
            }
        }
    }
    for page in &pages {
        let path = docs_dir.join(&page.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        std::fs::write(&path, &page.text).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(pages.len())
}

fn short_name(type_name: &str) -> &str {
    type_name
        .strip_prefix(PROVIDER)
        .and_then(|s| s.strip_prefix('_'))
        .unwrap_or(type_name)
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))
}

/// The first paragraph, on one line, for front matter.
fn summary(description: &str) -> String {
    description
        .split("\n\n")
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn hcl_block(text: &str) -> String {
    format!("```terraform\n{}\n```\n", text.trim_end())
}

fn index_page(template: &str, schema: &Schema, examples: &Path) -> Result<String, String> {
    let mut out = format!(
        "---\npage_title: \"{PROVIDER} Provider\"\ndescription: |-\n  {}\n---\n\n",
        summary(&schema.description)
    );
    let body = template
        .replace("{{description}}", schema.description.trim())
        .replace(
            "{{example}}",
            &hcl_block(&read(&examples.join("provider/provider.tf"))?),
        )
        .replace("{{schema}}", &schema_markdown(schema));
    out.push_str(body.trim_end());
    out.push('\n');
    Ok(out)
}

/// The prose of `templates/<page>`, when there is one, for after the schema;
/// `{{example:PATH}}` stands for the Terraform file `examples/PATH`, so that
/// every example shown is one the tests run.
fn notes(root: &Path, page: &str) -> Result<String, String> {
    let path = root.join("templates").join(page);
    if !path.exists() {
        return Ok(String::new());
    }
    let mut text = read(&path)?;
    while let Some(start) = text.find("{{example:") {
        let rest = &text[start + "{{example:".len()..];
        let end = rest
            .find("}}")
            .ok_or_else(|| format!("{page}: an unclosed {{{{example:"))?;
        let file = root.join("examples").join(rest[..end].trim());
        let block = hcl_block(&read(&file)?);
        let close = start + "{{example:".len() + end + 2;
        text.replace_range(start..close, block.trim_end());
    }
    Ok(text)
}

fn object_page(
    name: &str,
    kind: &str,
    schema: &Schema,
    examples: &Path,
    notes: &str,
) -> Result<String, String> {
    let mut out = format!(
        "---\npage_title: \"{name} {kind} - {PROVIDER}\"\nsubcategory: \"\"\ndescription: |-\n  {}\n---\n\n# {name} ({kind})\n\n{}\n\n## Example Usage\n\n",
        summary(&schema.description),
        schema.description.trim()
    );
    let example = match kind {
        "Resource" => "resource.tf",
        "List Resource" => "list-resource.tfquery.hcl",
        "Action" => "action.tf",
        _ => "data-source.tf",
    };
    out.push_str(&hcl_block(&read(&examples.join(example))?));
    out.push('\n');
    out.push_str(&schema_markdown(schema));
    if !notes.trim().is_empty() {
        out.push('\n');
        out.push_str(notes.trim_end());
        out.push('\n');
    }
    let import_sh = examples.join("import.sh");
    if import_sh.exists() {
        out.push_str("\n## Import\n\nImport is supported using the following syntax:\n\n");
        let before = examples.join("identity").join("resource.tf");
        if before.exists() {
            out.push_str(
                "Write the resource block first, with the connector's app and its name as ConductorOne has them \
                 (without `display_name`, the plan after the import would rename the connector to the default, \
                 `Segment`); owners and status are read from ConductorOne. Or let \
                 `terraform plan -generate-config-out=generated.tf` write the block from an `import` block \
                 (Terraform 1.5 and later).\n\n",
            );
            out.push_str(&hcl_block(&read(&before)?));
            out.push('\n');
        }
        let by_block = examples.join("import-by-block.tf");
        if by_block.exists() {
            out.push_str(
                "In Terraform v1.5.0 and later, use an `import` block to import a connector by its app and connector IDs. For example:\n\n",
            );
            out.push_str(&hcl_block(&read(&by_block)?));
            out.push_str("\nThe [`terraform import` command](https://developer.hashicorp.com/terraform/cli/commands/import) can also be used:\n\n");
        }
        out.push_str(&format!(
            "<!-- docs-test: skip: needs a connector of your tenant; tests/acceptance/docs.rs follows these steps against the sandbox -->\n```shell\n{}\n```\n",
            read(&import_sh)?.trim_end()
        ));
        let by_identity = examples.join("identity").join("import-by-identity.tf");
        if by_identity.exists() {
            out.push_str(
                "\nIn Terraform v1.12.0 and later, an `import` block can name the connector by its resource identity instead:\n\n",
            );
            out.push_str(&hcl_block(&read(&by_identity)?));
        }
    }
    Ok(out)
}

/// The `## Schema` section: required, optional and read-only attributes, then
/// a section for each nested object.
fn schema_markdown(schema: &Schema) -> String {
    let mut out = String::from("<!-- schema generated by docgen -->\n## Schema\n");
    let mut nested = Vec::new();
    attribute_groups(&schema.attributes, "", &mut out, &mut nested);
    while let Some((anchor, title, attrs)) = nested.pop() {
        let _ = write!(
            out,
            "\n<a id=\"{anchor}\"></a>\n### Nested Schema for `{title}`\n"
        );
        let mut more = Vec::new();
        attribute_groups(&attrs, &title, &mut out, &mut more);
        more.reverse();
        nested.extend(more);
    }
    out
}

type Nested = (String, String, Vec<Attribute>);
type Pick = fn(&Attribute) -> bool;

fn attribute_groups(attrs: &[Attribute], parent: &str, out: &mut String, nested: &mut Vec<Nested>) {
    let groups: [(&str, Pick); 3] = [
        ("Required", |a| a.required),
        ("Optional", |a| a.optional),
        ("Read-Only", |a| a.computed && !a.optional),
    ];
    let mut found = Vec::new();
    for (title, pick) in groups {
        let mut chosen: Vec<&Attribute> = attrs.iter().filter(|a| pick(a)).collect();
        if chosen.is_empty() {
            continue;
        }
        chosen.sort_by(|a, b| a.name.cmp(&b.name));
        let _ = write!(out, "\n### {title}\n\n");
        for a in chosen {
            let path = if parent.is_empty() {
                a.name.clone()
            } else {
                format!("{parent}.{}", a.name)
            };
            let anchor = format!("nestedatt--{}", path.replace('.', "--"));
            let _ = write!(
                out,
                "- `{}` ({}) {}",
                a.name,
                flags(a, &anchor),
                one_line(&a.description)
            );
            out.push('\n');
            if let AttributeType::Nested { attributes, .. } = &a.ty {
                found.push((anchor, path, attributes.clone()));
            }
        }
    }
    found.reverse();
    nested.extend(found);
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn flags(a: &Attribute, anchor: &str) -> String {
    let mut f = vec![type_name(a, anchor)];
    if a.sensitive {
        f.push("Sensitive".into());
    }
    if a.write_only {
        f.push("[Write-only](https://developer.hashicorp.com/terraform/language/resources/ephemeral#write-only-arguments)".into());
    }
    if a.deprecated.is_some() {
        f.push("Deprecated".into());
    }
    f.join(", ")
}

fn type_name(a: &Attribute, anchor: &str) -> String {
    match &a.ty {
        AttributeType::Type(t) => type_words(t),
        AttributeType::Nested { nesting, .. } => {
            let kind = match nesting {
                Nesting::Single => "Attributes",
                Nesting::List => "Attributes List",
                Nesting::Set => "Attributes Set",
                Nesting::Map => "Attributes Map",
            };
            format!("{kind}, see [below for nested schema](#{anchor})")
        }
    }
}

fn type_words(t: &Type) -> String {
    match t {
        Type::String => "String".into(),
        Type::Number => "Number".into(),
        Type::Bool => "Boolean".into(),
        Type::Dynamic => "Dynamic".into(),
        Type::List(e) => format!("List of {}", type_words(e)),
        Type::Set(e) => format!("Set of {}", type_words(e)),
        Type::Map(e) => format!("Map of {}", type_words(e)),
        Type::Object(_) => "Object".into(),
        Type::Tuple(_) => "Tuple".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
    }

    #[test]
    fn docs_are_up_to_date() {
        let pages = generate(&root()).unwrap();
        assert!(pages.len() >= 7);
        let mut stale = Vec::new();
        for p in &pages {
            let on_disk =
                std::fs::read_to_string(root().join("docs").join(&p.path)).unwrap_or_default();
            if on_disk != p.text {
                stale.push(p.path.display().to_string());
            }
        }
        let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
        if readme != super::readme(&root()).unwrap() {
            stale.push("README.md".into());
        }
        assert!(
            stale.is_empty(),
            "docs/ is stale ({}): run `make docs` and commit the result",
            stale.join(", ")
        );
    }

    #[test]
    fn pages_follow_the_registry_layout() {
        let pages = generate(&root()).unwrap();
        let page = |p: &str| &pages.iter().find(|x| x.path == Path::new(p)).unwrap().text;
        let res = page("resources/segment_integration.md");
        assert!(res.starts_with(
            "---\npage_title: \"conductorone_segment_integration Resource - conductorone\""
        ));
        assert!(res.contains("## Example Usage"));
        assert!(res.contains("### Optional"));
        assert!(res.contains("- `segment_access_token_wo` (String, Sensitive, [Write-only]"));
        assert!(res.contains("## Import"));
        assert!(res.contains("terraform import conductorone_segment_integration."));
        let groups = page("data-sources/segment_groups.md");
        assert!(groups.contains("### Nested Schema for `groups`"));
        assert!(groups.contains("### Nested Schema for `groups.permissions`"));
        assert!(page("index.md").contains("CONDUCTORONE_CLIENT_ID"));
    }

    #[test]
    fn a_changed_description_makes_the_docs_stale() {
        // What the staleness test compares: a schema whose description
        // changed renders differently.
        let p = ConductorOneProvider::new();
        let mut schema = p.resources()[0].schema();
        let before = schema_markdown(&schema);
        schema.attributes[0].description.push_str(" Changed.");
        assert_ne!(before, schema_markdown(&schema));
    }
}
