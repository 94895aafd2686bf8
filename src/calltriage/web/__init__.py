"""The web desk (server-rendered HTML for operators) and the REST API, in one FastAPI app."""
