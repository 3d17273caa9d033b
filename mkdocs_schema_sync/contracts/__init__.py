"""ETL contracts: the file, its model, the check, the build/CLI policy, reports, webhooks and the install."""
