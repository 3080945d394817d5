//! A strict JSON parser (RFC 8259) for Terraform's stored state: numbers keep
//! their text, nesting is bounded, and nothing is allocated beyond what the
//! input itself holds.

use super::Json;

/// Parses one JSON document, at most `max_depth` arrays and objects deep.
pub(in crate::value) fn document(bytes: &[u8], max_depth: usize) -> Result<Json, String> {
    let text = std::str::from_utf8(bytes).map_err(|e| format!("not UTF-8: {e}"))?;
    let mut p = Parser {
        s: text.as_bytes(),
        text,
        pos: 0,
        max_depth,
    };
    p.ws();
    let v = p.value(0)?;
    p.ws();
    if p.pos != p.s.len() {
        return Err(format!("unexpected text at byte {}", p.pos));
    }
    Ok(v)
}

struct Parser<'a> {
    s: &'a [u8],
    text: &'a str,
    pos: usize,
    max_depth: usize,
}

impl Parser<'_> {
    fn ws(&mut self) {
        while matches!(self.s.get(self.pos), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn fail<T>(&self, what: &str) -> Result<T, String> {
        Err(format!("{what} at byte {}", self.pos))
    }

    fn literal(&mut self, word: &str, v: Json) -> Result<Json, String> {
        if self.s[self.pos..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            Ok(v)
        } else {
            self.fail("unexpected text")
        }
    }

    fn value(&mut self, depth: usize) -> Result<Json, String> {
        match self.s.get(self.pos) {
            None => self.fail("unexpected end"),
            Some(b'n') => self.literal("null", Json::Null),
            Some(b't') => self.literal("true", Json::Bool(true)),
            Some(b'f') => self.literal("false", Json::Bool(false)),
            Some(b'"') => self.string().map(Json::Str),
            Some(b'[') => self.array(depth + 1),
            Some(b'{') => self.object(depth + 1),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => self.fail("unexpected character"),
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while matches!(self.s.get(self.pos), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
        self.pos - start
    }

    fn number(&mut self) -> Result<Json, String> {
        let start = self.pos;
        if self.s[self.pos] == b'-' {
            self.pos += 1;
        }
        let first = self.s.get(self.pos).copied();
        let n = self.digits();
        if n == 0 || (first == Some(b'0') && n > 1) {
            return self.fail("malformed number");
        }
        if self.s.get(self.pos) == Some(&b'.') {
            self.pos += 1;
            if self.digits() == 0 {
                return self.fail("malformed number");
            }
        }
        if matches!(self.s.get(self.pos), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.s.get(self.pos), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return self.fail("malformed number");
            }
        }
        Ok(Json::Num(self.text[start..self.pos].to_string()))
    }

    fn hex4(&mut self) -> Result<u32, String> {
        let h = self
            .text
            .get(self.pos..self.pos + 4)
            .ok_or("short \\u escape")?;
        if !h.bytes().all(|b| b.is_ascii_hexdigit()) {
            return self.fail("bad \\u escape");
        }
        let v = u32::from_str_radix(h, 16)
            .map_err(|_| format!("bad \\u escape at byte {}", self.pos))?;
        self.pos += 4;
        Ok(v)
    }

    fn escape(&mut self, out: &mut String) -> Result<(), String> {
        let c = *self.s.get(self.pos).ok_or("unexpected end")?;
        self.pos += 1;
        let ch = match c {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let hi = self.hex4()?;
                let code = if (0xd800..0xdc00).contains(&hi) {
                    if !self.s[self.pos..].starts_with(b"\\u") {
                        return self.fail("unpaired surrogate");
                    }
                    self.pos += 2;
                    let lo = self.hex4()?;
                    if !(0xdc00..0xe000).contains(&lo) {
                        return self.fail("unpaired surrogate");
                    }
                    0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00)
                } else {
                    hi
                };
                char::from_u32(code).ok_or(format!("bad \\u escape at byte {}", self.pos))?
            }
            _ => return self.fail("bad escape"),
        };
        out.push(ch);
        Ok(())
    }

    fn string(&mut self) -> Result<String, String> {
        self.pos += 1;
        let mut out = String::new();
        loop {
            let start = self.pos;
            while matches!(self.s.get(self.pos), Some(c) if *c != b'"' && *c != b'\\' && *c >= 0x20)
            {
                self.pos += 1;
            }
            out.push_str(&self.text[start..self.pos]);
            match self.s.get(self.pos) {
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.pos += 1;
                    self.escape(&mut out)?;
                }
                Some(_) => return self.fail("control character in a string"),
                None => return self.fail("unterminated string"),
            }
        }
    }

    fn enter(&mut self, depth: usize) -> Result<(), String> {
        if depth > self.max_depth {
            return self.fail("nested too deeply");
        }
        self.pos += 1;
        self.ws();
        Ok(())
    }

    fn array(&mut self, depth: usize) -> Result<Json, String> {
        self.enter(depth)?;
        let mut items = Vec::new();
        if self.s.get(self.pos) == Some(&b']') {
            self.pos += 1;
            return Ok(Json::Arr(items));
        }
        loop {
            items.push(self.value(depth)?);
            self.ws();
            match self.s.get(self.pos) {
                Some(b',') => {
                    self.pos += 1;
                    self.ws();
                }
                Some(b']') => {
                    self.pos += 1;
                    return Ok(Json::Arr(items));
                }
                _ => return self.fail("expected , or ]"),
            }
        }
    }

    fn object(&mut self, depth: usize) -> Result<Json, String> {
        self.enter(depth)?;
        let mut members = Vec::new();
        if self.s.get(self.pos) == Some(&b'}') {
            self.pos += 1;
            return Ok(Json::Obj(members));
        }
        loop {
            if self.s.get(self.pos) != Some(&b'"') {
                return self.fail("expected a key");
            }
            let k = self.string()?;
            self.ws();
            if self.s.get(self.pos) != Some(&b':') {
                return self.fail("expected :");
            }
            self.pos += 1;
            self.ws();
            members.push((k, self.value(depth)?));
            self.ws();
            match self.s.get(self.pos) {
                Some(b',') => {
                    self.pos += 1;
                    self.ws();
                }
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(Json::Obj(members));
                }
                _ => return self.fail("expected , or }"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_json_and_keeps_number_text() {
        let j = document(
            br#" {"a": [1, -0.5e-3, 1e400, "x\u00e9\ud83d\ude00\n"], "b": null, "c": true} "#,
            8,
        )
        .unwrap();
        let Json::Obj(m) = j else { panic!() };
        let Json::Arr(a) = &m[0].1 else { panic!() };
        assert!(matches!(&a[1], Json::Num(n) if n == "-0.5e-3"));
        assert!(matches!(&a[2], Json::Num(n) if n == "1e400"));
        assert!(matches!(&a[3], Json::Str(s) if s == "xé😀\n"));
    }

    #[test]
    fn refuses_what_is_not_json() {
        for bad in [
            "",
            "01",
            "1.",
            "-",
            "1e",
            "[1,]",
            "{\"a\" 1}",
            "{1:2}",
            "\"\\x\"",
            "\"a",
            "[",
            "nul",
            "1 2",
            "\"\\ud800\"",
            "\"\u{1}\"",
            "{\"a\":1,}",
            "+1",
            ".5",
            "NaN",
        ] {
            assert!(document(bad.as_bytes(), 8).is_err(), "{bad:?}");
        }
        assert!(document(&[0xff], 8).is_err());
        let deep = "[".repeat(20) + &"]".repeat(20);
        assert!(document(deep.as_bytes(), 8).is_err());
        assert!(document(deep.as_bytes(), 20).is_ok());
    }
}
