//! Line layout for the generated constructs whose width depends on user names: type
//! annotations, class headers, decorator calls, returned strings, the `desc()` lookup
//! and assignments that carry a pragma comment.
//!
//! The output must already be `ruff format`-stable, so these helpers reproduce the
//! formatter's choices for exactly these shapes, as ruff 0.17.5 makes them (the layout
//! sweep, `tests/python/layout_sweep`, checks every one at every width): keep a line that
//! fits in 88 columns; otherwise split a union before each `|`, and "hug" a trailing
//! bracket pair, putting its contents on their own line one level deeper; if those
//! contents still do not fit, one element per line with a trailing comma. Where the
//! statement allows it, ruff instead puts the whole value in parentheses of its own when
//! that makes it fit ([`Position`], [`return_string`]). Everything else the templates
//! emit is either short or already exploded with a magic trailing comma, which the
//! formatter keeps as it is.

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

/// Where an annotation stands. Each position has its own rule in `ruff format` for an
/// annotation too long for its line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Position {
    /// A parameter of a parameter list that is already one parameter per line
    /// (`request: T,`), or anything else inside brackets: a subscript hugs its brackets,
    /// a union splits before each `|`, a name stays long. Never parenthesized.
    Parameter,
    /// A return annotation after such a parameter list (`) -> T:`). A subscript hugs as
    /// in [`Position::Parameter`]; a name, dotted or not, is parenthesized when that
    /// makes it fit (`) -> (` / name / `):`).
    Return,
    /// An annotated declaration without a value (`name: T`): a subscript hugs when the
    /// line that opens its bracket fits; else the annotation is parenthesized
    /// (`name: (` / annotation / `)`) when every line of that fits; else it hugs anyway.
    /// A name is parenthesized when that makes it fit; a union always is.
    Declaration,
}

/// Writes `{indent}{label}{prefix}{expr}{suffix}` as one or more lines, each ending in
/// `\n`, laid out as `ruff format` lays out an annotation at `position`. The label is a
/// declaration's name, kept apart from its `: ` so no joined string is built per RPC.
pub fn write_annotation<W: Write + ?Sized>(
    out: &mut W,
    position: Position,
    indent: usize,
    label: &str,
    prefix: &str,
    expr: &TypeExpr,
    suffix: &str,
) -> fmt::Result {
    if position == Position::Parameter || fits_flat(indent, label, prefix, expr, suffix) {
        return write_labeled_expr(out, indent, label, prefix, expr, suffix);
    }
    // The line `{label}{prefix}(`.
    let opens_fit = || indent + width(label) + width(prefix) + "(".len() <= LINE_LIMIT;
    let parenthesize = match (position, expr) {
        (Position::Return, TypeExpr::Name(name)) => indent + 4 + width(name) <= LINE_LIMIT,
        (Position::Declaration, TypeExpr::Generic(origin, _)) => {
            indent + width(label) + width(prefix) + width(origin) + 1 > LINE_LIMIT
                && opens_fit()
                && fits_in_parentheses(indent, expr)
        }
        (Position::Declaration, TypeExpr::Name(_)) => {
            opens_fit() && fits_in_parentheses(indent, expr)
        }
        // Outside brackets a union can only split inside parentheses of its own.
        (Position::Declaration, TypeExpr::Union(_)) => true,
        _ => false,
    };
    if !parenthesize {
        return write_labeled_expr(out, indent, label, prefix, expr, suffix);
    }
    pad(out, indent)?;
    out.write_str(label)?;
    out.write_str(prefix)?;
    out.write_str("(\n")?;
    write_expr(out, indent + 4, "", expr, "")?;
    pad(out, indent)?;
    out.write_char(')')?;
    out.write_str(suffix)?;
    out.write_char('\n')
}

fn fits_flat(indent: usize, label: &str, prefix: &str, expr: &TypeExpr, suffix: &str) -> bool {
    // Counting characters is the slow part, and needed only when the bytes do not fit.
    indent + label.len() + prefix.len() + expr.flat_len() + suffix.len() <= LINE_LIMIT
        || indent + width(label) + width(prefix) + expr.flat_width() + width(suffix) <= LINE_LIMIT
}

/// Whether every line of `expr` fits when it is laid out inside parentheses opened at
/// `indent`. Only asked of annotations already too long for their line, so rare.
fn fits_in_parentheses(indent: usize, expr: &TypeExpr) -> bool {
    let mut inside = String::new();
    let _ = write_expr(&mut inside, indent + 4, "", expr, "");
    inside.lines().all(|line| width(line) <= LINE_LIMIT)
}

