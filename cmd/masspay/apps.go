package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"masspay"
	"masspay/app"
	"masspay/service"
)

func runAppsCreate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("apps create", getenv, stderr)
	store := fs.storeFlags()
	name := fs.String("name", "masspay sandbox", "account name")
	balance := define(fs, "balance", 5000_00, "5000.00", "opening balance, USD", "an amount such as 5000.00", masspay.ParseAmount)
	asJSON := fs.Bool("json", "print one JSON object {accountId, key, secret} on stdout")
	if err := fs.parse(args); err != nil {
		return err
	}
	st, err := app.OpenStore(ctx, *store.data, *store.database)
	if err != nil {
		return err
	}
	defer st.Close()
	na, err := service.New(st, service.Config{}).CreateApplication(ctx, service.NewApplicationParams{Name: *name, Balance: *balance})
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(map[string]string{"accountId": na.AccountID, "key": na.Key, "secret": na.Secret})
	}
	fmt.Fprintf(stdout, "account: %s\nkey:     %s\nsecret:  %s\n(the secret is shown only now)\n", na.AccountID, na.Key, na.Secret)
	return nil
}
