package httpapi_test

import (
	"bufio"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"masspay/apptest"
)

// /readyz answers 200 only while the store answers and its schema is this masspay's; /healthz
// (liveness) does not depend on the store. The reason for a 503 is logged with the request's id.
func TestReadyz(t *testing.T) {
	t.Parallel()
	logs := &apptest.Buffer{}
	e := apptest.Start(t, apptest.Options{Logger: slog.New(slog.NewJSONHandler(logs, nil))})
	probe := func(path string) (int, string) {
		t.Helper()
		res, err := http.Get(e.Base + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode, res.Header.Get("X-Request-Id")
	}
	exec := func(query string) {
		t.Helper()
		if err := e.Store.ExecSQL(t.Context(), query); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
	}
	want := func(what string, status int) string {
		t.Helper()
		got, id := probe("/readyz")
		if got != status {
			t.Fatalf("%s: /readyz = %d, want %d", what, got, status)
		}
		if hz, _ := probe("/healthz"); hz != 200 {
			t.Fatalf("%s: /healthz = %d, want 200", what, hz)
		}
		return id
	}
	want("fresh store", 200)

	// A newer masspay migrated the store: this one must not serve it.
	exec(`INSERT INTO goose_db_version (version_id, is_applied) VALUES (99999, TRUE)`)
	id := want("schema ahead of this masspay", 503)
	exec(`DELETE FROM goose_db_version WHERE version_id = 99999`)
	want("schema current again", 200)

	// The database stops answering: on PostgreSQL the server's schema is gone; on SQLite the
	// table it reads is.
	if e.DBURL != "" {
		u, _ := url.Parse(e.DBURL)
		schema := u.Query().Get("search_path")
		exec(`ALTER SCHEMA ` + schema + ` RENAME TO ` + schema + `_gone`)
		want("database gone", 503)
		exec(`ALTER SCHEMA ` + schema + `_gone RENAME TO ` + schema)
	} else {
		exec(`ALTER TABLE goose_db_version RENAME TO goose_db_version_gone`)
		want("database gone", 503)
		exec(`ALTER TABLE goose_db_version_gone RENAME TO goose_db_version`)
	}
	want("database back", 200)

	// The 503's reason is in the log, with the id of the request that asked.
	found := false
	sc := bufio.NewScanner(strings.NewReader(logs.String()))
	for sc.Scan() {
		var l map[string]any
		if json.Unmarshal(sc.Bytes(), &l) == nil && l["msg"] == "not ready" && l["request_id"] == id {
			found = strings.Contains(l["error"].(string), "schema is at migration 99999")
		}
	}
	if !found {
		t.Fatalf("no \"not ready\" line with request_id %s and the schema's version in:\n%s", id, logs)
	}
}
