"""Database -> repository: drift becomes one reviewed pull request (git, GitHub REST, body, monitor)."""
