//! Line layout for the few generated constructs whose width depends on user names: type
//! annotations, class bases, decorator calls and the `desc()` lookup.
//!
//! The output must already be `ruff format`-stable, so these helpers reproduce the
//! formatter's choices for exactly these shapes (checked against ruff 0.17 on the
//! long-names corpus file): keep a line that fits in 88 columns; otherwise split a union
//! before each `|`, and "hug" a trailing bracket pair, putting its contents on their own
//! line one level deeper; if those contents still do not fit, one element per line with a
//! trailing comma. Everything else the templates emit is either short or already exploded
//! with a magic trailing comma, which the formatter keeps as it is.

use std::fmt::{self, Write};

pub const LINE_LIMIT: usize = 88;

/// Display width in columns; generated Python lines are ASCII except docstrings, which
/// the formatter never splits.
pub fn width(line: &str) -> usize {
    line.chars().count()
}

/// Writes `indent` spaces. The layout functions below write straight into the module
/// being rendered, so padding avoids `format!`'s machinery too.
pub fn pad<W: Write + ?Sized>(out: &mut W, indent: usize) -> fmt::Result {
    const SPACES: &str = "                                ";
    let mut left = indent;
    while left > 0 {
        let n = left.min(SPACES.len());
        out.write_str(&SPACES[..n])?;
        left -= n;
    }
    Ok(())
}

/// A type expression as the generator writes it. It borrows its names from the model:
/// signatures build several of these per RPC, so they must not allocate strings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TypeExpr<'a> {
    Name(&'a str),
    /// `Origin[arg, ...]`
    Generic(&'a str, Vec<TypeExpr<'a>>),
    /// `A | B | ...`
    Union(Vec<TypeExpr<'a>>),
}

impl<'a> TypeExpr<'a> {
    pub fn name(name: &'a str) -> Self {
        TypeExpr::Name(name)
    }

    pub fn generic(origin: &'a str, args: Vec<TypeExpr<'a>>) -> Self {
        TypeExpr::Generic(origin, args)
    }

    pub fn flat(&self) -> String {
        let mut out = String::new();
        let _ = self.write_flat(&mut out);
        out
    }

    /// The width of [`TypeExpr::flat`], without building it.
    pub fn flat_width(&self) -> usize {
        self.flat_size(width)
    }

    /// The length of [`TypeExpr::flat`] in bytes, never less than its width.
    fn flat_len(&self) -> usize {
        self.flat_size(str::len)
    }

    fn flat_size(&self, size: fn(&str) -> usize) -> usize {
        match self {
            TypeExpr::Name(name) => size(name),
            TypeExpr::Generic(origin, args) => size(origin) + 2 + list_size(args, 2, size),
            TypeExpr::Union(parts) => list_size(parts, 3, size),
        }
    }

    fn write_flat<W: Write + ?Sized>(&self, out: &mut W) -> fmt::Result {
        match self {
            TypeExpr::Name(name) => out.write_str(name),
            TypeExpr::Generic(origin, args) => {
                out.write_str(origin)?;
                out.write_char('[')?;
                write_list(out, args, ", ")?;
                out.write_char(']')
            }
            TypeExpr::Union(parts) => write_list(out, parts, " | "),
        }
    }
}

/// The size of `items` written flat with a separator of `separator` columns.
fn list_size(items: &[TypeExpr], separator: usize, size: fn(&str) -> usize) -> usize {
    items.iter().map(|i| i.flat_size(size)).sum::<usize>()
        + separator * items.len().saturating_sub(1)
}

fn write_list<W: Write + ?Sized>(out: &mut W, items: &[TypeExpr], separator: &str) -> fmt::Result {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.write_str(separator)?;
        }
        item.write_flat(out)?;
    }
    Ok(())
}

/// Writes `{indent}{prefix}{expr}{suffix}` as one or more lines, each ending in `\n`.
pub fn write_expr<W: Write + ?Sized>(
    out: &mut W,
    indent: usize,
    prefix: &str,
    expr: &TypeExpr,
    suffix: &str,
) -> fmt::Result {
    write_labeled_expr(out, indent, "", prefix, expr, suffix)
}

