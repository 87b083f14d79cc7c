package db

import (
	"io"
	"strings"

	xormlog "xorm.io/xorm/log"
)

// redacted stands in the SQL log for a value that must not be written.
const redacted = "[redacted]"

// sqlLogger is xorm's plain SQL logger with the values bound to secret
// columns (token hashes, password hashes, sealed secrets; see
// isSecretColumn) left out. A hash of a token is as good as the token to
// whoever can reach the database, and a password hash can be attacked
// offline, so neither belongs in a log that [database] LOG_SQL turns on.
type sqlLogger struct {
	xormlog.ContextLogger
}

// NewSQLLogger writes the statements an engine runs to w, as xorm's plain
// logger does, without the values of secret columns.
func NewSQLLogger(w io.Writer) xormlog.ContextLogger {
	return &sqlLogger{ContextLogger: xormlog.NewLoggerAdapter(xormlog.NewSimpleLogger(w))}
}

// BeforeSQL implements xorm's ContextLogger.
func (l *sqlLogger) BeforeSQL(c xormlog.LogContext) {
	c.Args = redactArgs(c.SQL, c.Args)
	l.ContextLogger.BeforeSQL(c)
}

// AfterSQL implements xorm's ContextLogger.
func (l *sqlLogger) AfterSQL(c xormlog.LogContext) {
	c.Args = redactArgs(c.SQL, c.Args)
	l.ContextLogger.AfterSQL(c)
}

// secretColumnParts mark a column (or table) name that holds or guards a
// secret: ours (token_hash, token_cipher, passwd_hash, secret_cipher) and
// those of a Gitea schema an embedding host may share (passwd, salt, rands,
// token_salt, secret). A name that merely looks like one is redacted too:
// a value too many left out costs less than one too few written.
var secretColumnParts = []string{"hash", "cipher", "secret", "passw", "salt", "rands", "token"}

func isSecretColumn(name string) bool {
	name = strings.ToLower(name)
	for _, p := range secretColumnParts {
		if strings.Contains(name, p) {
			return true
		}
	}
	return false
}

// redactArgs returns args with every value that may be bound to a secret
// column replaced. A statement that names no such column keeps its values.
// In one that does, a value is kept only where the statement shows plainly
// which other column it goes to: by its place in an INSERT's column list,
// or as `column <op> ?` and `column IN (?, …)`; any other value is left out.
func redactArgs(sql string, args []any) []any {
	if len(args) == 0 {
		return args
	}
	toks := tokenizeSQL(sql)
	secret := false
	for _, t := range toks {
		if t.kind == tokIdent && isSecretColumn(t.text) {
			secret = true
			break
		}
	}
	if !secret {
		return args
	}
	cols := placeholderColumns(toks)
	out := make([]any, len(args))
	for i := range args {
		out[i] = redacted
	}
	for i, t := range toks {
		if t.kind != tokPlaceholder {
			continue
		}
		idx := t.arg
		if idx < 0 || idx >= len(args) {
			continue
		}
		if col, ok := cols[i]; ok && !isSecretColumn(col) {
			out[idx] = args[idx]
		}
	}
	return out
}

// placeholderColumns maps the index of each placeholder token it can
// attribute to the column the value goes to.
func placeholderColumns(toks []sqlToken) map[int]string {
	cols := map[int]string{}
	if insertColumns(toks, cols) {
		return cols
	}
	for i, t := range toks {
		if t.kind != tokPlaceholder || i < 2 {
			continue
		}
		if toks[i-1].kind == tokOp && isComparison(toks[i-1].text) && toks[i-2].kind == tokIdent {
			cols[i] = toks[i-2].text
			continue
		}
		// column IN (?, ?, …): walk back over the list to its opening.
		j := i - 1
		for j >= 0 && (toks[j].text == "," || toks[j].kind == tokPlaceholder) {
			j--
		}
		if j >= 2 && toks[j].text == "(" && strings.EqualFold(toks[j-1].text, "in") && toks[j-2].kind == tokIdent {
			cols[i] = toks[j-2].text
		}
	}
	return cols
}

