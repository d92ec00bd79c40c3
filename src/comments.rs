//! Docstrings from proto comments.
//!
//! The text is protoc-gen-connectrpc's: the leading comment, then (after a blank line) the
//! trailing one, each right-stripped, split with Python's `splitlines` semantics and with
//! one space removed after `//`. The docstring is then written so that
//! `inspect.cleandoc` gives back exactly that text, as it shows at column 0 (tabs
//! expanded to 8-column stops, the common indentation removed), and so that `ruff format`
//! leaves it as it is and `ruff check` finds nothing:
//!
//! - tabs are expanded (ruff would expand them relative to the docstring's indentation,
//!   which moves their stops) and the common indentation is removed (ruff would
//!   re-indent it away);
//! - escapes keep what ruff would strip or flag: backslashes, `"""`, control characters
//!   (a NUL would not even compile), the invisible characters ruff reports (zero-width
//!   space, bidirectional controls, BOM), a whitespace character ending a line (ruff
//!   strips trailing whitespace) and any indentation that is not a plain space (ruff
//!   re-indents it);
//! - characters that ruff's RUF002 calls ambiguous (`’`, `–`, a no-break space, Cyrillic
//!   letters inside Latin words, ...) stay as written: the docstring is marked so that
//!   its closing line carries `# noqa: RUF002`, ruff's narrowest suppression for a
//!   multi-line string.
//!
//! Comments that are not UTF-8 are decoded lossily, as an editor shows them.

use std::borrow::Cow;
use std::fmt::Write;

use crate::confusables::flags_ambiguous_characters;
use crate::fast_hash::FastMap;
use crate::plugin_proto::{WireError, scan_locations};

/// `FileDescriptorProto.service` and `ServiceDescriptorProto.method` field numbers, the
/// steps of a source-code-info path to a service or a method.
const SERVICE_FIELD: i32 = 6;
const METHOD_FIELD: i32 = 2;

/// A service index, and a method index within it for a method's comments.
type ElementKey = (i32, Option<i32>);
/// The leading and the trailing comment, borrowed from the file's `source_code_info`.
type CommentPair<'a> = (Option<&'a [u8]>, Option<&'a [u8]>);

/// A docstring's body, ready to print between triple quotes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Doc {
    /// The lines, escaped for a non-raw string, without the docstring's indentation.
    pub lines: Vec<String>,
    /// The text holds characters that ruff's RUF002 reports.
    pub ambiguous: bool,
}

impl Doc {
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }
}

/// Comments of the services and methods of one file, looked up by index.
#[derive(Default)]
pub struct Comments<'a> {
    by_path: FastMap<ElementKey, CommentPair<'a>>,
}

impl<'a> Comments<'a> {
    /// Collects the comments from a file's encoded `source_code_info`.
    pub fn new(info: Option<&'a [u8]>) -> Result<Self, WireError> {
        let mut by_path = FastMap::default();
        scan_locations(info.unwrap_or_default(), |location| {
            let key = match *location.path {
                [SERVICE_FIELD, service] => (service, None),
                [SERVICE_FIELD, service, METHOD_FIELD, method] => (service, Some(method)),
                _ => return,
            };
            // The first location for a path wins, as in the reference.
            by_path
                .entry(key)
                .or_insert((location.leading_comments, location.trailing_comments));
        })?;
        Ok(Comments { by_path })
    }

    pub fn service(&self, service: usize) -> Doc {
        self.doc((service as i32, None))
    }

    pub fn method(&self, service: usize, method: usize) -> Doc {
        self.doc((service as i32, Some(method as i32)))
    }

    fn doc(&self, key: ElementKey) -> Doc {
        match self.by_path.get(&key) {
            Some((leading, trailing)) => docstring(leading.map(decode), trailing.map(decode)),
            None => Doc::default(),
        }
    }
}

/// A comment as text: UTF-8 as it should be, else decoded lossily (the fast check first,
/// since nearly every comment is valid).
fn decode(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(bytes),
    }
}

/// The docstring for a leading and a trailing comment.
pub fn docstring(leading: Option<Cow<str>>, trailing: Option<Cow<str>>) -> Doc {
    let lines = reference_lines(leading.as_deref(), trailing.as_deref());
    let lines = dedent(lines.iter().map(|line| expand_tabs(line)).collect());
    let mut doc = Doc {
        lines: Vec::with_capacity(lines.len()),
        ambiguous: false,
    };
    for line in &lines {
        let escaped = escape_line(line);
        doc.ambiguous |= flags_ambiguous_characters(&escaped);
        doc.lines.push(escaped);
    }
    doc
}

/// The comment's lines as protobuf-py's `DescComments.lines()` gives them to the
/// reference: each comment right-stripped, split into lines, one leading space removed.
pub fn reference_lines<'c>(leading: Option<&'c str>, trailing: Option<&'c str>) -> Vec<&'c str> {
    let mut lines = Vec::new();
    let add = |comment: &'c str, lines: &mut Vec<&'c str>| {
        let text = comment.trim_end_matches(is_python_space);
        lines.extend(
            split_lines(text)
                .into_iter()
                .map(|line| line.strip_prefix(' ').unwrap_or(line)),
        );
    };
    if let Some(leading) = leading.filter(|c| !c.is_empty()) {
        add(leading, &mut lines);
    }
    if let Some(trailing) = trailing.filter(|c| !c.is_empty()) {
        if !lines.is_empty() {
            lines.push("");
        }
        add(trailing, &mut lines);
    }
    lines
}