/// [`write_expr`] with the prefix in two parts, `{label}{prefix}`: a declaration's name
/// and its `: `, without building the joined string for every RPC.
pub fn write_labeled_expr<W: Write + ?Sized>(
    out: &mut W,
    indent: usize,
    label: &str,
    prefix: &str,
    expr: &TypeExpr,
    suffix: &str,
) -> fmt::Result {
    // Counting characters is the slow part, and needed only when the bytes do not fit.
    let fits = indent + label.len() + prefix.len() + expr.flat_len() + suffix.len() <= LINE_LIMIT
        || indent + width(label) + width(prefix) + expr.flat_width() + width(suffix) <= LINE_LIMIT;
    match expr {
        TypeExpr::Union(parts) if !fits => {
            let last = parts.len() - 1;
            for (i, part) in parts.iter().enumerate() {
                let (part_label, part_prefix) = if i == 0 { (label, prefix) } else { ("", "| ") };
                let part_suffix = if i == last { suffix } else { "" };
                write_labeled_expr(out, indent, part_label, part_prefix, part, part_suffix)?;
            }
            Ok(())
        }
        TypeExpr::Generic(origin, args) if !fits => {
            let head = format!("{label}{prefix}{origin}[");
            write_hugged(out, indent, &head, args, &format!("]{suffix}"))
        }
        // It fits, or it is an atom, which cannot be split: the formatter leaves it long.
        _ => {
            pad(out, indent)?;
            out.write_str(label)?;
            out.write_str(prefix)?;
            expr.write_flat(out)?;
            out.write_str(suffix)?;
            out.write_char('\n')
        }
    }
}

/// Writes `{head}` + elements + `{tail}` with the elements hugged one level deeper:
/// on one line if they fit, else one per line with a trailing comma. A single element
/// is laid out recursively instead, since a trailing comma would change its meaning.
pub fn write_hugged<W: Write + ?Sized>(
    out: &mut W,
    indent: usize,
    head: &str,
    args: &[TypeExpr],
    tail: &str,
) -> fmt::Result {
    pad(out, indent)?;
    out.write_str(head)?;
    out.write_char('\n')?;
    let inner = indent + 4;
    if let [only] = args {
        write_expr(out, inner, "", only, "")?;
    } else if inner + list_size(args, 2, width) <= LINE_LIMIT {
        pad(out, inner)?;
        write_list(out, args, ", ")?;
        out.write_char('\n')?;
    } else {
        for arg in args {
            write_expr(out, inner, "", arg, ",")?;
        }
    }
    pad(out, indent)?;
    out.write_str(tail)?;
    out.write_char('\n')
}

/// `class Name(Base):`, hugging the base when the line is too long. No final newline:
/// the class templates place the line breaks around it.
pub fn class_header(name: &str, base: &TypeExpr) -> String {
    let line = format!("class {name}({}):", base.flat());
    if width(&line) <= LINE_LIMIT {
        return line;
    }
    let mut out = String::new();
    let _ = write_hugged(
        &mut out,
        0,
        &format!("class {name}("),
        std::slice::from_ref(base),
        "):",
    );
    out.pop();
    out
}

/// `@deprecated("message")` at `indent`, hugging the string when the line is too long.
pub fn decorator_call(indent: usize, decorator: &str, message: &str) -> String {
    let literal = python_string_literal(message);
    let line = format!("{:indent$}@{decorator}({literal})", "");
    if width(&line) <= LINE_LIMIT {
        return line + "\n";
    }
    let inner = indent + 4;
    format!(
        "{:indent$}@{decorator}(\n{:inner$}{literal}\n{:indent$})\n",
        "", "", ""
    )
}

