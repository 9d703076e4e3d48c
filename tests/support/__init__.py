"""Helpers shared by several test folders: a throwaway PostgreSQL and real server processes."""
