package main

import (
	"context"
	"fmt"
	"text/tabwriter"
)

func init() {
	commands["tenant"] = command{"create or list tenants (works on the store directly)", runTenant}
}

func runTenant(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || (args[0] != "create" && args[0] != "list") {
		fmt.Fprintln(e.stderr, "usage: tsa tenant create NAME [--source URL] [--data DIR] | tsa tenant list [--data DIR]")
		return errUsage
	}
	sub := args[0]
	fs := newFlags(e, "tenant "+sub, map[string]string{"create": "NAME", "list": ""}[sub], "Creates or lists tenants in the store.")
	data := fs.String("data", "data", "data directory")
	storeURL := fs.String("store", "", "store URL (default sqlite://DATA/tsa.db)")
	src := fs.String("source", "", "the tenant's source URL (default: the server's)")
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
	switch sub {
	case "create":
		if fs.NArg() != 1 {
			fs.Usage()
			return errUsage
		}
		t, err := st.CreateTenant(ctx, fs.Arg(0), *src)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "created tenant %s (id %s)\n", t.Name, t.ID)
		return nil
	default:
		ts, err := st.ListTenants(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tSOURCE\tCREATED")
		for _, t := range ts {
			src := t.SourceURL
			if src == "" {
				src = "(server default)"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", t.ID, t.Name, src, t.CreatedAt.Format("2006-01-02 15:04"))
		}
		return tw.Flush()
	}
}