/// The body line of the protobuf-py `desc()` lookup: a `next(...)` over a generator, laid
/// out flat, hugged, or split at `for` / `if` as the formatter does.
pub fn desc_lookup(indent: usize, module: &str, type_name: &str) -> String {
    let literal = python_string_literal(type_name);
    let generator_parts = [
        "s".to_owned(),
        format!("for s in {module}.desc().services"),
        format!("if s.type_name == {literal}"),
    ];
    let generator = generator_parts.join(" ");
    let flat = format!("{:indent$}return next({generator})", "");
    if width(&flat) <= LINE_LIMIT {
        return flat + "\n";
    }
    let inner = indent + 4;
    let mut out = format!("{:indent$}return next(\n", "");
    if inner + width(&generator) <= LINE_LIMIT {
        let _ = writeln!(out, "{:inner$}{generator}", "");
    } else {
        for part in &generator_parts[..2] {
            let _ = writeln!(out, "{:inner$}{part}", "");
        }
        // The condition splits before `==` when it is still too long on its own line.
        if inner + width(&generator_parts[2]) <= LINE_LIMIT {
            let _ = writeln!(out, "{:inner$}{}", "", generator_parts[2]);
        } else {
            let _ = writeln!(
                out,
                "{:inner$}if s.type_name\n{:inner$}== {literal}",
                "", ""
            );
        }
    }
    let _ = writeln!(out, "{:indent$})", "");
    out
}

