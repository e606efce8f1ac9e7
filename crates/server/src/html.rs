//! A tiny HTML builder whose only way to add a dynamic string is escaped.
//!
//! Markup is `&'static str` ([`Html::raw`]); everything else ([`Html::text`], attribute values of
//! [`Html::open`]) goes through [`escape`]. So a hostname, container name, label or evidence string can
//! never become markup, whatever it contains.

use std::fmt::{self, Display, Write};

/// Escapes text for HTML element content and double- or single-quoted attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    push_escaped(&mut out, s);
    out
}

fn push_escaped(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters other than tab/newline have no business in a page.
            c if c.is_control() && c != '\n' && c != '\t' && c != '\r' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
}

/// Percent-encodes a string for a URL query component.
pub fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => {
                let _ = write!(out, "%{b:02X}");
            }
        }
    }
    out
}

/// A page (or fragment) under construction.
#[derive(Default)]
pub struct Html {
    buf: String,
}

impl Html {
    pub fn new() -> Html {
        Html::default()
    }

    /// Markup: only static strings, so nothing from a host can get here.
    pub fn raw(&mut self, markup: &'static str) -> &mut Self {
        self.buf.push_str(markup);
        self
    }

    /// Text, escaped.
    pub fn text(&mut self, text: impl Display) -> &mut Self {
        let mut s = String::new();
        let _ = write!(s, "{text}");
        push_escaped(&mut self.buf, &s);
        self
    }

    /// `<tag a="v" ...>` with escaped attribute values. An attribute whose value is `None`-like (empty
    /// name) is skipped; boolean attributes are written as `name` when their value is the empty string.
    pub fn open(&mut self, tag: &'static str, attrs: &[(&'static str, &str)]) -> &mut Self {
        self.buf.push('<');
        self.buf.push_str(tag);
        for (name, value) in attrs {
            if name.is_empty() {
                continue;
            }
            self.buf.push(' ');
            self.buf.push_str(name);
            if !value.is_empty() || !is_boolean_attr(name) {
                self.buf.push_str("=\"");
                push_escaped(&mut self.buf, value);
                self.buf.push('"');
            }
        }
        self.buf.push('>');
        self
    }

    pub fn close(&mut self, tag: &'static str) -> &mut Self {
        self.buf.push_str("</");
        self.buf.push_str(tag);
        self.buf.push('>');
        self
    }

    /// `<tag attrs>text</tag>`.
    pub fn el(
        &mut self,
        tag: &'static str,
        attrs: &[(&'static str, &str)],
        text: impl Display,
    ) -> &mut Self {
        self.open(tag, attrs).text(text).close(tag)
    }

    /// `<tag attrs>…</tag>` with the content written by `inner`.
    pub fn wrap(
        &mut self,
        tag: &'static str,
        attrs: &[(&'static str, &str)],
        inner: impl FnOnce(&mut Html),
    ) -> &mut Self {
        self.open(tag, attrs);
        inner(self);
        self.close(tag)
    }

    /// Appends another fragment (itself built only through this type).
    pub fn append(&mut self, other: Html) -> &mut Self {
        self.buf.push_str(&other.buf);
        self
    }

    pub fn into_string(self) -> String {
        self.buf
    }
}

impl fmt::Debug for Html {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.buf)
    }
}

fn is_boolean_attr(name: &str) -> bool {
    matches!(
        name,
        "selected" | "checked" | "open" | "required" | "disabled" | "autofocus" | "readonly"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            escape(r#""><img src=x onerror=alert(1)>"#),
            "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"
        );
        assert_eq!(
            escape("<script>alert('1')</script> & co"),
            "&lt;script&gt;alert(&#39;1&#39;)&lt;/script&gt; &amp; co"
        );
        assert_eq!(escape("a\u{0}b"), "a\u{FFFD}b");
    }

    #[test]
    fn builder_escapes_text_and_attributes() {
        let mut h = Html::new();
        h.open("a", &[("href", "/x?\"<>")])
            .text("<b>")
            .close("a")
            .open("option", &[("value", "v"), ("selected", "")])
            .close("option");
        assert_eq!(
            h.into_string(),
            "<a href=\"/x?&quot;&lt;&gt;\">&lt;b&gt;</a><option value=\"v\" selected></option>"
        );
    }

    #[test]
    fn url_encoding() {
        assert_eq!(url_encode("a b&c=<d>"), "a%20b%26c%3D%3Cd%3E");
        assert_eq!(url_encode("host-1.example"), "host-1.example");
    }
}
