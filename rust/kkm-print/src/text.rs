//! Plain-text rendering for 32/42/48 columns (58/80 mm paper), and the row formatting
//! the bitmap renderer reuses.

use crate::layout::{layout, Align, Block, Layout};
use crate::model::PrintDocument;

/// The narrowest width the formatter accepts; narrower requests are widened to it.
pub const MIN_COLUMNS: usize = 8;

/// One formatted output row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Row {
    /// A line of at most `columns` characters (no trailing spaces).
    Text {
        /// The characters of the line.
        text: String,
        /// Emphasis.
        bold: bool,
    },
    /// A QR code with this payload (the bitmap draws it; plain text prints the payload).
    Qr(String),
}

/// Number of characters as printed (one per `char`: Cyrillic and Latin are single width).
fn width_of(s: &str) -> usize {
    s.chars().count()
}

/// Replaces control characters (tabs, CR, GS…) with spaces.
fn clean(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() && c != '\n' { ' ' } else { c })
        .collect()
}

/// Word-wraps `text` to `width` characters; words longer than the width are split.
/// Every `\n` starts a new line; blank input lines are kept.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    for paragraph in clean(text).split('\n') {
        // Leading spaces indent every wrapped line of the paragraph.
        let indent = paragraph
            .chars()
            .take_while(|c| *c == ' ')
            .count()
            .min(width / 2);
        let prefix = " ".repeat(indent);
        let width = width - indent;
        let first = lines.len();
        let mut line = String::new();
        let mut line_w = 0;
        let mut any = false;
        for word in paragraph.split(' ').filter(|w| !w.is_empty()) {
            any = true;
            let mut word: Vec<char> = word.chars().collect();
            loop {
                let sep = usize::from(line_w > 0);
                if line_w + sep + word.len() <= width {
                    if sep == 1 {
                        line.push(' ');
                    }
                    line.extend(word.iter());
                    line_w += sep + word.len();
                    break;
                }
                if line_w > 0 {
                    lines.push(std::mem::take(&mut line));
                    line_w = 0;
                    continue;
                }
                // The word alone is longer than a line: split it.
                let rest = word.split_off(width);
                lines.push(word.iter().collect());
                word = rest;
            }
        }
        if line_w > 0 || !any {
            lines.push(line);
        }
        if indent > 0 {
            for l in &mut lines[first..] {
                l.insert_str(0, &prefix);
            }
        }
    }
    lines
}

fn aligned(line: &str, align: Align, width: usize) -> String {
    let w = width_of(line);
    let pad = width.saturating_sub(w);
    let left = match align {
        Align::Left => 0,
        Align::Center => pad / 2,
        Align::Right => pad,
    };
    let mut s = String::with_capacity(line.len() + left);
    s.extend(std::iter::repeat_n(' ', left));
    s.push_str(line);
    s
}

fn pair_lines(left: &str, right: &str, width: usize) -> Vec<String> {
    let left = clean(left);
    let right = clean(right);
    let left = left.trim_end();
    let right = right.trim();
    let (lw, rw) = (width_of(left), width_of(right));
    if lw + 1 + rw <= width {
        let mut s = String::from(left);
        s.extend(std::iter::repeat_n(' ', width - lw - rw));
        s.push_str(right);
        return vec![s];
    }
    let mut lines = wrap(left, width);
    if let Some(last) = lines.pop() {
        let last_w = width_of(&last);
        if last_w + 1 + rw <= width {
            let mut s = last;
            s.extend(std::iter::repeat_n(' ', width - last_w - rw));
            s.push_str(right);
            lines.push(s);
            return lines;
        }
        lines.push(last);
    }
    lines.extend(
        wrap(right, width)
            .iter()
            .map(|r| aligned(r, Align::Right, width)),
    );
    lines
}

fn push_text(out: &mut Vec<Row>, text: &str, bold: bool) {
    out.push(Row::Text {
        text: text.trim_end().to_string(),
        bold,
    });
}

/// Formats a layout into rows of at most `columns` characters.
pub fn rows(layout: &Layout, columns: usize) -> Vec<Row> {
    let width = columns.max(MIN_COLUMNS);
    let mut out = Vec::with_capacity(layout.blocks.len() + 8);
    for block in &layout.blocks {
        match block {
            Block::Text { text, align, bold } => {
                for line in wrap(text, width) {
                    push_text(&mut out, &aligned(&line, *align, width), *bold);
                }
            }
            Block::Pair { left, right, bold } => {
                for line in pair_lines(left, right, width) {
                    push_text(&mut out, &line, *bold);
                }
            }
            Block::Separator => push_text(&mut out, &"-".repeat(width), false),
            Block::Blank => push_text(&mut out, "", false),
            Block::Qr(payload) => out.push(Row::Qr(payload.clone())),
        }
    }
    out
}

/// Renders a document as plain text of `columns` characters per line (32 for 58 mm,
/// 42 or 48 for 80 mm paper). Lines end with `\n`; the QR code is printed as its URL.
///
/// ```
/// use kkm_print::model::{Language, PrintDocument};
/// let page = PrintDocument::TestPage { language: Language::Kk, note: String::new() };
/// let text = kkm_print::render_text(&page, 32);
/// assert!(text.lines().all(|l| l.chars().count() <= 32));
/// assert!(text.contains("СЫНАҚ БЕТІ"));
/// ```
pub fn render_text(doc: &PrintDocument, columns: usize) -> String {
    let width = columns.max(MIN_COLUMNS);
    let mut s = String::new();
    for row in rows(&layout(doc), width) {
        match row {
            Row::Text { text, .. } => {
                s.push_str(&text);
                s.push('\n');
            }
            Row::Qr(payload) => {
                for line in wrap(&payload, width) {
                    s.push_str(&line);
                    s.push('\n');
                }
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_splits_words_and_long_tokens() {
        assert_eq!(wrap("aa bb cc", 5), vec!["aa bb", "cc"]);
        assert_eq!(wrap("abcdefgh", 3), vec!["abc", "def", "gh"]);
        assert_eq!(wrap("a\n\nb", 4), vec!["a", "", "b"]);
        assert_eq!(wrap("", 4), vec![""]);
        assert_eq!(wrap("  ab cd", 5), vec!["  ab", "  cd"]);
    }

    #[test]
    fn pairs_fit_or_wrap() {
        assert_eq!(
            pair_lines("ИТОГО:", "1 750,00", 20),
            vec!["ИТОГО:      1 750,00"]
        );
        let lines = pair_lines("Очень длинное название скидки", "-50,00", 16);
        assert!(lines.iter().all(|l| l.chars().count() <= 16), "{lines:?}");
        assert!(lines.last().is_some_and(|l| l.ends_with("-50,00")));
    }

    #[test]
    fn qr_rows_are_kept() {
        let layout = Layout {
            blocks: vec![Block::Qr("x".into()), Block::Separator],
        };
        let r = rows(&layout, 10);
        assert_eq!(r[0], Row::Qr("x".into()));
        assert_eq!(
            r[1],
            Row::Text {
                text: "-".repeat(10),
                bold: false
            }
        );
    }
}
