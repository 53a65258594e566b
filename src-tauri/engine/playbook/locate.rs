//! Find the line of a key in TOML source, for error messages after deserialisation.

/// `table` is a header such as `rules.speaking_fast` or `items` (array of tables, `nth` entry);
/// an empty table means the top level. Returns the key's line, else the table's, else 0.
pub fn line_of(src: &str, table: &str, nth: usize, key: Option<&str>) -> usize {
    let mut seen_of_array: usize = 0;
    let mut in_target = table.is_empty();
    let mut table_line = 0;
    for (i, raw) in src.lines().enumerate() {
        let line = raw.trim();
        if let Some(h) = line.strip_prefix("[[").and_then(|l| l.split("]]").next()) {
            if h.trim() == table {
                in_target = seen_of_array == nth;
                seen_of_array += 1;
                if in_target {
                    table_line = i + 1;
                }
            } else {
                in_target = false;
            }
            continue;
        }
        if let Some(h) = line.strip_prefix('[').and_then(|l| l.split(']').next()) {
            in_target = h.trim() == table;
            if in_target {
                table_line = i + 1;
            }
            continue;
        }
        if in_target {
            if let Some(k) = key {
                let name = line
                    .split('=')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .trim_matches('"');
                if line.contains('=') && name == k {
                    return i + 1;
                }
            }
        }
    }
    table_line
}

#[cfg(test)]
mod tests {
    use super::line_of;

    #[test]
    fn finds_keys_in_tables_and_arrays() {
        let src = "name = \"x\"\n[thresholds]\nfast_wpm = 1\n[[items]]\nid = \"a\"\n[[items]]\nid = \"b\"\n";
        assert_eq!(line_of(src, "", 0, Some("name")), 1);
        assert_eq!(line_of(src, "thresholds", 0, Some("fast_wpm")), 3);
        assert_eq!(line_of(src, "items", 1, Some("id")), 7);
        assert_eq!(line_of(src, "items", 1, Some("missing")), 6);
    }
}