/// Writes `{indent}{prefix}{expr}{suffix}` as one or more lines, each ending in `\n`,
/// laid out as inside brackets (see [`Position::Parameter`]).
pub fn write_expr<W: Write + ?Sized>(
    out: &mut W,
    indent: usize,
    prefix: &str,
    expr: &TypeExpr,
    suffix: &str,
) -> fmt::Result {
    write_labeled_expr(out, indent, "", prefix, expr, suffix)
}

/// [`write_expr`] with the prefix in two parts, `{label}{prefix}`.
fn write_labeled_expr<W: Write + ?Sized>(
    out: &mut W,
    indent: usize,
    label: &str,
    prefix: &str,
    expr: &TypeExpr,
    suffix: &str,
) -> fmt::Result {
    let fits = fits_flat(indent, label, prefix, expr, suffix);
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

/// `return "{text}"` at `indent`, ending in a newline: parenthesized, the string on a
/// line of its own, when the line is too long but the string then fits; else on one
/// line, however long (`ruff format` never splits a string).
pub fn return_string(indent: usize, text: &str) -> String {
    let literal = python_string_literal(text);
    let line = format!("{:indent$}return {literal}", "");
    let inner = indent + 4;
    if width(&line) <= LINE_LIMIT || inner + width(&literal) > LINE_LIMIT {
        return line + "\n";
    }
    format!(
        "{:indent$}return (\n{:inner$}{literal}\n{:indent$})\n",
        "", "", ""
    )
}

/// `{target} = {value}  {pragma}` at module level, ending in a newline. `ruff format`
/// leaves a pragma comment (`# noqa`, `# pyright:`) out of the line's width, and when the
/// code alone is too long it parenthesizes the value and moves the comment after the `)`,
/// where a `# noqa` no longer covers the value's line. So a line too long is written with
/// the comment inside the parentheses, beside the value: the formatter keeps
/// parentheses that hold a comment as they are.
pub fn pragma_assignment(target: &str, value: &str, pragma: &str) -> String {
    if width(target) + 3 + width(value) <= LINE_LIMIT {
        format!("{target} = {value}  {pragma}\n")
    } else {
        format!("{target} = (\n    {value}  {pragma}\n)\n")
    }
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
        let labeled =
            lines(|o| write_annotation(o, Position::Declaration, 8, label, ": ", &expr, ""));
        let joined = lines(|o| write_expr(o, 8, &format!("{label}: "), &expr, ""));
        assert_eq!(labeled, joined);
        assert_eq!(
            labeled,
            "        a_service_with_a_long_name_say: MethodInfo[\n            AVeryLongRequestMessageName, AVeryLongResponseMessageName\n        ]\n"
        );
    }

    /// `{label}: MethodInfo[{a}, {b}]` declared at indent 8.
    fn declaration(label: &str, a: &str, b: &str) -> String {
        let expr = TypeExpr::generic("MethodInfo", vec![TypeExpr::name(a), TypeExpr::name(b)]);
        lines(|o| write_annotation(o, Position::Declaration, 8, label, ": ", &expr, ""))
    }

    #[test]
    fn declaration_hugs_while_its_bracket_opens_within_the_line() {
        let label = "a".repeat(67);
        assert_eq!(
            declaration(&label, "SomeRequest", "SomeResponse"),
            format!(
                "        {label}: MethodInfo[\n            SomeRequest, SomeResponse\n        ]\n"
            )
        );
        // The first line is all that must fit: the arguments may not.
        let label = "a".repeat(60);
        let long = "R".repeat(80);
        assert_eq!(
            declaration(&label, &long, "PPPPPPPPPP"),
            format!(
                "        {label}: MethodInfo[\n            {long},\n            PPPPPPPPPP,\n        ]\n"
            )
        );
    }

    #[test]
    fn declaration_is_parenthesized_when_its_bracket_opens_too_late() {
        for n in [69, 77] {
            let label = "a".repeat(n);
            assert_eq!(
                declaration(&label, "SomeRequest", "SomeResponse"),
                format!(
                    "        {label}: (\n            MethodInfo[SomeRequest, SomeResponse]\n        )\n"
                )
            );
        }
        // Inside the parentheses the annotation is laid out as inside any brackets.
        let (label, a, b) = ("a".repeat(70), "R".repeat(40), "P".repeat(40));
        assert_eq!(
            declaration(&label, &a, &b),
            format!(
                "        {label}: (\n            MethodInfo[\n                {a},\n                {b},\n            ]\n        )\n"
            )
        );
    }

    #[test]
    fn declaration_hugs_when_parentheses_do_not_make_it_fit() {
        // `name: (` itself is too long.
        let label = "a".repeat(78);
        assert_eq!(
            declaration(&label, "SomeRequest", "SomeResponse"),
            format!(
                "        {label}: MethodInfo[\n            SomeRequest, SomeResponse\n        ]\n"
            )
        );
        // An argument does not fit even inside the parentheses.
        let (label, a) = ("a".repeat(70), "R".repeat(75));
        assert_eq!(
            declaration(&label, &a, "PPPP"),
            format!(
                "        {label}: MethodInfo[\n            {a},\n            PPPP,\n        ]\n"
            )
        );
    }

    #[test]
    fn declared_names_and_unions_are_parenthesized() {
        let (label, name) = ("a".repeat(10), "N".repeat(70));
        assert_eq!(
            lines(|o| write_annotation(
                o,
                Position::Declaration,
                8,
                &label,
                ": ",
                &TypeExpr::name(&name),
                ""
            )),
            format!("        {label}: (\n            {name}\n        )\n")
        );
        let (label, a, b) = ("a".repeat(80), "N".repeat(70), "M".repeat(30));
        let union = TypeExpr::Union(vec![TypeExpr::name(&a), TypeExpr::name(&b)]);
        assert_eq!(
            lines(|o| write_annotation(o, Position::Declaration, 8, &label, ": ", &union, "")),
            format!("        {label}: (\n            {a}\n            | {b}\n        )\n")
        );
    }

    #[test]
    fn return_name_is_parenthesized_when_that_makes_it_fit() {
        let returns = |name: &str| {
            lines(|o| {
                write_annotation(
                    o,
                    Position::Return,
                    4,
                    "",
                    ") -> ",
                    &TypeExpr::name(name),
                    ":",
                )
            })
        };
        for name in ["P".repeat(79), format!("{}.U", "T".repeat(77))] {
            assert_eq!(
                returns(&name),
                format!("    ) -> (\n        {name}\n    ):\n")
            );
        }
        let name = "P".repeat(81);
        assert_eq!(returns(&name), format!("    ) -> {name}:\n"));
        let name = "P".repeat(78);
        assert_eq!(returns(&name), format!("    ) -> {name}:\n"));
        // A subscript hugs its brackets instead.
        let name = "P".repeat(65);
        let expr = TypeExpr::generic("AsyncIterator", vec![TypeExpr::name(&name)]);
        assert_eq!(
            lines(|o| write_annotation(o, Position::Return, 4, "", ") -> ", &expr, ":")),
            format!("    ) -> AsyncIterator[\n        {name}\n    ]:\n")
        );
    }

    #[test]
    fn parameters_are_never_parenthesized() {
        let name = "P".repeat(79);
        assert_eq!(
            lines(|o| write_annotation(
                o,
                Position::Parameter,
                8,
                "",
                "request: ",
                &TypeExpr::name(&name),
                ","
            )),
            format!("        request: {name},\n")
        );
    }

    #[test]
    fn returned_string_is_parenthesized_when_that_makes_it_fit() {
        for n in [71, 73] {
            let path = format!("/{}", "a".repeat(n));
            assert_eq!(
                return_string(8, &path),
                format!("        return (\n            \"{path}\"\n        )\n")
            );
        }
        for n in [70, 74] {
            let path = format!("/{}", "a".repeat(n));
            assert_eq!(
                return_string(8, &path),
                format!("        return \"{path}\"\n")
            );
        }
    }

    #[test]
    fn pragma_comments_do_not_count_and_stay_with_the_value() {
        let outer = "T".repeat(40);
        // 88 columns of code, however long the comment.
        let (target, value) = (format!("{outer}_V"), format!("{outer}._V"));
        let pragma = "# noqa: SLF001  # pyright: ignore[reportPrivateUsage]";
        assert_eq!(
            pragma_assignment(&target, &value, pragma),
            format!("{target} = {value}  {pragma}\n")
        );
        // 89: ruff would write `)  # noqa: SLF001` on a line of its own.
        let (target, value) = (format!("{outer}__V"), format!("{outer}._V"));
        assert_eq!(
            pragma_assignment(&target, &value, "# noqa: SLF001"),
            format!("{target} = (\n    {value}  # noqa: SLF001\n)\n")
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
