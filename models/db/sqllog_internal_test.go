package db

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestRedactArgs_SecretColumnsOnly(t *testing.T) {
	const h = "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8"
	for _, tc := range []struct {
		name string
		sql  string
		args []any
		want []any
	}{
		{"no secret column", "SELECT id FROM action_run_job WHERE status = ? AND label_key IN (?, ?)", []any{5, "k1", "k2"}, []any{5, "k1", "k2"}},
		{"where, backticks", "SELECT `id`, `uuid` FROM `action_runner_token` WHERE (token_hash = ?) AND `deleted`=? LIMIT 1", []any{h, 0}, []any{redacted, 0}},
		{"where, postgres", `SELECT "id" FROM "access_token" WHERE (token_hash = $1) LIMIT 1`, []any{h}, []any{redacted}},
		{"where, postgres out of order", `UPDATE "action_task" SET "status" = $2 WHERE "token_hash" = $1`, []any{h, 6}, []any{redacted, 6}},
		{"insert, sqlite", "INSERT INTO `user` (`name`,`email`,`passwd_hash`,`is_admin`) VALUES (?,?,?,?)", []any{"root", "r@x", "pbkdf2$" + h, true}, []any{"root", "r@x", redacted, true}},
		{"insert, postgres, returning", `INSERT INTO "action_runner" ("uuid","name","token_hash","owner_id") VALUES ($1,$2,$3,$4) RETURNING "id"`, []any{"u", "n", h, 3}, []any{"u", "n", redacted, 3}},
		{"insert, two rows", "INSERT INTO t (token_hash, name) VALUES (?, ?), (?, ?)", []any{h, "a", h, "b"}, []any{redacted, "a", redacted, "b"}},
		{"insert ignore", "INSERT IGNORE INTO web_session (uid, token_hash) VALUES (?, ?)", []any{1, h}, []any{1, redacted}},
		{"insert on conflict", "INSERT INTO web_session (uid, token_hash) VALUES (?, ?) ON CONFLICT DO NOTHING", []any{1, h}, []any{1, redacted}},
		{"update set", "UPDATE `action_runner_token` SET `token_hash` = ?, `token_cipher` = ?, `uses` = `uses` + ? WHERE `id`=?", []any{h, "sealed", 1, 9}, []any{redacted, redacted, redacted, 9}},
		{"in list", "DELETE FROM web_session WHERE token_hash IN (?, ?)", []any{h, h}, []any{redacted, redacted}},
		{"a value no column claims", "SELECT id FROM webhook WHERE secret_cipher = COALESCE(?, '')", []any{"sealed"}, []any{redacted}},
		{"a quoted literal that looks like a column", "SELECT id FROM t WHERE name = 'token_hash = ?' AND token_hash = ?", []any{h}, []any{redacted}},
		{"gitea schema", "SELECT id FROM `user` WHERE lower_name = ? AND passwd = ? AND salt = ?", []any{"root", h, "s"}, []any{"root", redacted, redacted}},
		{"more args than placeholders", "SELECT 1 FROM t WHERE token_hash = ?", []any{h, "extra"}, []any{redacted, redacted}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, redactArgs(tc.sql, tc.args))
		})
	}
}