/// A double-quoted Python string literal, as `ruff format` prefers. Proto names are ASCII
/// identifiers and dots, so escaping only guards against the impossible.
pub fn python_string_literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `if {left} == "{literal}":` at `indent`, ending in a newline: on one line when it fits,
/// else with the comparison split at `==` inside parentheses, as `ruff format` does.
pub fn if_equals(indent: usize, left: &str, literal: &str) -> String {
    let literal = python_string_literal(literal);
    let line = format!("{:indent$}if {left} == {literal}:", "");
    if width(&line) <= LINE_LIMIT {
        return line + "\n";
    }
    let inner = indent + 4;
    format!(
        "{:indent$}if (\n{:inner$}{left}\n{:inner$}== {literal}\n{:indent$}):\n",
        "", "", "", ""
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx<'a>(a: &'a str, b: &'a str) -> TypeExpr<'a> {
        TypeExpr::generic("RequestContext", vec![TypeExpr::name(a), TypeExpr::name(b)])
    }

    fn lines(f: impl FnOnce(&mut String) -> fmt::Result) -> String {
        let mut out = String::new();
        f(&mut out).unwrap();
        out
    }

    // Expected layouts below are what `ruff format` 0.17 produced for the same lines.

    #[test]
    fn short_annotations_stay_on_one_line() {
        let out = lines(|o| write_expr(o, 8, "ctx: ", &ctx("SayRequest", "SayResponse"), ","));
        assert_eq!(
            out,
            "        ctx: RequestContext[SayRequest, SayResponse],\n"
        );
    }

    #[test]
    fn long_generic_hugs_its_arguments() {
        let expr = ctx(
            "AVeryLongRequestMessageNameThatGoes",
            "AVeryLongResponseMessageName",
        );
        let out = lines(|o| write_expr(o, 8, "ctx: ", &expr, ","));
        assert_eq!(
            out,
            "        ctx: RequestContext[\n            AVeryLongRequestMessageNameThatGoes, AVeryLongResponseMessageName\n        ],\n"
        );
    }

    #[test]
    fn longer_generic_puts_one_argument_per_line() {
        let expr = ctx(
            "AVeryLongRequestMessageNameThatGoesOn",
            "AVeryLongResponseMessageNameThatGoesOn",
        );
        let out = lines(|o| write_expr(o, 8, "ctx: ", &expr, ","));
        assert_eq!(
            out,
            "        ctx: RequestContext[\n            AVeryLongRequestMessageNameThatGoesOn,\n            AVeryLongResponseMessageNameThatGoesOn,\n        ],\n"
        );
    }

    #[test]
    fn a_label_counts_as_part_of_the_prefix() {
        let expr = TypeExpr::generic(
            "MethodInfo",
            vec![
                TypeExpr::name("AVeryLongRequestMessageName"),
                TypeExpr::name("AVeryLongResponseMessageName"),
            ],
        );
        let label = "a_service_with_a_long_name_say";
        let labeled = lines(|o| write_labeled_expr(o, 8, label, ": ", &expr, ""));
        let joined = lines(|o| write_expr(o, 8, &format!("{label}: "), &expr, ""));
        assert_eq!(labeled, joined);
        assert_eq!(
            labeled,
            "        a_service_with_a_long_name_say: MethodInfo[\n            AVeryLongRequestMessageName, AVeryLongResponseMessageName\n        ]\n"
        );
    }

    #[test]
    fn long_union_splits_before_each_bar() {
        let service = "VeryLongServiceNameForTestingPurposesServi";
        let expr = TypeExpr::Union(vec![
            TypeExpr::name(service),
            TypeExpr::generic("AsyncGenerator", vec![TypeExpr::name("VeryLongSer")]),
        ]);
        let out = lines(|o| write_expr(o, 8, "service: ", &expr, ","));
        assert_eq!(
            out,
            format!("        service: {service}\n        | AsyncGenerator[VeryLongSer],\n")
        );
    }

    #[test]
    fn long_class_base_hugs_recursively() {
        let base = TypeExpr::generic(
            "ConnectASGIApplication",
            vec![TypeExpr::name(
                "VeryLongServiceNameForTestingPurposesServiceXXXXXXXXXXXXXXXXXXXXX",
            )],
        );
        let out = class_header(
            "VeryLongServiceNameForTestingPurposesServiceASGIApplication",
            &base,
        );
        assert_eq!(
            out,
            "class VeryLongServiceNameForTestingPurposesServiceASGIApplication(\n    ConnectASGIApplication[\n        VeryLongServiceNameForTestingPurposesServiceXXXXXXXXXXXXXXXXXXXXX\n    ]\n):"
        );
    }

    #[test]
    fn desc_lookup_has_three_layouts() {
        assert_eq!(
            desc_lookup(8, "x_pb", "eliza.v1.ElizaService"),
            "        return next(\n            s for s in x_pb.desc().services if s.type_name == \"eliza.v1.ElizaService\"\n        )\n"
        );
        let out = desc_lookup(8, "very_long_module_name_pb", "a.b.c.VeryLongService");
        assert_eq!(
            out,
            "        return next(\n            s\n            for s in very_long_module_name_pb.desc().services\n            if s.type_name == \"a.b.c.VeryLongService\"\n        )\n"
        );
        let long = "layout.v1.long_package_name.AServiceWhoseNameIsLongEnoughToWrap";
        assert_eq!(
            desc_lookup(8, "x_pb", long),
            format!(
                "        return next(\n            s\n            for s in x_pb.desc().services\n            if s.type_name\n            == \"{long}\"\n        )\n"
            )
        );
        assert_eq!(
            desc_lookup(8, "x_pb", "a.B"),
            "        return next(s for s in x_pb.desc().services if s.type_name == \"a.B\")\n"
        );
    }

    #[test]
    fn long_comparisons_split_at_the_operator() {
        assert_eq!(
            if_equals(4, "__name__", "a.b_connect"),
            "    if __name__ == \"a.b_connect\":\n"
        );
        let long = "a".repeat(70);
        assert_eq!(
            if_equals(4, "__name__", &long),
            format!("    if (\n        __name__\n        == \"{long}\"\n    ):\n")
        );
    }

    #[test]
    fn long_decorator_hugs_its_message() {
        let out = decorator_call(
            4,
            "deprecated",
            "The RPC very.long.package.name.v1.VeryLongServiceName.Method is deprecated.",
        );
        assert_eq!(
            out,
            "    @deprecated(\n        \"The RPC very.long.package.name.v1.VeryLongServiceName.Method is deprecated.\"\n    )\n"
        );
    }
}
