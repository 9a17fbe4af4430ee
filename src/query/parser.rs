//! Recursive-descent OQL parser following MAT's grammar (`OQLParser.jj`): keywords are
//! case-insensitive and unreserved (`something.from.Object` is a class name), precedence from
//! loosest: `OR`, `AND`, `= !=`, `< <= > >= [NOT] LIKE [NOT] IN`, `+ -`, `* /`, primaries.
//! Nesting is bounded so hostile input cannot overflow the stack.

use super::ast::*;
use super::lexer::{lex, Tok, Token};
use super::QueryError;

const MAX_DEPTH: usize = 64;

/// Parses one query (with its `UNION`s).
pub fn parse(text: &str) -> Result<Query, QueryError> {
    let toks = lex(text)?;
    let mut p = P {
        toks,
        i: 0,
        depth: 0,
        text,
    };
    let q = p.select()?;
    if p.peek() != &Tok::End {
        return Err(p.err(
            "unexpected text after the query",
            "one statement; combine queries with UNION ( SELECT … )",
        ));
    }
    Ok(q)
}

struct P<'a> {
    toks: Vec<Token>,
    i: usize,
    depth: usize,
    text: &'a str,
}

impl P<'_> {
    fn peek(&self) -> &Tok {
        &self.toks[self.i.min(self.toks.len() - 1)].tok
    }
    fn peek_at(&self, k: usize) -> &Tok {
        &self.toks[(self.i + k).min(self.toks.len() - 1)].tok
    }
    fn pos(&self) -> usize {
        self.toks[self.i.min(self.toks.len() - 1)].pos
    }
    /// The current token, moving past it (past the end only by one: `i -= 1` undoes it).
    fn next(&mut self) -> Tok {
        let t = self.peek().clone();
        self.i += 1;
        t
    }
    fn err(&self, msg: &str, hint: &str) -> QueryError {
        let found = match self.peek() {
            Tok::End => "the end of the query".to_string(),
            _ => {
                let p = self.pos();
                let next = self.toks.get(self.i + 1).map_or(self.text.len(), |t| t.pos);
                format!("'{}'", self.text[p..next].trim_end())
            }
        };
        QueryError::at(self.pos(), format!("{msg} (found {found})"), hint)
    }
    fn is_kw(&self, kw: &str) -> bool {
        matches!(self.peek(), Tok::Ident(s) if s.eq_ignore_ascii_case(kw))
    }
    fn is_kw_at(&self, k: usize, kw: &str) -> bool {
        matches!(self.peek_at(k), Tok::Ident(s) if s.eq_ignore_ascii_case(kw))
    }
    fn eat_kw(&mut self, kw: &str) -> bool {
        let yes = self.is_kw(kw);
        if yes {
            self.next();
        }
        yes
    }
    fn is_sym(&self, s: &str) -> bool {
        matches!(self.peek(), Tok::Sym(x) if *x == s)
    }
    fn eat_sym(&mut self, s: &str) -> bool {
        let yes = self.is_sym(s);
        if yes {
            self.next();
        }
        yes
    }
    fn expect_sym(&mut self, s: &str, hint: &str) -> Result<(), QueryError> {
        if self.eat_sym(s) {
            Ok(())
        } else {
            Err(self.err(&format!("expected '{s}'"), hint))
        }
    }
    fn enter(&mut self) -> Result<(), QueryError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.err(
                "the query nests too deeply",
                "at most 64 levels of parentheses and subqueries",
            ));
        }
        Ok(())
    }

    fn select(&mut self) -> Result<Query, QueryError> {
        self.enter()?;
        if !self.eat_kw("select") {
            return Err(self.err(
                "expected SELECT",
                "a query starts with SELECT, e.g. SELECT * FROM java.lang.String",
            ));
        }
        let (mut distinct, mut retained) = (false, false);
        if self.eat_kw("distinct") {
            distinct = true;
        } else if self.is_kw("as") && self.is_kw_at(1, "retained") && self.is_kw_at(2, "set") {
            self.i += 3;
            retained = true;
        }
        let mut objects = false;
        let columns = if self.eat_sym("*") {
            None
        } else {
            if self.is_kw("objects")
                && !matches!(self.peek_at(1), Tok::Sym(".") | Tok::Sym(","))
                && !self.is_kw_at(1, "from")
            {
                self.next();
                objects = true;
            }
            let mut cols = vec![self.column()?];
            while !objects && self.eat_sym(",") {
                cols.push(self.column()?);
            }
            Some(cols)
        };
        if !self.eat_kw("from") {
            return Err(self.err(
                "expected FROM",
                "SELECT <columns> FROM <class | \"regex\" | OBJECTS 0x… | (subquery)>",
            ));
        }
        let from = self.from()?;
        let filter = if self.eat_kw("where") {
            Some(self.or()?)
        } else {
            None
        };
        let mut union = Vec::new();
        while self.eat_kw("union") {
            self.expect_sym("(", "UNION ( SELECT … )")?;
            union.push(self.select()?);
            self.expect_sym(")", "close the UNION's subquery")?;
        }
        self.depth -= 1;
        Ok(Query {
            distinct,
            retained,
            objects,
            columns,
            from,
            filter,
            union,
        })
    }

    fn column(&mut self) -> Result<Column, QueryError> {
        let start = self.pos();
        let expr = self.additive()?;
        let end = self.pos();
        let name = if self.eat_kw("as") {
            match self.next() {
                Tok::Str(s) | Tok::Ident(s) => s,
                _ => {
                    self.i -= 1;
                    return Err(self.err(
                        "expected a column name after AS",
                        "AS name or AS \"a name\"",
                    ));
                }
            }
        } else {
            self.text[start..end].trim().to_string()
        };
        Ok(Column { expr, name })
    }

    fn from(&mut self) -> Result<From, QueryError> {
        let pos = self.pos();
        let objects = self.eat_kw("objects");
        let instanceof = self.eat_kw("instanceof");
        let source =
            match self.peek().clone() {
                Tok::Sym("(") => {
                    self.next();
                    let s = if self.is_kw("select") {
                        Source::Sub(Box::new(self.select()?))
                    } else {
                        Source::Expr(self.or()?)
                    };
                    self.expect_sym(")", "close the FROM's parenthesis")?;
                    s
                }
                Tok::Str(s) => {
                    self.next();
                    Source::Pattern(s)
                }
                Tok::Hex(_) | Tok::Int(_) => {
                    let mut refs = Vec::new();
                    loop {
                        match self.next() {
                            Tok::Hex(a) => refs.push(ObjRef::Address(a)),
                            Tok::Int(n) if n >= 0 => refs.push(ObjRef::Index(n as u64)),
                            _ => {
                                self.i -= 1;
                                return Err(self.err(
                                    "expected an object address or number",
                                    "e.g. OBJECTS 0x7f3a2b10, 0x7f3a2b28",
                                ));
                            }
                        }
                        if !self.eat_sym(",") {
                            break;
                        }
                    }
                    Source::Objects(refs)
                }
                Tok::Ident(_) => Source::Class(self.class_name()?),
                _ => return Err(self.err(
                    "expected a class name, \"regex\", object address or (subquery)",
                    "e.g. FROM java.util.HashMap, FROM INSTANCEOF java.util.Map, FROM OBJECTS 0x…",
                )),
            };
        let alias = match self.peek() {
            Tok::Ident(s)
                if !s.eq_ignore_ascii_case("where") && !s.eq_ignore_ascii_case("union") =>
            {
                let s = s.clone();
                self.next();
                Some(s)
            }
            _ => None,
        };
        Ok(From {
            objects,
            instanceof,
            source,
            alias,
            pos,
        })
    }

    fn class_name(&mut self) -> Result<String, QueryError> {
        let mut name = match self.next() {
            Tok::Ident(s) => s,
            _ => unreachable!("called on an identifier"),
        };
        loop {
            if self.is_sym(".") && matches!(self.peek_at(1), Tok::Ident(_)) {
                self.next();
                if let Tok::Ident(s) = self.next() {
                    name.push('.');
                    name.push_str(&s);
                }
            } else if self.is_sym("[") && matches!(self.peek_at(1), Tok::Sym("]")) {
                self.i += 2;
                name.push_str("[]");
            } else {
                return Ok(name);
            }
        }
    }

    fn or(&mut self) -> Result<Expr, QueryError> {
        self.enter()?;
        let mut e = self.and()?;
        while self.is_kw("or") {
            let pos = self.pos();
            self.next();
            let r = self.and()?;
            e = bin(BinOp::Or, e, r, pos);
        }
        self.depth -= 1;
        Ok(e)
    }
    fn and(&mut self) -> Result<Expr, QueryError> {
        let mut e = self.equality()?;
        while self.is_kw("and") {
            let pos = self.pos();
            self.next();
            let r = self.equality()?;
            e = bin(BinOp::And, e, r, pos);
        }
        Ok(e)
    }
    fn equality(&mut self) -> Result<Expr, QueryError> {
        let mut e = self.relational()?;
        loop {
            let pos = self.pos();
            let op = if self.eat_sym("=") {
                BinOp::Eq
            } else if self.eat_sym("!=") || self.eat_sym("<>") {
                BinOp::Ne
            } else {
                return Ok(e);
            };
            let r = self.relational()?;
            e = bin(op, e, r, pos);
        }
    }
    fn relational(&mut self) -> Result<Expr, QueryError> {
        let e = self.additive()?;
        let pos = self.pos();
        let op = match self.peek() {
            Tok::Sym("<") => BinOp::Lt,
            Tok::Sym("<=") => BinOp::Le,
            Tok::Sym(">") => BinOp::Gt,
            Tok::Sym(">=") => BinOp::Ge,
            _ => {
                let negate =
                    self.is_kw("not") && (self.is_kw_at(1, "like") || self.is_kw_at(1, "in"));
                if negate {
                    self.next();
                }
                if self.eat_kw("like") {
                    return match self.next() {
                        Tok::Str(pat) => Ok(Expr {
                            kind: ExprKind::Like(Box::new(e), pat, negate),
                            pos,
                        }),
                        _ => {
                            self.i -= 1;
                            Err(self.err(
                                "expected a \"regex\" after LIKE",
                                "LIKE \"java\\.util\\..*\" (a regular expression, matched in full)",
                            ))
                        }
                    };
                }
                if self.eat_kw("in") {
                    let r = self.additive()?;
                    return Ok(Expr {
                        kind: ExprKind::In(Box::new(e), Box::new(r), negate),
                        pos,
                    });
                }
                return Ok(e);
            }
        };
        self.next();
        let r = self.additive()?;
        Ok(bin(op, e, r, pos))
    }
    fn additive(&mut self) -> Result<Expr, QueryError> {
        let mut e = self.multiplicative()?;
        loop {
            let pos = self.pos();
            let op = if self.eat_sym("+") {
                BinOp::Add
            } else if self.eat_sym("-") {
                BinOp::Sub
            } else {
                return Ok(e);
            };
            let r = self.multiplicative()?;
            e = bin(op, e, r, pos);
        }
    }
    fn multiplicative(&mut self) -> Result<Expr, QueryError> {
        let mut e = self.unary()?;
        loop {
            let pos = self.pos();
            let op = if self.eat_sym("*") {
                BinOp::Mul
            } else if self.eat_sym("/") {
                BinOp::Div
            } else {
                return Ok(e);
            };
            let r = self.unary()?;
            e = bin(op, e, r, pos);
        }
    }
    fn unary(&mut self) -> Result<Expr, QueryError> {
        let pos = self.pos();
        if self.eat_sym("-") {
            self.enter()?;
            let e = self.unary()?;
            self.depth -= 1;
            return Ok(Expr {
                kind: ExprKind::Neg(Box::new(e)),
                pos,
            });
        }
        if self.is_kw("not") && !matches!(self.peek_at(1), Tok::Sym(".")) {
            self.next();
            self.enter()?;
            let e = self.unary()?;
            self.depth -= 1;
            return Ok(Expr {
                kind: ExprKind::Not(Box::new(e)),
                pos,
            });
        }
        let mut e = self.primary()?;
        // Path steps: .field, .@attr, .method(args), [index].
        loop {
            let pos = self.pos();
            let step = if self.eat_sym(".") {
                match self.next() {
                    Tok::Attr(a) => Step::Attr(a),
                    Tok::Ident(name) => {
                        if self.is_sym("(") {
                            Step::Method(name, self.args()?)
                        } else {
                            Step::Field(name)
                        }
                    }
                    _ => {
                        self.i -= 1;
                        return Err(self.err(
                            "expected a field, @attribute or method after '.'",
                            "e.g. s.value.@length, s.toString()",
                        ));
                    }
                }
            } else if self.eat_sym("[") {
                self.enter()?;
                let i = self.additive()?;
                self.depth -= 1;
                self.expect_sym("]", "close the index: a[0]")?;
                Step::Index(Box::new(i))
            } else {
                return Ok(e);
            };
            e = Expr {
                kind: ExprKind::Step(Box::new(e), step),
                pos,
            };
        }
    }
    fn args(&mut self) -> Result<Vec<Expr>, QueryError> {
        self.expect_sym("(", "arguments in parentheses")?;
        let mut args = Vec::new();
        if self.eat_sym(")") {
            return Ok(args);
        }
        loop {
            self.enter()?;
            args.push(self.or()?);
            self.depth -= 1;
            if self.eat_sym(")") {
                return Ok(args);
            }
            self.expect_sym(",", "separate arguments with ','")?;
        }
    }
    fn primary(&mut self) -> Result<Expr, QueryError> {
        let pos = self.pos();
        let kind = match self.next() {
            Tok::Int(v) => ExprKind::Lit(Lit::Int(v)),
            Tok::Long(v) => ExprKind::Lit(Lit::Long(v)),
            Tok::Hex(v) => ExprKind::Lit(Lit::Long(v as i64)),
            Tok::Float(v) => ExprKind::Lit(Lit::Float(v)),
            Tok::Str(s) => ExprKind::Lit(Lit::Str(s)),
            Tok::Attr(a) => ExprKind::Attr(a),
            Tok::Sym("(") => {
                if self.is_kw("select") {
                    let q = self.select()?;
                    self.expect_sym(")", "close the subquery")?;
                    ExprKind::Sub(Box::new(q))
                } else {
                    let e = self.or()?;
                    self.expect_sym(")", "close the parenthesis")?;
                    return Ok(e);
                }
            }
            Tok::Ident(name) => {
                if self.is_sym("(") {
                    ExprKind::Call(name.to_ascii_lowercase(), self.args()?)
                } else if name.eq_ignore_ascii_case("null") {
                    ExprKind::Lit(Lit::Null)
                } else if name.eq_ignore_ascii_case("true") {
                    ExprKind::Lit(Lit::Bool(true))
                } else if name.eq_ignore_ascii_case("false") {
                    ExprKind::Lit(Lit::Bool(false))
                } else {
                    ExprKind::Name(name)
                }
            }
            _ => {
                self.i -= 1;
                return Err(self.err("expected a value", "a literal, a field path (s.value.@length), a function call (toString(s)) or ( … )"));
            }
        };
        Ok(Expr { kind, pos })
    }
}

fn bin(op: BinOp, l: Expr, r: Expr, pos: usize) -> Expr {
    Expr {
        kind: ExprKind::Bin(op, Box::new(l), Box::new(r)),
        pos,
    }
}
