package main

import (
	"context"
	"fmt"
)

func init() {
	commands["token"] = command{"create an API token for a tenant (prints it as the last line)", runToken}
}

func runToken(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] != "create" {
		fmt.Fprintln(e.stderr, "usage: tsa token create --tenant NAME [--name LABEL] [--admin] [--data DIR]")
		return errUsage
	}
	fs := newFlags(e, "token create", "", "Creates a token for a tenant and prints it as the last line. It is shown only once.")
	tenant := fs.String("tenant", "default", "tenant name")
	name := fs.String("name", "cli", "a label for the token")
	admin := fs.Bool("admin", false, "allow the admin API (every tenant)")
	data := fs.String("data", "data", "data directory")
	storeURL := fs.String("store", "", "store URL (default sqlite://DATA/tsa.db)")
	if err := parseFlags(e, fs, args[1:]); err != nil {
		return err
	}
	st, err := openStoreURL(ctx, *data, *storeURL)
	if err != nil {
		return err
	}
	defer st.Close()
	if _, err := st.EnsureDefaultTenant(ctx); err != nil {
		return err
	}
	t, err := st.TenantByName(ctx, *tenant)
	if err != nil {
		return fmt.Errorf("tenant %q: %w", *tenant, err)
	}
	tok, plain, err := st.CreateToken(ctx, t.ID, *name, *admin)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "token %s for tenant %s created; it is shown only once:\n", tok.ID, t.Name)
	fmt.Fprintln(e.stdout, plain)
	return nil
}
