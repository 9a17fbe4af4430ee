//! OQL tokens, each with its byte position in the query text (for error messages).

use super::QueryError;

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    /// A name: keyword, alias, field, function or class-name part (`$` and `_` allowed).
    Ident(String),
    /// `@name`.
    Attr(String),
    Int(i64),
    /// `1024L`.
    Long(i64),
    Float(f64),
    /// `0x…`: an object address.
    Hex(u64),
    Str(String),
    Sym(&'static str),
    End,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Token {
    pub tok: Tok,
    pub pos: usize,
}

const SYMBOLS: [&str; 17] = [
    "!=", "<>", "<=", ">=", "=", "<", ">", ",", "(", ")", ".", "*", "+", "-", "/", "[", "]",
];

/// Splits `text` into tokens (the last is [`Tok::End`]).
pub(crate) fn lex(text: &str) -> Result<Vec<Token>, QueryError> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let start = i;
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let ident_char = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c == b'$' || c >= 0x80;
        let tok = if c == b'"' || c == b'\'' {
            let end = b[i + 1..].iter().position(|&x| x == c).ok_or_else(|| {
                QueryError::at(start, "unterminated string", "close it with the same quote")
            })?;
            i += end + 2;
            Tok::Str(text[start + 1..i - 1].to_string())
        } else if c == b'@' {
            i += 1;
            while i < b.len() && ident_char(b[i]) {
                i += 1;
            }
            if i == start + 1 {
                return Err(QueryError::at(
                    start,
                    "'@' without an attribute name",
                    "e.g. @objectAddress, @retainedHeapSize",
                ));
            }
            Tok::Attr(text[start + 1..i].to_string())
        } else if c.is_ascii_digit() {
            if c == b'0' && b.get(i + 1).is_some_and(|&x| x == b'x' || x == b'X') {
                i += 2;
                while i < b.len() && b[i].is_ascii_hexdigit() {
                    i += 1;
                }
                let v = u64::from_str_radix(&text[start + 2..i], 16).map_err(|_| {
                    QueryError::at(start, "bad hexadecimal address", "e.g. 0x7f3a2b10")
                })?;
                Tok::Hex(v)
            } else {
                while i < b.len() && b[i].is_ascii_digit() {
                    i += 1;
                }
                let mut float = false;
                if i + 1 < b.len() && b[i] == b'.' && b[i + 1].is_ascii_digit() {
                    float = true;
                    i += 1;
                    while i < b.len() && b[i].is_ascii_digit() {
                        i += 1;
                    }
                }
                if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
                    let mut j = i + 1;
                    if j < b.len() && (b[j] == b'+' || b[j] == b'-') {
                        j += 1;
                    }
                    if j < b.len() && b[j].is_ascii_digit() {
                        float = true;
                        i = j;
                        while i < b.len() && b[i].is_ascii_digit() {
                            i += 1;
                        }
                    }
                }
                let num = &text[start..i];
                let bad = || QueryError::at(start, "number out of range", "integers are 64-bit");
                if float {
                    if i < b.len() && matches!(b[i], b'd' | b'D' | b'f' | b'F') {
                        i += 1;
                    }
                    Tok::Float(num.parse().map_err(|_| bad())?)
                } else if i < b.len() && (b[i] == b'L' || b[i] == b'l') {
                    i += 1;
                    Tok::Long(num.parse().map_err(|_| bad())?)
                } else {
                    Tok::Int(num.parse().map_err(|_| bad())?)
                }
            }
        } else if ident_char(c) {
            while i < b.len() && ident_char(b[i]) {
                i += 1;
            }
            Tok::Ident(text[start..i].to_string())
        } else if let Some(s) = SYMBOLS.iter().find(|s| text[i..].starts_with(**s)) {
            i += s.len();
            Tok::Sym(s)
        } else {
            let ch = text[i..].chars().next().unwrap_or('?');
            return Err(QueryError::at(
                start,
                format!("unexpected character '{ch}'"),
                "OQL: SELECT … FROM … [WHERE …]",
            ));
        };
        if i < b.len()
            && ident_char(b[i])
            && matches!(
                tok,
                Tok::Int(_) | Tok::Long(_) | Tok::Float(_) | Tok::Hex(_)
            )
        {
            return Err(QueryError::at(
                start,
                "a number runs into a name",
                "separate them with a space",
            ));
        }
        out.push(Token { tok, pos: start });
    }
    out.push(Token {
        tok: Tok::End,
        pos: text.len(),
    });
    Ok(out)
}
