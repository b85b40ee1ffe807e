"""Benign background activity, one module per source. Each generates one hour of one day."""
