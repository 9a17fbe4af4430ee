//! The parsed form of an OQL query. Every expression keeps its position in the text so that
//! evaluation errors point at it too.

#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    pub distinct: bool,
    /// `AS RETAINED SET`: the result is the retained set of the selected objects.
    pub retained: bool,
    /// `SELECT OBJECTS …`: the result is a list of objects (one column), not values.
    pub objects: bool,
    /// `None` for `SELECT *`.
    pub columns: Option<Vec<Column>>,
    pub from: From,
    pub filter: Option<Expr>,
    pub union: Vec<Query>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub expr: Expr,
    /// `AS name`, else the expression's text.
    pub name: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct From {
    /// `FROM OBJECTS …`: the class objects (or the objects named) themselves, not instances.
    pub objects: bool,
    pub instanceof: bool,
    pub source: Source,
    pub alias: Option<String>,
    pub pos: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    /// `java.lang.String`, `int[]`.
    Class(String),
    /// `"java\.util\..*Map"`: every class whose name matches.
    Pattern(String),
    /// `0x…` addresses and object numbers (our node indices), in order.
    Objects(Vec<ObjRef>),
    /// `( SELECT … )`.
    Sub(Box<Query>),
    /// `( expression )` (e.g. `OBJECTS (1 + 2)`, `OBJECTS (null)`).
    Expr(Expr),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjRef {
    Address(u64),
    Index(u64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Add,
    Sub,
    Mul,
    Div,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Lit {
    Null,
    Bool(bool),
    Int(i64),
    Long(i64),
    Float(f64),
    Str(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub pos: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    Lit(Lit),
    /// A name: the alias, else a field of the current object.
    Name(String),
    /// `@attr` of the current object (no alias before it).
    Attr(String),
    /// `expr.field`, `expr.@attr`, `expr.method(args)`, `expr[i]`.
    Step(Box<Expr>, Step),
    Call(String, Vec<Expr>),
    Bin(BinOp, Box<Expr>, Box<Expr>),
    Neg(Box<Expr>),
    Not(Box<Expr>),
    /// `a [NOT] LIKE "regex"`.
    Like(Box<Expr>, String, bool),
    /// `a [NOT] IN b`.
    In(Box<Expr>, Box<Expr>, bool),
    /// A nested `(SELECT …)` as a value (the list of its first column).
    Sub(Box<Query>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    Field(String),
    Attr(String),
    Method(String, Vec<Expr>),
    Index(Box<Expr>),
}
