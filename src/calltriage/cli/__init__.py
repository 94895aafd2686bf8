"""The `calltriage` command line: thin, every command has --json."""