func isComparison(op string) bool {
	switch op {
	case "=", "<>", "!=", "<", ">", "<=", ">=":
		return true
	}
	return false
}

// insertColumns handles INSERT … (c1, c2, …) VALUES (?, ?, …)[, (…)]: each
// placeholder goes to the column at its place in its row. It reports false
// for any other statement.
func insertColumns(toks []sqlToken, cols map[int]string) bool {
	if len(toks) == 0 || !(strings.EqualFold(toks[0].text, "insert") || strings.EqualFold(toks[0].text, "replace")) {
		return false
	}
	i := 0
	for i < len(toks) && toks[i].text != "(" {
		i++
	}
	var names []string
	for i++; i < len(toks) && toks[i].text != ")"; i++ {
		if toks[i].kind == tokIdent {
			names = append(names, toks[i].text)
		}
	}
	for i < len(toks) && !strings.EqualFold(toks[i].text, "values") {
		i++
	}
	if i == len(toks) || len(names) == 0 {
		return true // no VALUES list (INSERT … SELECT): nothing attributed
	}
	pos := 0
	for ; i < len(toks); i++ {
		switch {
		case toks[i].text == "(":
			pos = 0
		case toks[i].text == ",":
			pos++
		case toks[i].kind == tokPlaceholder && pos < len(names):
			cols[i] = names[pos]
		case toks[i].kind == tokIdent && !strings.EqualFold(toks[i].text, "values"):
			return true // ON CONFLICT …: what follows is not a row
		}
	}
	return true
}

type tokKind int

const (
	tokIdent tokKind = iota
	tokPlaceholder
	tokOp
	tokPunct
	tokOther
)

type sqlToken struct {
	kind tokKind
	text string // an identifier unquoted
	arg  int    // a placeholder's argument index
}

// tokenizeSQL splits a statement into identifiers (quoted ones unquoted),
// placeholders (? in order, or PostgreSQL's $n), operators, punctuation,
// and literals, whose text is dropped.
func tokenizeSQL(s string) []sqlToken {
	var toks []sqlToken
	next := 0 // the argument of the next ?
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '\'':
			j := i + 1
			for j < len(s) {
				if s[j] == '\'' {
					if j+1 < len(s) && s[j+1] == '\'' {
						j += 2
						continue
					}
					break
				}
				j++
			}
			toks = append(toks, sqlToken{kind: tokOther})
			i = j + 1
		case c == '`' || c == '"':
			j := strings.IndexByte(s[i+1:], c)
			if j < 0 {
				j = len(s) - i - 1
			}
			toks = append(toks, sqlToken{kind: tokIdent, text: s[i+1 : i+1+j]})
			i += j + 2
		case c == '?':
			toks = append(toks, sqlToken{kind: tokPlaceholder, arg: next})
			next++
			i++
		case c == '$' && i+1 < len(s) && isDigit(s[i+1]):
			j, n := i+1, 0
			for j < len(s) && isDigit(s[j]) {
				n = n*10 + int(s[j]-'0')
				j++
			}
			toks = append(toks, sqlToken{kind: tokPlaceholder, arg: n - 1})
			i = j
		case isIdentStart(c):
			j := i + 1
			for j < len(s) && (isIdentStart(s[j]) || isDigit(s[j])) {
				j++
			}
			toks = append(toks, sqlToken{kind: tokIdent, text: s[i:j]})
			i = j
		case strings.IndexByte("<>=!", c) >= 0:
			j := i + 1
			for j < len(s) && strings.IndexByte("<>=!", s[j]) >= 0 {
				j++
			}
			toks = append(toks, sqlToken{kind: tokOp, text: s[i:j]})
			i = j
		case strings.IndexByte("(),.;", c) >= 0:
			toks = append(toks, sqlToken{kind: tokPunct, text: string(c)})
			i++
		default:
			toks = append(toks, sqlToken{kind: tokOther, text: string(c)})
			i++
		}
	}
	return toks
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isIdentStart(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80
}
