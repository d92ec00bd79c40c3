//! "Did you mean" hints for mistyped plugin options: the known confusions first (keys and
//! values users bring from other generators), then near misses by edit distance.
//!
//! The confusions are checked before the distance because a near miss can point the wrong
//! way: `protobuf=pb2` is one edit from nothing valid but two from `py`, yet it means
//! `google` (protoc's `_pb2` modules).

/// A key users write for one of ours, and what to write instead.
const KEY_CONFUSIONS: &[(&str, &str)] = &[
    ("flavor", "protobuf"),
    ("flavour", "protobuf"),
    ("runtime", "protobuf"),
    ("import", "imports"),
    ("import_style", "imports"),
    ("mode", "io"),
];

/// A value users write for one of our keys, and the hint to show for it.
const VALUE_CONFUSIONS: &[(&str, &str, &str)] = &[
    (
        "io",
        "both",
        "leave `io` out to generate both the sync and the async classes",
    ),
    (
        "io",
        "all",
        "leave `io` out to generate both the sync and the async classes",
    ),
    ("io", "asyncio", "did you mean `io=async`?"),
    ("io", "aio", "did you mean `io=async`?"),
    ("io", "threaded", "did you mean `io=sync`?"),
    ("io", "threads", "did you mean `io=sync`?"),
    ("io", "blocking", "did you mean `io=sync`?"),
    (
        "protobuf",
        "pb2",
        "did you mean `protobuf=google` (protoc's `_pb2` modules)?",
    ),
    (
        "protobuf",
        "protobuf",
        "did you mean `protobuf=google` (protoc's `_pb2` modules)?",
    ),
    (
        "protobuf",
        "upb",
        "did you mean `protobuf=google` (protoc's `_pb2` modules)?",
    ),
    (
        "protobuf",
        "pb",
        "did you mean `protobuf=py` (protobuf-py's `_pb` modules)?",
    ),
    (
        "protobuf",
        "protobuf-py",
        "did you mean `protobuf=py` (protobuf-py's `_pb` modules)?",
    ),
    (
        "protobuf",
        "protobuf_py",
        "did you mean `protobuf=py` (protobuf-py's `_pb` modules)?",
    ),
    ("imports", "abs", "did you mean `imports=absolute`?"),
    ("imports", "rel", "did you mean `imports=relative`?"),
];

/// The hint for an unknown `key` among `keys`, if there is one.
pub fn for_key(key: &str, keys: &[&str]) -> Option<String> {
    if let Some((_, instead)) = KEY_CONFUSIONS.iter().find(|(wrong, _)| *wrong == key) {
        return Some(format!("did you mean `{instead}`?"));
    }
    closest(key, keys).map(|near| format!("did you mean `{near}`?"))
}

/// The hint for an invalid `value` of `key` among `values`, if there is one.
pub fn for_value(key: &str, value: &str, values: &[&str]) -> Option<String> {
    let lower = value.trim().to_lowercase();
    if let Some((_, _, hint)) = VALUE_CONFUSIONS
        .iter()
        .find(|(k, wrong, _)| *k == key && *wrong == lower)
    {
        return Some((*hint).to_owned());
    }
    closest(&lower, values).map(|near| format!("did you mean `{key}={near}`?"))
}

/// The candidate within a small edit distance of `word` (at most 2, and less than half the
/// longer word, so `io` never suggests `py`), the nearest first; none on a tie.
pub fn closest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let mut scored: Vec<(usize, &str)> = candidates
        .iter()
        .map(|candidate| (edit_distance(word, candidate), *candidate))
        .filter(|(distance, candidate)| {
            let longer = word.chars().count().max(candidate.chars().count());
            *distance > 0 && *distance <= 2 && 2 * distance < longer
        })
        .collect();
    scored.sort_unstable();
    match scored.as_slice() {
        [(best, near), rest @ ..] if rest.first().is_none_or(|(next, _)| next > best) => Some(near),
        _ => None,
    }
}

/// Levenshtein distance over chars (insertions, deletions and substitutions cost 1).
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = Vec::with_capacity(b.len() + 1);
        current.push(i + 1);
        for (j, cb) in b.iter().enumerate() {
            let substitute = previous[j] + usize::from(ca != *cb);
            current.push(substitute.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEYS: &[&str] = &[
        "protobuf",
        "io",
        "imports",
        "map_imports",
        "escape_module_with_hash",
        "no_fmt_off",
    ];

    #[test]
    fn edit_distance_counts_single_edits() {
        assert_eq!(edit_distance("", ""), 0);
        assert_eq!(edit_distance("protbuf", "protobuf"), 1);
        assert_eq!(edit_distance("asyncio", "async"), 2);
        assert_eq!(edit_distance("pb2", "py"), 2);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("é", "e"), 1);
    }

    #[test]
    fn near_miss_keys_are_suggested() {
        assert_eq!(
            for_key("protbuf", KEYS).unwrap(),
            "did you mean `protobuf`?"
        );
        assert_eq!(
            for_key("protobuff", KEYS).unwrap(),
            "did you mean `protobuf`?"
        );
        assert_eq!(for_key("import", KEYS).unwrap(), "did you mean `imports`?");
        assert_eq!(for_key("flavor", KEYS).unwrap(), "did you mean `protobuf`?");
        assert_eq!(
            for_key("map_import", KEYS).unwrap(),
            "did you mean `map_imports`?"
        );
        assert_eq!(
            for_key("no_fmt_of", KEYS).unwrap(),
            "did you mean `no_fmt_off`?"
        );
    }

    #[test]
    fn far_or_short_keys_get_no_guess() {
        assert_eq!(for_key("verbose", KEYS), None);
        // Two edits from `io`, but that is the whole word.
        assert_eq!(for_key("x", KEYS), None);
        assert_eq!(for_key("ab", KEYS), None);
    }

    #[test]
    fn confusions_win_over_distance() {
        assert_eq!(
            for_value("protobuf", "pb2", &["py", "google"]).unwrap(),
            "did you mean `protobuf=google` (protoc's `_pb2` modules)?"
        );
        assert_eq!(
            for_value("io", "both", &["sync", "async"]).unwrap(),
            "leave `io` out to generate both the sync and the async classes"
        );
        assert_eq!(
            for_value("io", "AsyncIO", &["sync", "async"]).unwrap(),
            "did you mean `io=async`?"
        );
    }

    #[test]
    fn near_miss_values_are_suggested() {
        assert_eq!(
            for_value("protobuf", "gogle", &["py", "google"]).unwrap(),
            "did you mean `protobuf=google`?"
        );
        assert_eq!(
            for_value("imports", "absolut", &["relative", "absolute"]).unwrap(),
            "did you mean `imports=absolute`?"
        );
        assert_eq!(
            for_value("io", "synk", &["sync", "async"]).unwrap(),
            "did you mean `io=sync`?"
        );
        assert_eq!(for_value("protobuf", "java", &["py", "google"]), None);
    }

    #[test]
    fn a_tie_gets_no_guess() {
        assert_eq!(closest("ab", &["abc", "abd"]), None);
        assert_eq!(closest("abcd", &["abce", "abcf"]), None);
    }
}
