package sqlstore

import (
	"context"
	"database/sql"

	"github.com/pressly/goose/v3"
)

// goMigrations are the migrations SQL cannot do the same on both backends: values computed by
// masspay (keyHash, searchText) for the rows made before the columns that hold them. Each fills
// only the rows still without a value, so it runs as well on a database that masspay's former
// runner had already filled.
func goMigrations() []*goose.Migration {
	return []*goose.Migration{
		// The key hashes of the transfers made before migration 00009.
		goose.NewGoMigration(12, &goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error {
			return backfill(ctx, tx,
				`SELECT seq, dest_customer_id, correlation_id FROM transfers WHERE seq > $1 AND dest_customer_hash = 0
 AND correlation_hash = 0 AND (dest_customer_id <> '' OR correlation_id <> '') ORDER BY seq LIMIT 1000`,
				`UPDATE transfers SET dest_customer_hash = $1, correlation_hash = $2 WHERE seq = $3`,
				func(in []string) []any { return []any{keyHash(in[0]), keyHash(in[1])} })
		}}, nil),
		// The search text of the customers made before migration 00011.
		goose.NewGoMigration(13, &goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error {
			return backfill(ctx, tx,
				`SELECT seq, first_name, last_name, email, business_name FROM customers WHERE seq > $1 AND search_text = ''
 ORDER BY seq LIMIT 1000`,
				`UPDATE customers SET search_text = $1 WHERE seq = $2`,
				func(in []string) []any { return []any{searchText(in[0], in[1], in[2], in[3])} })
		}}, nil),
	}
}

// backfill sets columns of existing rows to values computed in Go, a page at a time in seq order.
// sel selects seq and then the text inputs of the rows after the seq given as its one parameter;
// upd sets the columns from set's values, followed by the row's seq.
func backfill(ctx context.Context, tx *sql.Tx, sel, upd string, set func(in []string) []any) error {
	type row struct {
		seq int64
		in  []string
	}
	for after := int64(0); ; {
		rows, err := tx.QueryContext(ctx, sel, after)
		if err != nil {
			return err
		}
		cols, err := rows.Columns()
		if err != nil {
			rows.Close()
			return err
		}
		var page []row
		for rows.Next() {
			r := row{in: make([]string, len(cols)-1)}
			dest := []any{&r.seq}
			for i := range r.in {
				dest = append(dest, &r.in[i])
			}
			if err := rows.Scan(dest...); err != nil {
				rows.Close()
				return err
			}
			page = append(page, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(page) == 0 {
			return nil
		}
		for _, r := range page {
			if _, err := tx.ExecContext(ctx, upd, append(set(r.in), r.seq)...); err != nil {
				return err
			}
		}
		after = page[len(page)-1].seq
	}
}
