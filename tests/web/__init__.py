"""Tests of the web desk and the REST API."""
