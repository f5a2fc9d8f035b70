"""What cargo prints, read: test reports, rustfmt diffs, metadata, snapshots and progress, each kind
of output into its result's fields."""