/// Python's `str.isspace`: Unicode whitespace plus the information separators.
fn is_python_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Python's `str.splitlines` boundaries.
fn is_line_boundary(c: char) -> bool {
    matches!(
        c,
        '\n' | '\r'
            | '\u{0b}'
            | '\u{0c}'
            | '\u{1c}'
            | '\u{1d}'
            | '\u{1e}'
            | '\u{85}'
            | '\u{2028}'
            | '\u{2029}'
    )
}

/// Python's `str.splitlines()`.
fn split_lines(text: &str) -> Vec<&str> {
    let bytes = text.as_bytes();
    let mut lines = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        // Every boundary is an ASCII control or starts with 0xC2 (U+0085) or 0xE2
        // (U+2028, U+2029), bytes that only begin characters, so the rest of the text is
        // skipped byte by byte without decoding it.
        let c = match bytes[i] {
            0..0x20 => char::from(bytes[i]),
            0xc2 | 0xe2 => text[i..].chars().next().unwrap_or_default(),
            _ => '\0',
        };
        if !is_line_boundary(c) {
            i += 1;
            continue;
        }
        lines.push(&text[start..i]);
        i += c.len_utf8();
        if c == '\r' && bytes.get(i) == Some(&b'\n') {
            i += 1;
        }
        start = i;
    }
    if start < text.len() {
        lines.push(&text[start..]);
    }
    lines
}

/// Python's `str.expandtabs()`: each tab up to the next multiple of 8 columns, counted
/// in characters from the start of the line.
fn expand_tabs(line: &str) -> Cow<'_, str> {
    if !line.contains('\t') {
        return Cow::Borrowed(line);
    }
    let mut out = String::with_capacity(line.len() + 8);
    let mut column = 0;
    for c in line.chars() {
        if c == '\t' {
            let spaces = 8 - column % 8;
            out.extend(std::iter::repeat_n(' ', spaces));
            column += spaces;
        } else {
            out.push(c);
            column += 1;
        }
    }
    Cow::Owned(out)
}

/// Removes the spaces common to the lines that have text (tabs are expanded already), as
/// `inspect.cleandoc` does; lines of only spaces lose at most that much. Only plain
/// spaces count as indentation: the `cleandoc` of Python 3.11 and 3.12 also strips other
/// leading whitespace (a no-break space, U+202F, ...) but that of 3.13 keeps it as text,
/// so removing it here would lose text on 3.13. Kept (and escaped), it is read as each
/// Python reads the comment itself: the common spaces plus, before 3.13, the rest of the
/// common whitespace are stripped there.
fn dedent(lines: Vec<Cow<'_, str>>) -> Vec<Cow<'_, str>> {
    let indentation = |line: &str| line.bytes().take_while(|b| *b == b' ').count();
    let margin = lines
        .iter()
        .filter(|line| !line.bytes().all(|b| b == b' '))
        .map(|line| indentation(line))
        .min()
        .unwrap_or(0);
    if margin == 0 {
        return lines;
    }
    lines
        .into_iter()
        .map(|line| {
            // Every line has at least `margin` leading spaces (one byte each), or is
            // all spaces.
            let cut = margin.min(line.len());
            match line {
                Cow::Borrowed(line) => Cow::Borrowed(&line[cut..]),
                Cow::Owned(line) => Cow::Owned(line[cut..].to_owned()),
            }
        })
        .collect()
}

/// Characters that are kept only as escapes: controls, and the invisible characters
/// ruff reports in strings (PLE2515 zero-width space, PLE2502 bidirectional controls),
/// with the byte order mark.
fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{200b}' | '\u{200f}' | '\u{061c}' | '\u{feff}' | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
        )
}

/// Whitespace as either Python or ruff sees it.
fn is_any_space(c: char) -> bool {
    is_python_space(c) || c.is_whitespace()
}

fn push_escape(out: &mut String, c: char) {
    let code = c as u32;
    let _ = match code {
        0..=0xff => write!(out, "\\x{code:02x}"),
        0x100..=0xffff => write!(out, "\\u{code:04x}"),
        _ => write!(out, "\\U{code:08x}"),
    };
}

/// One docstring line as source text of a non-raw triple-quoted string.
fn escape_line(line: &str) -> String {
    // Most lines need no escape: printable ASCII without backslashes or quotes (so
    // without `"""`), not ending in a space.
    let plain = |b: &u8| (b' '..=b'~').contains(b) && *b != b'\\' && *b != b'"';
    if line.bytes().all(|b| plain(&b)) && !line.ends_with(' ') {
        return line.to_owned();
    }
    let last = line.chars().count().saturating_sub(1);
    let mut in_indentation = true;
    let mut out = String::with_capacity(line.len() + 8);
    for (i, c) in line.chars().enumerate() {
        in_indentation &= is_any_space(c);
        let escape =
            needs_escape(c) || (in_indentation && c != ' ') || (i == last && is_any_space(c));
        match c {
            '\\' => out.push_str("\\\\"),
            c if escape => push_escape(&mut out, c),
            c => out.push(c),
        }
    }
    // `replace` always allocates, and most lines have nothing to replace.
    if out.contains("\"\"\"") {
        out.replace("\"\"\"", "\\\"\\\"\\\"")
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(leading: &str, trailing: Option<&str>) -> Vec<String> {
        docstring(Some(leading.into()), trailing.map(Cow::from)).lines
    }

    #[test]
    fn leading_and_trailing_comments_join_with_a_blank_line() {
        assert_eq!(
            lines(" Says hello.\n Twice.\n", Some(" trailing\n")),
            ["Says hello.", "Twice.", "", "trailing"]
        );
    }

    #[test]
    fn relative_indentation_is_kept_and_the_common_one_removed() {
        assert_eq!(lines("   indented\n no\n", None), ["  indented", "no"]);
        assert_eq!(
            lines("  Example:\n      call()\n", None),
            ["Example:", "    call()"]
        );
    }

    #[test]
    fn tabs_expand_to_eight_column_stops() {
        assert_eq!(
            lines("\tfoo\n x\tbar", None),
            ["        foo", "x       bar"]
        );
    }

    #[test]
    fn quotes_and_backslashes_are_escaped() {
        assert_eq!(
            lines(r#" say """hi""" at C:\dir\ and \n"#, None),
            [r#"say \"\"\"hi\"\"\" at C:\\dir\\ and \\n"#]
        );
    }

    #[test]
    fn controls_invisibles_and_edge_whitespace_are_escaped() {
        assert_eq!(
            lines(" nul\0here  \n a\u{200b}b\u{202e}c\u{feff}\n", None),
            ["nul\\x00here \\x20", "a\\u200bb\\u202ec\\ufeff"]
        );
        // A no-break space leading a line would be re-indented away by ruff.
        assert_eq!(lines(" a\n \u{a0}b\n", None), ["a", "\\xa0b"]);
        // Lines of whitespace keep what exceeds the margin.
        assert_eq!(lines(" a\n    \n b", None), ["a", "  \\x20", "b"]);
    }

    #[test]
    fn only_spaces_are_common_indentation() {
        // Python 3.13's inspect.cleandoc keeps a leading no-break space (or U+202F) as
        // text, 3.11's strips it as indentation: it stays, so each reads it as it reads
        // the comment (found by the docstring sweep on 3.13, tests/python).
        assert_eq!(
            lines(" \u{a0}no-break\n  \u{a0}second\n", None),
            ["\\xa0no-break", " \\xa0second"]
        );
        assert_eq!(
            lines("   \u{202f}\u{202f}x\n   y\n", None),
            ["\\u202f\\u202fx", "y"]
        );
        // Spaces before it are still common indentation.
        assert_eq!(lines("   \u{a0}a\n   b\n", None), ["\\xa0a", "b"]);
    }

    #[test]
    fn ambiguous_characters_mark_the_docstring() {
        assert!(docstring(Some(" don’t".into()), None).ambiguous);
        assert!(docstring(Some(" a – b".into()), None).ambiguous);
        assert!(!docstring(Some(" Привет, мир".into()), None).ambiguous);
        assert!(docstring(Some(" Неllo".into()), None).ambiguous);
        assert!(!docstring(Some(" plain".into()), None).ambiguous);
    }

    #[test]
    fn python_line_boundaries_split_lines() {
        assert_eq!(
            lines(" a\r\n b\u{2028}c\u{0c}d", None),
            ["a", "b", "c", "d"]
        );
        // U+2027 shares its first two bytes with U+2028 and is no boundary.
        assert_eq!(
            lines(" é\u{85}x\u{2029}y\u{2027}z\r\rw\u{1e}", None),
            ["é", "x", "y\u{2027}z", "", "w"]
        );
    }

    #[test]
    fn blank_comments_give_no_docstring() {
        assert!(docstring(Some("\n\n".into()), Some("".into())).is_empty());
        assert!(docstring(None, None).is_empty());
    }

    #[test]
    fn comments_that_are_not_utf8_are_decoded_lossily() {
        let info = prost_types_info(&[(vec![6, 0], b" caf\xe9\n".as_slice())]);
        let comments = Comments::new(Some(&info)).unwrap();
        assert_eq!(comments.service(0).lines, ["caf\u{fffd}"]);
    }

    /// An encoded `SourceCodeInfo` with a leading comment at each path.
    fn prost_types_info(locations: &[(Vec<i32>, &[u8])]) -> Vec<u8> {
        let mut out = Vec::new();
        for (path, comment) in locations {
            let mut location = vec![0x0a, path.len() as u8];
            location.extend(path.iter().map(|p| *p as u8));
            location.push(0x1a);
            location.push(comment.len() as u8);
            location.extend_from_slice(comment);
            out.push(0x0a);
            out.push(location.len() as u8);
            out.extend(location);
        }
        out
    }
}
